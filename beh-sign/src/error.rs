//! Why a check failed: a detailed [`Problem`] for logs and people, and its stable R13 [`Code`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;

/// The stable error codes this crate produces (PRODUCT.md R13, C-ABI.md "Signature checks").
///
/// Declared from the most fundamental to the least, which is the order problems are listed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// No valid path to a trusted root, or a certificate that cannot be decoded or is too weak.
    CertificateUntrusted,
    /// A certificate of the path is on a current CRL of its issuer.
    CertificateRevoked,
    /// A certificate of the path had expired at the time of the check.
    CertificateExpired,
    /// A certificate of the path was not yet valid at the time of the check.
    CertificateNotYetValid,
    /// The leaf's key usage does not allow this use.
    CertificateUsage,
    /// The signer's HSA-id is not the expected one.
    SignerMismatch,
    /// The signature over the to-be-signed bytes does not verify.
    SignatureInvalid,
    /// The request itself is malformed (only from the JSON entry point).
    BadRequest,
}

impl Code {
    /// The stable snake_case name used in JSON and the C ABI.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::CertificateUntrusted => "certificate_untrusted",
            Code::CertificateRevoked => "certificate_revoked",
            Code::CertificateExpired => "certificate_expired",
            Code::CertificateNotYetValid => "certificate_not_yet_valid",
            Code::CertificateUsage => "certificate_usage",
            Code::SignerMismatch => "signer_mismatch",
            Code::SignatureInvalid => "signature_invalid",
            Code::BadRequest => "bad_request",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found while checking a signature or a certificate path.
///
/// `Display` gives the Swedish message meant for people; [`Problem::code`] the stable code.
/// `subject` fields hold the certificate's subject as text, for the message and the logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// No certificate was given (or the CMS carried none for its signer).
    #[error("Inget certifikat för undertecknaren finns med.")]
    NoCertificate,
    /// A certificate could not be decoded (garbage, truncated, trailing bytes).
    #[error("Certifikat nummer {index} kan inte läsas ({reason}).")]
    UndecodableCertificate {
        /// Position in the list as given, from 1.
        index: usize,
        /// What the decoder said, in English (technical detail).
        reason: String,
    },
    /// No issuer of the certificate is among the given intermediates or the trust anchors.
    #[error("Certifikatet är inte utfärdat av en betrodd SITHS-utfärdare (utfärdare: {issuer}).")]
    UnknownIssuer {
        /// The issuer name the certificate names.
        issuer: String,
    },
    /// The leaf is self-signed and is not a trust anchor.
    #[error("Certifikatet är självsignerat och inte utfärdat av en betrodd SITHS-utfärdare.")]
    SelfSigned,
    /// A certificate's signature does not verify with the key of the issuer it names.
    #[error("Certifikatet för {subject} har en ogiltig signatur från sin utfärdare.")]
    ChainSignatureInvalid {
        /// Subject of the certificate whose signature failed.
        subject: String,
    },
    /// An intermediate certificate is not a CA (basicConstraints missing or CA:FALSE).
    #[error("Mellanliggande certifikat {subject} är inte en utfärdare (CA).")]
    NotCa {
        /// Subject of the intermediate.
        subject: String,
    },
    /// An issuing certificate's keyUsage lacks keyCertSign.
    #[error("Utfärdarcertifikatet {subject} får inte signera certifikat (keyUsage).")]
    CaKeyUsage {
        /// Subject of the issuing certificate.
        subject: String,
    },
    /// A CA's pathLenConstraint is exceeded.
    #[error("Certifikatkedjan är för lång för utfärdaren {subject} (högst {max} mellanled).")]
    PathLenExceeded {
        /// Subject of the constraining CA.
        subject: String,
        /// Its pathLenConstraint.
        max: u32,
    },
    /// The path is longer than this crate builds, or building ran out of its signature budget.
    #[error("Certifikatkedjan är för lång eller för komplicerad för att kontrolleras.")]
    PathTooComplex,
    /// An RSA key shorter than 2048 bits.
    #[error("Nyckeln i certifikatet {subject} är för kort ({bits} bitar, minst 2048 krävs).")]
    WeakKey {
        /// Subject of the certificate holding the key.
        subject: String,
        /// Modulus length.
        bits: usize,
    },
    /// A certificate or CRL signed with SHA-1 or MD5.
    #[error("Certifikatet {subject} är signerat med en för svag algoritm ({algorithm}).")]
    WeakAlgorithm {
        /// Subject of the certificate.
        subject: String,
        /// The algorithm's name.
        algorithm: String,
    },
    /// A certificate signature or key algorithm this crate does not support (DSA, Ed448, PSS, ...).
    #[error("Algoritmen stöds inte: {algorithm} (i certifikatet {subject}).")]
    UnsupportedCertificateAlgorithm {
        /// Subject of the certificate.
        subject: String,
        /// The algorithm's name or OID.
        algorithm: String,
    },
    /// A critical extension this crate does not understand.
    #[error("Certifikatet {subject} har ett kritiskt tillägg som inte stöds ({oid}).")]
    UnknownCriticalExtension {
        /// Subject of the certificate.
        subject: String,
        /// The extension's OID.
        oid: String,
    },
    /// No current CRL signed by the issuer was available while the policy requires one.
    #[error("Spärrstatus för {subject} kan inte kontrolleras: aktuell spärrlista saknas.")]
    RevocationUnknown {
        /// Subject of the certificate whose status is unknown.
        subject: String,
    },
    /// The certificate is on a current CRL of its issuer.
    #[error("Certifikatet {subject} är spärrat.")]
    Revoked {
        /// Subject of the revoked certificate.
        subject: String,
        /// Its serial number, hex.
        serial: String,
    },
    /// Checked after notAfter.
    #[error("Certifikatet {subject} gick ut {not_after}.")]
    Expired {
        /// Subject of the certificate.
        subject: String,
        /// Its notAfter.
        not_after: DateTime<Utc>,
        /// The time of the check.
        at: DateTime<Utc>,
    },
    /// Checked before notBefore.
    #[error("Certifikatet {subject} gäller först från {not_before}.")]
    NotYetValid {
        /// Subject of the certificate.
        subject: String,
        /// Its notBefore.
        not_before: DateTime<Utc>,
        /// The time of the check.
        at: DateTime<Utc>,
    },
    /// The leaf's key usage does not allow signing (nonRepudiation or digitalSignature).
    #[error("Certifikatet får inte användas för underskrift.")]
    NotForSigning,
    /// The leaf may not log in (digitalSignature, and clientAuth when EKU is present).
    #[error("Certifikatet får inte användas för inloggning.")]
    NotForLogin,
    /// The leaf carries no HSA-id.
    #[error("Certifikatet innehåller inget HSA-id.")]
    NoHsaId,
    /// The signer is not the expected person.
    #[error("Signaturen är gjord av {found}, inte av {expected}.")]
    SignerMismatch {
        /// The expected HSA-id.
        expected: String,
        /// The HSA-id in the signer's certificate.
        found: String,
    },
    /// The signature over the to-be-signed bytes does not verify.
    #[error("Signaturen är ogiltig.")]
    SignatureInvalid,
    /// The signature uses an algorithm or key this crate does not verify.
    #[error("Signaturen är gjord med en algoritm som inte stöds: {algorithm}.")]
    UnsupportedSignatureAlgorithm {
        /// The algorithm's name or OID.
        algorithm: String,
    },
    /// The CMS structure cannot be decoded or is not SignedData as expected.
    #[error("Den signerade datan (CMS) kan inte läsas: {reason}.")]
    MalformedCms {
        /// Technical detail, in English.
        reason: String,
    },
    /// The content signed in an enveloping CMS differs from the to-be-signed bytes.
    #[error("Det signerade innehållet är inte det underlag som skulle signeras.")]
    ContentMismatch,
    /// The CMS messageDigest attribute does not match the content.
    #[error("Kontrollsumman i signaturen stämmer inte med det signerade innehållet.")]
    DigestMismatch,
}

