//! beh-core's signature-verifier port (R13), implemented by [`Verifier`].

use crate::error::{Code, Failure};
use crate::verifier::{Verified, Verifier};
use beh_core::error::{Code as CoreCode, Violation};
use beh_core::id::HsaId;
use beh_core::ports::{SignatureCheck, SignatureVerifier, SignedDecision, VerifiedSignature};

/// The beh-core code of a beh-sign code. Exhaustive on purpose: a new code here must be mapped.
pub fn core_code(code: Code) -> CoreCode {
    match code {
        Code::CertificateUntrusted => CoreCode::CertificateUntrusted,
        Code::CertificateRevoked => CoreCode::CertificateRevoked,
        Code::CertificateExpired => CoreCode::CertificateExpired,
        Code::CertificateNotYetValid => CoreCode::CertificateNotYetValid,
        Code::CertificateUsage => CoreCode::CertificateUsage,
        Code::SignerMismatch => CoreCode::SignerMismatch,
        Code::SignatureInvalid => CoreCode::SignatureInvalid,
        Code::BadRequest => CoreCode::BadRequest,
    }
}

/// Every problem of a failure as a violation with its Swedish message, most fundamental first.
pub fn violations(failure: &Failure) -> Vec<Violation> {
    failure
        .problems()
        .iter()
        .map(|p| Violation::new(core_code(p.code()), None).with_message(p.to_string()))
        .collect()
}

fn to_port(v: Verified) -> Result<VerifiedSignature, Vec<Violation>> {
    let signer_hsa_id = HsaId::parse(&v.signer_hsa_id)
        .map_err(|_| vec![Violation::new(CoreCode::SignerMismatch, None)])?;
    Ok(VerifiedSignature {
        signer_hsa_id,
        subject: v.subject,
        revocation_checked: v.revocation_checked,
        certificate_sha256: v.certificate_sha256,
    })
}

impl SignatureVerifier for Verifier {
    fn verify(&self, check: &SignatureCheck<'_>) -> Result<VerifiedSignature, Vec<Violation>> {
        let expected = Some(check.expected_signer.as_str());
        let result = match check.signed {
            SignedDecision::Raw { signature, certificates } => {
                let certs: Vec<&[u8]> = certificates.iter().map(|c| c.as_bytes()).collect();
                self.verify_raw(check.tbs, signature, &certs, expected, check.at)
            }
            SignedDecision::Cms { cms } => {
                self.verify_cms(cms, Some(check.tbs), expected, check.at)
            }
        };
        result.map_err(|f| violations(&f)).and_then(to_port)
    }
}
