//! The verifier: trust anchors, CRLs and policy, and the three checks callers need —
//! a raw signature with its chain, a CMS SignedData, and a login certificate.

use crate::cache::{self, ChainCache, Entry};
use crate::cert::{Certificate, HolderNames};
use crate::cms::{self, SignerId};
use crate::crl::Crl;
use crate::crypto::{Hash, VerifyError};
use crate::error::{Failure, LoadError, Problem};
use crate::path::{self, PathInput};
use crate::pem;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;

/// What to do when no current CRL of a certificate's issuer is at hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Revocation {
    /// Fail closed: a certificate without a current, issuer-signed CRL is untrusted. The
    /// server's default.
    #[default]
    Required,
    /// Use CRLs that apply; without one, the result says `revocation_checked: false`.
    /// The stateless check of C-ABI.md works this way.
    IfAvailable,
    /// Do not look at CRLs at all.
    Off,
}

/// Knobs of the verification policy. The defaults are the strict ones.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Revocation checking.
    pub revocation: Revocation,
    /// Accept SHA-1 signatures made by a trust anchor's key (certificates that an old root
    /// issued before SHA-256). Off by default; SHA-1 is never accepted lower in the path, on
    /// CRLs or on the signed decision. (A root's own self-signature is never checked, so a
    /// SHA-1 self-signed root works as an anchor without this.)
    pub allow_sha1_from_trust_anchors: bool,
    /// Most certificate signatures checked while building one path (rustls-webpki's budget idea).
    pub max_signature_checks: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            revocation: Revocation::Required,
            allow_sha1_from_trust_anchors: false,
            max_signature_checks: 64,
        }
    }
}

impl Policy {
    /// The default policy with another revocation setting.
    pub fn with_revocation(mut self, revocation: Revocation) -> Self {
        self.revocation = revocation;
        self
    }

    /// The policy with SHA-1 from trust anchors allowed or not.
    pub fn with_sha1_from_trust_anchors(mut self, allow: bool) -> Self {
        self.allow_sha1_from_trust_anchors = allow;
        self
    }
}

/// What a certificate is being used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Signing a decision: keyUsage nonRepudiation or digitalSignature.
    Signing,
    /// Logging in: keyUsage digitalSignature, and clientAuth when extKeyUsage is present.
    Login,
}

/// A successful check: who signed (or logged in) and how thoroughly it was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The holder's HSA-id as the certificate carries it.
    pub signer_hsa_id: String,
    /// The leaf's subject as text.
    pub subject: String,
    /// givenName, surname and the other names, for display.
    pub names: HolderNames,
    /// Whether a current CRL of the issuer was consulted for every certificate below the anchor.
    pub revocation_checked: bool,
    /// SHA-256 of the leaf certificate's DER, lowercase hex.
    pub certificate_sha256: String,
}

/// Builds a [`Verifier`].
#[derive(Debug)]
pub struct VerifierBuilder {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    crls: Vec<Crl>,
    policy: Policy,
    cache_capacity: usize,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        VerifierBuilder {
            anchors: Vec::new(),
            intermediates: Vec::new(),
            crls: Vec::new(),
            policy: Policy::default(),
            cache_capacity: 1024,
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io { path: path.display().to_string(), source })
}

impl VerifierBuilder {
    /// Adds trust anchors (roots): PEM with one or more certificates, or one DER certificate.
    pub fn add_trust_anchors(mut self, pem_or_der: &[u8]) -> Result<Self, LoadError> {
        let certs = Certificate::parse_all(pem_or_der)
            .map_err(|reason| LoadError::Undecodable { what: "Rotcertifikat", reason })?;
        self.anchors.extend(certs);
        Ok(self)
    }

    /// Adds the trust anchors of a file (PEM or DER).
    pub fn add_trust_anchor_file(self, path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let bytes = read(path.as_ref())?;
        self.add_trust_anchors(&bytes)
    }

    /// Adds intermediate CA certificates the verifier may use besides those a caller sends
    /// (they are not trusted by themselves: they must chain to an anchor).
    pub fn add_intermediates(mut self, pem_or_der: &[u8]) -> Result<Self, LoadError> {
        let certs = Certificate::parse_all(pem_or_der).map_err(|reason| {
            LoadError::Undecodable { what: "Mellanliggande certifikat", reason }
        })?;
        self.intermediates.extend(certs);
        Ok(self)
    }

    /// Adds CRLs: PEM with one or more `X509 CRL` blocks, or one DER CRL.
    pub fn add_crls(mut self, pem_or_der: &[u8]) -> Result<Self, LoadError> {
        let crls = Crl::parse_all(pem_or_der)
            .map_err(|reason| LoadError::Undecodable { what: "Spärrlista", reason })?;
        self.crls.extend(crls);
        Ok(self)
    }

