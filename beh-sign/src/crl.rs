//! Certificate revocation lists: decoded once when loaded, checked against the issuer's key
//! each time they are used (a CRL counts only when its issuer signed it and it is current).

use crate::cert::Certificate;
use crate::crypto::SigAlg;
use crate::pem;
use std::collections::HashSet;
use std::sync::Mutex;
use x509_parser::prelude::FromDer as _;
use x509_parser::revocation_list::CertificateRevocationList;

/// CRL extensions we understand well enough to use a CRL that marks them critical.
/// A delta CRL indicator or issuing distribution point (scoped CRLs) is not handled, so a CRL
/// that carries them critically is not used (RFC 5280 §5.2).
const KNOWN_CRITICAL: &[&str] = &[
    "2.5.29.20", // cRLNumber
    "2.5.29.35", // authorityKeyIdentifier
];

/// A decoded CRL.
#[derive(Debug)]
pub struct Crl {
    pub(crate) issuer_raw: Vec<u8>,
    issuer: String,
    pub(crate) this_update: i64,
    pub(crate) next_update: Option<i64>,
    revoked: HashSet<Vec<u8>>,
    tbs: Vec<u8>,
    sig_alg: SigAlg,
    signature: Vec<u8>,
    pub(crate) usable: bool,
    /// SHA-256 of issuer certificates whose key verified this CRL's signature. A CRL is
    /// immutable once loaded, so the result of that check never changes; remembering it is
    /// what loading a CRL into a server means (docs/benchmarks.md). Bounded.
    verified_by: Mutex<Vec<[u8; 32]>>,
}

impl Crl {
    /// Decodes one DER CRL. Trailing bytes are refused.
    pub fn from_der(der: &[u8]) -> Result<Crl, String> {
        let (rest, c) = CertificateRevocationList::from_der(der).map_err(|e| e.to_string())?;
        if !rest.is_empty() {
            return Err("trailing bytes after the CRL".to_owned());
        }
        let usable = c
            .extensions()
            .iter()
            .all(|e| !e.critical || KNOWN_CRITICAL.contains(&e.oid.to_id_string().as_str()))
            && c.iter_revoked_certificates().all(|r| r.extensions().iter().all(|e| !e.critical));
        if c.signature_algorithm.algorithm != c.tbs_cert_list.signature.algorithm {
            return Err("signatureAlgorithm differs from tbsCertList.signature".to_owned());
        }
        Ok(Crl {
            issuer_raw: c.issuer().as_raw().to_vec(),
            issuer: c.issuer().to_string(),
            this_update: c.last_update().timestamp(),
            next_update: c.next_update().map(|t| t.timestamp()),
            revoked: c
                .iter_revoked_certificates()
                .map(|r| strip_sign_byte(r.raw_serial()).to_vec())
                .collect(),
            tbs: c.tbs_cert_list.as_ref().to_vec(),
            sig_alg: SigAlg::from_oid(&c.signature_algorithm.algorithm.to_id_string()),
            signature: c.signature_value.data.to_vec(),
            usable,
            verified_by: Mutex::new(Vec::new()),
        })
    }

    /// Decodes every CRL of `input`: PEM (`X509 CRL` blocks) or one DER.
    pub fn parse_all(input: &[u8]) -> Result<Vec<Crl>, String> {
        pem::der_items(input, &["X509 CRL", "CRL"])?.iter().map(|d| Crl::from_der(d)).collect()
    }

    /// The issuer as text.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Whether this CRL may speak of certificates issued by `issuer` at time `at`: same name,
    /// current (thisUpdate ≤ at < nextUpdate; a CRL without nextUpdate is never current), no
    /// critical extension we do not handle, signed with the issuer's key by an accepted
    /// algorithm. Costs one signature verification.
    pub(crate) fn applies(&self, issuer: &Certificate, at: i64) -> bool {
        self.usable
            && self.issuer_raw == issuer.subject_raw
            && self.is_current(at)
            && !self.sig_alg.is_sha1()
            && issuer.key_usage.is_none_or(|k| k.crl_sign)
            && self.signed_by(issuer)
    }

    /// Whether `issuer`'s key made this CRL's signature (remembered per issuer certificate).
    fn signed_by(&self, issuer: &Certificate) -> bool {
        let id = issuer.sha256();
        if self.verified_by.lock().is_ok_and(|v| v.contains(&id)) {
            return true;
        }
        let ok = issuer.key.verify(&self.sig_alg, &self.tbs, &self.signature, false).is_ok();
        if ok {
            if let Ok(mut v) = self.verified_by.lock() {
                if v.len() < 16 {
                    v.push(id);
                }
            }
        }
        ok
    }

    /// thisUpdate ≤ at < nextUpdate.
    pub(crate) fn is_current(&self, at: i64) -> bool {
        self.this_update <= at && self.next_update.is_some_and(|n| at < n)
    }

    /// Whether the serial (raw DER integer contents) is listed.
    pub(crate) fn lists(&self, serial: &[u8]) -> bool {
        self.revoked.contains(strip_sign_byte(serial))
    }
}

/// Serial numbers compare as integers: drop the leading 0x00 DER adds for positive numbers.
fn strip_sign_byte(serial: &[u8]) -> &[u8] {
    match serial {
        [0, rest @ ..] if !rest.is_empty() => rest,
        s => s,
    }
}
