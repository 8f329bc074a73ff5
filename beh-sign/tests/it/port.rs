//! beh-core's SignatureVerifier port implemented by the Verifier.

use super::*;
use beh_core::error::Code as CoreCode;
use beh_core::id::HsaId;
use beh_core::ports::{SignatureCheck, SignatureVerifier, SignedDecision};

fn check(
    v: &Verifier,
    signed: &SignedDecision,
    tbs: &[u8],
    who: &str,
) -> Result<beh_core::ports::VerifiedSignature, Vec<beh_core::error::Violation>> {
    let expected = HsaId::parse(who).unwrap();
    v.verify(&SignatureCheck { tbs, signed, expected_signer: &expected, at: at() })
}

fn raw(sig: &str, leaf: &str) -> SignedDecision {
    SignedDecision::Raw {
        signature: fx(sig),
        certificates: vec![
            String::from_utf8(fx(leaf)).unwrap(),
            String::from_utf8(fx("ca/person-ca.pem")).unwrap(),
        ],
    }
}

#[test]
fn raw_and_cms_pass_through_the_port() {
    let v = verifier();
    let tbs = fx("sig/tbs.bin");
    let ok = check(&v, &raw("sig/rsa.sig", &format!("persons/{FREDRIK}-sign.pem")), &tbs, FREDRIK)
        .unwrap();
    assert_eq!(ok.signer_hsa_id.as_str(), FREDRIK);
    assert!(ok.revocation_checked);
    assert_eq!(ok.certificate_sha256.len(), 64);
    let ok =
        check(&v, &SignedDecision::Cms { cms: fx("cms/detached.der") }, &tbs, FREDRIK).unwrap();
    assert_eq!(ok.signer_hsa_id.as_str(), FREDRIK);
    let ok =
        check(&v, &SignedDecision::Cms { cms: fx("cms/enveloping.der") }, &tbs, FREDRIK).unwrap();
    assert_eq!(ok.signer_hsa_id.as_str(), FREDRIK);
}

#[test]
fn failures_map_to_r13_codes_with_swedish_messages() {
    let v = verifier();
    let tbs = fx("sig/tbs.bin");
    let cases = [
        (
            raw("sig/rsa.sig", &format!("persons/{FREDRIK}-sign.pem")),
            STEN,
            CoreCode::SignerMismatch,
        ),
        (
            raw("sig/tampered-rsa.sig", &format!("persons/{FREDRIK}-sign.pem")),
            FREDRIK,
            CoreCode::SignatureInvalid,
        ),
        (raw("sig/revoked.sig", "bad/revoked.pem"), FREDRIK, CoreCode::CertificateRevoked),
        (raw("sig/expired.sig", "bad/expired.pem"), FREDRIK, CoreCode::CertificateExpired),
        (
            raw("sig/not-yet-valid.sig", "bad/not-yet-valid.pem"),
            FREDRIK,
            CoreCode::CertificateNotYetValid,
        ),
        (raw("sig/wrong-usage.sig", "bad/wrong-usage.pem"), FREDRIK, CoreCode::CertificateUsage),
        (
            raw("sig/self-signed.sig", "bad/self-signed.pem"),
            FREDRIK,
            CoreCode::CertificateUntrusted,
        ),
        (
            SignedDecision::Cms { cms: fx("cms/bad-digest.der") },
            FREDRIK,
            CoreCode::SignatureInvalid,
        ),
    ];
    for (signed, who, code) in cases {
        let errs = check(&v, &signed, &tbs, who).unwrap_err();
        assert_eq!(errs[0].code, code, "{errs:?}");
        assert!(!errs[0].message.is_empty());
    }
}