    /// Adds the CRLs of a file (PEM or DER).
    pub fn add_crl_file(self, path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let bytes = read(path.as_ref())?;
        self.add_crls(&bytes)
    }

    /// Sets the policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets how many validated chains to keep (0 turns the cache off; default 1024).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }

    /// The verifier. At least one trust anchor is needed.
    pub fn build(self) -> Result<Verifier, LoadError> {
        if self.anchors.is_empty() {
            return Err(LoadError::NoTrustAnchor);
        }
        Ok(Verifier {
            anchors: self.anchors.into_iter().map(Arc::new).collect(),
            intermediates: self.intermediates.into_iter().map(Arc::new).collect(),
            crls: self.crls.into_iter().map(Arc::new).collect(),
            policy: self.policy,
            cache: (self.cache_capacity > 0).then(|| ChainCache::new(self.cache_capacity)),
        })
    }
}

/// Checks SITHS signatures and login certificates against configured trust anchors and CRLs.
///
/// Immutable once built and safe to share between threads. To take in fresh CRLs, build a new
/// one (its chain cache starts empty, so no cached result outlives the CRLs it relied on).
pub struct Verifier {
    anchors: Vec<Arc<Certificate>>,
    intermediates: Vec<Arc<Certificate>>,
    crls: Vec<Arc<Crl>>,
    policy: Policy,
    cache: Option<ChainCache>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("anchors", &self.anchors.iter().map(|a| a.subject()).collect::<Vec<_>>())
            .field("crls", &self.crls.len())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The DER certificates of a list of PEM texts or DER blobs, leaf first.
fn certificate_ders(certificates: &[&[u8]]) -> Result<Vec<Vec<u8>>, Problem> {
    let mut out = Vec::with_capacity(certificates.len());
    for (i, c) in certificates.iter().enumerate() {
        let items = pem::der_items(c, &["CERTIFICATE", "X509 CERTIFICATE"])
            .map_err(|reason| Problem::UndecodableCertificate { index: i + 1, reason })?;
        out.extend(items);
    }
    Ok(out)
}

/// Decodes each DER certificate once; one that does not decode becomes a problem (1-based index)
/// and `None`.
fn decode_certificates<T: AsRef<[u8]>>(
    ders: impl IntoIterator<Item = T>,
    problems: &mut Vec<Problem>,
) -> Vec<Option<Arc<Certificate>>> {
    ders.into_iter()
        .enumerate()
        .map(|(i, der)| match Certificate::from_der(der.as_ref()) {
            Ok(c) => Some(Arc::new(c)),
            Err(reason) => {
                problems.push(Problem::UndecodableCertificate { index: i + 1, reason });
                None
            }
        })
        .collect()
}

/// Whether `c` is the certificate a CMS SignerInfo names.
fn is_signer(c: &Certificate, signer: &SignerId) -> bool {
    match signer {
        SignerId::IssuerSerial(issuer, serial) => {
            c.issuer_raw == *issuer && strip0(c.serial()) == strip0(serial)
        }
        SignerId::KeyId(id) => c.subject_key_id.as_deref() == Some(id.as_slice()),
    }
}

/// What a check is for, besides its chain.
struct Request<'a> {
    purpose: Purpose,
    expected_signer: Option<&'a str>,
    at: i64,
}

/// The chain of a check: a leaf found in the cache of validated chains, or the decoded
/// certificates (leaf first; `None` where one did not decode) to validate.
enum Chain {
    Cached { leaf: Arc<Certificate>, revocation_checked: bool },
    Decoded(Vec<Option<Arc<Certificate>>>),
}

impl Verifier {
    /// A builder with the strict default policy.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// How many validated chains are cached now.
    pub fn cached_chains(&self) -> usize {
        self.cache.as_ref().map_or(0, ChainCache::len)
    }

