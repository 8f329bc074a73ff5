//! CMS SignedData, detached and enveloping, with and without signed attributes.

use super::*;
use beh_sign::Problem;

fn check(cms: &str, tbs: Option<&str>) -> Result<Verified, Failure> {
    let tbs = tbs.map(fx);
    verifier().verify_cms(&fx(cms), tbs.as_deref(), Some(FREDRIK), at())
}

#[test]
fn good_forms_verify() {
    for (cms, tbs) in [
        ("cms/detached.der", Some("sig/tbs.bin")),
        ("cms/enveloping.der", Some("sig/tbs.bin")),
        ("cms/enveloping.der", None),
        ("cms/detached-noattr.der", Some("sig/tbs.bin")),
        ("cms/enveloping-noattr.der", Some("sig/tbs.bin")),
        ("cms/enveloping-noattr.der", None),
        ("cms/detached-keyid.der", Some("sig/tbs.bin")),
        ("cms/p256-detached.der", Some("sig/tbs.bin")),
        ("cms/p384-enveloping.der", Some("sig/tbs.bin")),
    ] {
        let r = check(cms, tbs);
        let ok = r.unwrap_or_else(|f| panic!("{cms}: {f:?}"));
        assert_eq!(ok.signer_hsa_id, FREDRIK);
        assert!(ok.revocation_checked, "{cms}");
    }
}

#[test]
fn enveloped_content_other_than_the_tbs() {
    let f = check("cms/other-content.der", Some("sig/tbs.bin")).unwrap_err();
    assert_eq!(f.codes(), vec![Code::SignatureInvalid]);
    assert_eq!(f.problems()[0], Problem::ContentMismatch);
}

#[test]
fn message_digest_attribute_does_not_match() {
    let f = check("cms/bad-digest.der", None).unwrap_err();
    assert_eq!(f.problems(), &[Problem::DigestMismatch]);
    // Detached over other bytes than were signed: the same failure.
    let f = check("cms/detached.der", Some("sig/tampered-tbs.bin")).unwrap_err();
    assert_eq!(f.problems(), &[Problem::DigestMismatch]);
}

#[test]
fn tampered_tbs_without_signed_attributes() {
    let f = check("cms/detached-noattr.der", Some("sig/tampered-tbs.bin")).unwrap_err();
    assert_eq!(f.problems(), &[Problem::SignatureInvalid]);
}

#[test]
fn tampered_signature() {
    let f = check("cms/tampered-signature.der", Some("sig/tbs.bin")).unwrap_err();
    assert_eq!(f.problems(), &[Problem::SignatureInvalid]);
}

#[test]
fn revoked_signer() {
    let f = check("cms/revoked.der", Some("sig/tbs.bin")).unwrap_err();
    assert_eq!(f.codes(), vec![Code::CertificateRevoked]);
}

#[test]
fn cms_without_the_signers_certificate() {
    let f = check("cms/no-chain.der", Some("sig/tbs.bin")).unwrap_err();
    assert_eq!(f.problems(), &[Problem::NoCertificate]);
}

#[test]
fn garbage_and_detached_without_content() {
    for garbage in ["bad/garbage.bin", "bad/garbage.pem", "sig/rsa.sig", "ca/root-ca.pem"] {
        let f = check(garbage, Some("sig/tbs.bin")).unwrap_err();
        assert_eq!(f.codes(), vec![Code::SignatureInvalid], "{garbage}");
        assert!(matches!(f.problems()[0], Problem::MalformedCms { .. }));
    }
    let f = check("cms/detached.der", None).unwrap_err();
    assert!(matches!(f.problems()[0], Problem::MalformedCms { .. }));
}

#[test]
fn signer_mismatch_in_cms() {
    let r =
        verifier().verify_cms(&fx("cms/detached.der"), Some(&fx("sig/tbs.bin")), Some(STEN), at());
    assert_eq!(codes(&r), vec![Code::SignerMismatch]);
}
