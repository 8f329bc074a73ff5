//! The signature-verifier port (R13). beh-sign implements it with SITHS path validation.

use crate::error::Violation;
use crate::id::HsaId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The signed form an attestant returns, as Net iD produces it in regional portals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedDecision {
    /// A raw signature over the to-be-signed bytes (RSASSA-PKCS1-v1_5 SHA-256, or ECDSA as DER
    /// or raw `r‖s`) with the certificates alongside: PEM texts, leaf first.
    Raw {
        /// The signature bytes.
        signature: Vec<u8>,
        /// PEM certificates, leaf first, then any intermediates.
        certificates: Vec<String>,
    },
    /// A CMS (PKCS#7) SignedData over the to-be-signed bytes, detached or enveloping, with the
    /// chain inside.
    Cms {
        /// The DER bytes of the CMS ContentInfo.
        cms: Vec<u8>,
    },
}

/// What to check: these bytes, signed this way, by this person, at this time.
#[derive(Clone, Copy, Debug)]
pub struct SignatureCheck<'a> {
    /// The canonical to-be-signed bytes of the decision.
    pub tbs: &'a [u8],
    /// The signature as the signer returned it.
    pub signed: &'a SignedDecision,
    /// The HSA-id the signer's certificate must carry (the attestant's).
    pub expected_signer: &'a HsaId,
    /// The time for every validity check.
    pub at: DateTime<Utc>,
}

/// A signature that passed every check of R13.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedSignature {
    /// The HSA-id of the signer, from the certificate's subject `serialNumber`.
    pub signer_hsa_id: HsaId,
    /// The signer certificate's subject, for display and the audit log.
    pub subject: String,
    /// Whether a current CRL of the issuer was consulted.
    pub revocation_checked: bool,
    /// SHA-256 of the signer certificate's DER, hex, for the audit log.
    pub certificate_sha256: String,
}

/// Checks an attestation signature (R13). Pure CPU work, so not async.
pub trait SignatureVerifier: Send + Sync {
    /// Verifies `check`; on failure every problem found, most fundamental first, each with its
    /// R13 code (`certificate_untrusted`, `certificate_revoked`, `certificate_expired`,
    /// `certificate_not_yet_valid`, `certificate_usage`, `signer_mismatch`, `signature_invalid`).
    fn verify(&self, check: &SignatureCheck<'_>) -> Result<VerifiedSignature, Vec<Violation>>;
}