impl Problem {
    /// The stable code of this problem.
    pub fn code(&self) -> Code {
        match self {
            Problem::NoCertificate
            | Problem::UndecodableCertificate { .. }
            | Problem::UnknownIssuer { .. }
            | Problem::SelfSigned
            | Problem::ChainSignatureInvalid { .. }
            | Problem::NotCa { .. }
            | Problem::CaKeyUsage { .. }
            | Problem::PathLenExceeded { .. }
            | Problem::PathTooComplex
            | Problem::WeakKey { .. }
            | Problem::WeakAlgorithm { .. }
            | Problem::UnsupportedCertificateAlgorithm { .. }
            | Problem::UnknownCriticalExtension { .. }
            | Problem::RevocationUnknown { .. } => Code::CertificateUntrusted,
            Problem::Revoked { .. } => Code::CertificateRevoked,
            Problem::Expired { .. } => Code::CertificateExpired,
            Problem::NotYetValid { .. } => Code::CertificateNotYetValid,
            Problem::NotForSigning | Problem::NotForLogin => Code::CertificateUsage,
            Problem::NoHsaId | Problem::SignerMismatch { .. } => Code::SignerMismatch,
            Problem::SignatureInvalid
            | Problem::UnsupportedSignatureAlgorithm { .. }
            | Problem::MalformedCms { .. }
            | Problem::ContentMismatch
            | Problem::DigestMismatch => Code::SignatureInvalid,
        }
    }