    /// Checks a raw signature over `tbs`: RSASSA-PKCS1-v1_5 with SHA-256 for RSA keys, ECDSA
    /// (DER or raw `r‖s`) with SHA-256 on P-256 and SHA-384 on P-384. `certificates` are PEM
    /// texts or DER blobs, the signer's first, then any intermediates in any order.
    /// `expected_signer`, when given, must be the signer's HSA-id (compared without regard to
    /// case, as HSA does).
    pub fn verify_raw(
        &self,
        tbs: &[u8],
        signature: &[u8],
        certificates: &[&[u8]],
        expected_signer: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Verified, Failure> {
        let req = Request { purpose: Purpose::Signing, expected_signer, at: at.timestamp() };
        self.check_inputs(certificates, &req, |leaf| {
            let alg = leaf.key.raw_signature_alg();
            leaf.key.verify(&alg, tbs, signature, true).map_err(|e| signature_problem(e, leaf))
        })
    }

    /// Checks a CMS SignedData (DER) over `tbs`: detached (then `tbs` is the content) or
    /// enveloping (then the content must equal `tbs` when `tbs` is given).
    pub fn verify_cms(
        &self,
        cms_der: &[u8],
        tbs: Option<&[u8]>,
        expected_signer: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Verified, Failure> {
        let signed = cms::parse(cms_der)?;
        let mut problems = Vec::new();
        let content: &[u8] = match (&signed.content, tbs) {
            (Some(c), Some(t)) => {
                if c.as_slice() != t {
                    problems.push(Problem::ContentMismatch);
                }
                c
            }
            (Some(c), None) => c,
            (None, Some(t)) => t,
            (None, None) => {
                return Err(Problem::MalformedCms {
                    reason: "detached signature without the signed content".to_owned(),
                }
                .into())
            }
        };
        let req = Request { purpose: Purpose::Signing, expected_signer, at: at.timestamp() };
        // Keyed by the certificates as the message carries them; a hit counts only when its
        // leaf is the certificate the SignerInfo names.
        let key = self.cache_key(cache::Kind::CmsCertificates, || {
            signed.certificates.iter().map(Vec::as_slice)
        });
        let mut chain_problems = Vec::new();
        let chain = match self.cached(key.as_ref(), req.at) {
            Some(Chain::Cached { leaf, revocation_checked })
                if is_signer(&leaf, &signed.signer) =>
            {
                Chain::Cached { leaf, revocation_checked }
            }
            _ => {
                // Each certificate decoded once; the signer's first, then the rest as they came.
                let mut certs: Vec<Result<Certificate, String>> =
                    signed.certificates.iter().map(|der| Certificate::from_der(der)).collect();
                let signer_index = certs
                    .iter()
                    .position(|c| c.as_ref().is_ok_and(|c| is_signer(c, &signed.signer)))
                    .ok_or(Problem::NoCertificate)?;
                let leaf = certs.remove(signer_index);
                certs.insert(0, leaf);
                let decoded = certs
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| match c {
                        Ok(c) => Some(Arc::new(c)),
                        Err(reason) => {
                            chain_problems
                                .push(Problem::UndecodableCertificate { index: i + 1, reason });
                            None
                        }
                    })
                    .collect();
                Chain::Decoded(decoded)
            }
        };
        let result = self.check(key, chain, chain_problems, &req, |leaf| {
            let digest = signed.digest.digest(content);
            let message: &[u8] = match &signed.signed_attrs {
                Some((attrs, md)) => {
                    if *md != digest {
                        return Err(Problem::DigestMismatch);
                    }
                    attrs
                }
                None => content,
            };
            if signed.digest == Hash::Sha1 || signed.sig_alg.is_sha1() {
                return Err(Problem::UnsupportedSignatureAlgorithm {
                    algorithm: "SHA-1".to_owned(),
                });
            }
            leaf.key
                .verify(&signed.sig_alg, message, &signed.signature, false)
                .map_err(|e| signature_problem(e, leaf))
        });
        match (result, problems.is_empty()) {
            (Ok(v), true) => Ok(v),
            (Ok(_), false) => Err(Failure::new(problems)),
            (Err(f), _) => {
                problems.extend(f.problems().iter().cloned());
                Err(Failure::new(problems))
            }
        }
    }

    /// Checks a login (client) certificate with its chain, leaf first, and returns the holder.
    /// The TLS handshake has already proved possession of the key; this decides whether the
    /// certificate is a SITHS log-in certificate that is valid, unrevoked and trusted.
    pub fn verify_login(
        &self,
        certificates: &[&[u8]],
        at: DateTime<Utc>,
    ) -> Result<Verified, Failure> {
        let req = Request { purpose: Purpose::Login, expected_signer: None, at: at.timestamp() };
        self.check_inputs(certificates, &req, |_| Ok(()))
    }

    /// A check whose chain is given as PEM texts or DER blobs, leaf first. The cache is keyed by
    /// these bytes as given, so a hit decodes nothing.
    fn check_inputs(
        &self,
        certificates: &[&[u8]],
        req: &Request<'_>,
        verify_signature: impl FnOnce(&Certificate) -> Result<(), Problem>,
    ) -> Result<Verified, Failure> {
        let key = self.cache_key(cache::Kind::Inputs, || certificates.iter().copied());
        let mut problems = Vec::new();
        let chain = match self.cached(key.as_ref(), req.at) {
            Some(chain) => chain,
            None => {
                let ders = certificate_ders(certificates)?;
                Chain::Decoded(decode_certificates(&ders, &mut problems))
            }
        };
        self.check(key, chain, problems, req, verify_signature)
    }

    /// The cache key of a chain, when there is a cache.
    fn cache_key<'a, I: IntoIterator<Item = &'a [u8]>>(
        &self,
        kind: cache::Kind,
        chain: impl FnOnce() -> I,
    ) -> Option<[u8; 32]> {
        self.cache.as_ref().map(|_| cache::key(kind, chain()))
    }

    /// The cached chain for `key` at `at`, if any.
    fn cached(&self, key: Option<&[u8; 32]>, at: i64) -> Option<Chain> {
        let (leaf, revocation_checked) = self.cache.as_ref()?.get(key?, at)?;
        Some(Chain::Cached { leaf, revocation_checked })
    }

    /// The common part: chain (cached or validated now), leaf usage, identity, then
    /// `verify_signature`. `problems` holds what decoding the chain found.
    fn check(
        &self,
        key: Option<[u8; 32]>,
        chain: Chain,
        mut problems: Vec<Problem>,
        req: &Request<'_>,
        verify_signature: impl FnOnce(&Certificate) -> Result<(), Problem>,
    ) -> Result<Verified, Failure> {
        let (leaf, revocation_checked) = match chain {
            Chain::Cached { leaf, revocation_checked } => (leaf, revocation_checked),
            Chain::Decoded(certs) => self.validate_chain(certs, req.at, key, &mut problems)?,
        };
        let purpose = req.purpose;
        let usable = match purpose {
            Purpose::Signing => leaf.may_sign(),
            Purpose::Login => leaf.may_log_in(),
        };
        if !usable {
            problems.push(match purpose {
                Purpose::Signing => Problem::NotForSigning,
                Purpose::Login => Problem::NotForLogin,
            });
        }
        match (leaf.hsa_id(), req.expected_signer) {
            (None, _) => problems.push(Problem::NoHsaId),
            (Some(found), Some(expected)) if !found.eq_ignore_ascii_case(expected) => {
                problems.push(Problem::SignerMismatch {
                    expected: expected.to_owned(),
                    found: found.to_owned(),
                });
            }
            _ => {}
        }
        if let Err(p) = verify_signature(&leaf) {
            problems.push(p);
        }
        if !problems.is_empty() {
            return Err(Failure::new(problems));
        }
        Ok(Verified {
            signer_hsa_id: leaf.hsa_id().unwrap_or_default().to_owned(),
            subject: leaf.subject().to_owned(),
            names: leaf.names().clone(),
            revocation_checked,
            certificate_sha256: leaf.sha256_hex(),
        })
    }

    /// Validates a path for the decoded chain (leaf first); chain problems go to `problems`.
    /// `Err` only when the leaf itself is missing or could not be decoded.
    fn validate_chain(
        &self,
        certs: Vec<Option<Arc<Certificate>>>,
        at: i64,
        key: Option<[u8; 32]>,
        problems: &mut Vec<Problem>,
    ) -> Result<(Arc<Certificate>, bool), Failure> {
        let mut certs = certs.into_iter();
        let leaf = match certs.next() {
            Some(Some(leaf)) => leaf,
            Some(None) => {
                // The first certificate did not decode; another one is not the signer's.
                return Err(Failure::new(std::mem::take(problems)));
            }
            None => {
                problems.push(Problem::NoCertificate);
                return Err(Failure::new(std::mem::take(problems)));
            }
        };
        let mut pool: Vec<Arc<Certificate>> = certs.flatten().collect();
        pool.extend(self.intermediates.iter().cloned());
        let input = PathInput {
            leaf: &leaf,
            intermediates: &pool,
            anchors: &self.anchors,
            crls: &self.crls,
            at,
            policy: &self.policy,
        };
        match path::validate(&input) {
            Ok(outcome) => {
                let flawless = outcome.problems.is_empty() && problems.is_empty();
                if flawless {
                    if let (Some(cache), Some(key)) = (&self.cache, key) {
                        cache.put(
                            key,
                            Entry {
                                leaf: Arc::clone(&leaf),
                                revocation_checked: outcome.revocation_checked,
                                valid_from: outcome.valid_from,
                                valid_until: outcome.valid_until,
                            },
                        );
                    }
                }
                problems.extend(outcome.problems);
                Ok((leaf, outcome.revocation_checked))
            }
            Err(p) => {
                problems.push(p);
                if let crate::crypto::PublicKey::WeakRsa { bits } = leaf.key {
                    problems.push(Problem::WeakKey { subject: leaf.subject().to_owned(), bits });
                }
                Ok((leaf, false))
            }
        }
    }
}

fn signature_problem(e: VerifyError, leaf: &Certificate) -> Problem {
    match e {
        VerifyError::Invalid => Problem::SignatureInvalid,
        VerifyError::Unsupported(algorithm) => Problem::UnsupportedSignatureAlgorithm { algorithm },
        VerifyError::WeakKey(bits) => Problem::WeakKey { subject: leaf.subject().to_owned(), bits },
    }
}

fn strip0(s: &[u8]) -> &[u8] {
    match s {
        [0, rest @ ..] if !rest.is_empty() => rest,
        s => s,
    }
}