    /// How specific a path-building failure is: when several candidate paths fail, the most
    /// specific reason is reported (as rustls-webpki does). Higher is more specific.
    pub(crate) fn specificity(&self) -> u8 {
        match self {
            Problem::UnknownIssuer { .. } => 0,
            Problem::SelfSigned => 1,
            Problem::PathTooComplex => 2,
            Problem::ChainSignatureInvalid { .. } => 3,
            _ => 4,
        }
    }
}

/// A failed check: every problem found, most fundamental first (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    problems: Vec<Problem>,
}

impl Failure {
    /// A failure of these problems, sorted most fundamental first. An empty list becomes
    /// [`Problem::SignatureInvalid`] so that a failure always says something.
    pub fn new(mut problems: Vec<Problem>) -> Self {
        if problems.is_empty() {
            problems.push(Problem::SignatureInvalid);
        }
        problems.sort_by_key(Problem::code);
        problems.dedup();
        Failure { problems }
    }

    /// Every problem, most fundamental first.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The code of the most fundamental problem.
    pub fn primary(&self) -> Code {
        self.problems.first().map(Problem::code).unwrap_or(Code::SignatureInvalid)
    }

    /// Whether any problem has `code`.
    pub fn has(&self, code: Code) -> bool {
        self.problems.iter().any(|p| p.code() == code)
    }

    /// The codes of every problem, in order.
    pub fn codes(&self) -> Vec<Code> {
        self.problems.iter().map(Problem::code).collect()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in &self.problems {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

impl From<Problem> for Failure {
    fn from(p: Problem) -> Self {
        Failure::new(vec![p])
    }
}

/// A trust anchor or CRL that could not be loaded into a [`crate::Verifier`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes are neither PEM nor DER of the expected kind.
    #[error("{what} kan inte läsas: {reason}")]
    Undecodable {
        /// What was being loaded ("Rotcertifikat", "Spärrlista").
        what: &'static str,
        /// Technical detail, in English.
        reason: String,
    },
    /// A file could not be read.
    #[error("Filen {path} kan inte läsas: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No trust anchor was configured.
    #[error("Inget rotcertifikat är konfigurerat.")]
    NoTrustAnchor,
}
