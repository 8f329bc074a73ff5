//! Path validation: one test per bad case of the test PKI, and the CRL policy.

use super::*;
use beh_sign::Problem;

#[track_caller]
fn only(leaf: &str, sig: &str) -> Failure {
    raw_check(&verifier(), leaf, sig).unwrap_err()
}

#[test]
fn expired() {
    let f = only("bad/expired.pem", "sig/expired.sig");
    assert_eq!(f.codes(), vec![Code::CertificateExpired]);
    assert!(f.to_string().contains("gick ut"));
}

#[test]
fn not_yet_valid() {
    assert_eq!(
        only("bad/not-yet-valid.pem", "sig/not-yet-valid.sig").codes(),
        vec![Code::CertificateNotYetValid]
    );
}

#[test]
fn wrong_key_usage() {
    let f = only("bad/wrong-usage.pem", "sig/wrong-usage.sig");
    assert_eq!(f.codes(), vec![Code::CertificateUsage]);
    assert_eq!(f.problems()[0], Problem::NotForSigning);
}

#[test]
fn intermediate_without_ca_flag() {
    let leaf = fx("bad/under-not-ca.pem");
    let ca = fx("bad/not-ca.pem");
    let r = verifier_with(Revocation::Off).verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/under-not-ca.sig"),
        &[&leaf, &ca],
        Some(FREDRIK),
        at(),
    );
    let f = r.unwrap_err();
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    assert!(matches!(f.problems()[0], Problem::NotCa { .. }), "{f:?}");
}

#[test]
fn path_length_exceeded() {
    let leaf = fx("bad/pathlen-leaf.pem");
    let sub = fx("bad/pathlen-sub-ca.pem");
    let ca = fx("bad/pathlen-ca.pem");
    let r = verifier_with(Revocation::Off).verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/pathlen-leaf.sig"),
        &[&leaf, &sub, &ca],
        Some(FREDRIK),
        at(),
    );
    let f = r.unwrap_err();
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    assert!(matches!(f.problems()[0], Problem::PathLenExceeded { max: 0, .. }), "{f:?}");
}

#[test]
fn unknown_issuer() {
    let leaf = fx("bad/unknown-issuer.pem");
    let root = fx("bad/unknown-root.pem");
    let r = verifier().verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/unknown-issuer.sig"),
        &[&leaf, &root],
        Some(FREDRIK),
        at(),
    );
    let f = r.unwrap_err();
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    assert!(matches!(f.problems()[0], Problem::UnknownIssuer { .. }), "{f:?}");
}

#[test]
fn issuer_name_without_the_issuers_key() {
    let leaf = fx("bad/forged-issuer.pem");
    let impostor = fx("bad/impostor-ca.pem");
    let ca = fx("ca/person-ca.pem");
    let r = verifier().verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/forged-issuer.sig"),
        &[&leaf, &impostor, &ca],
        Some(FREDRIK),
        at(),
    );
    let f = r.unwrap_err();
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    assert!(matches!(f.problems()[0], Problem::ChainSignatureInvalid { .. }), "{f:?}");
}

#[test]
fn self_signed_leaf() {
    let f = only("bad/self-signed.pem", "sig/self-signed.sig");
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    assert_eq!(f.problems()[0], Problem::SelfSigned);
}

#[test]
fn revoked() {
    let f = only("bad/revoked.pem", "sig/revoked.sig");
    assert_eq!(f.codes(), vec![Code::CertificateRevoked]);
}

#[test]
fn sha1_signed_certificate() {
    let f = only("bad/sha1.pem", "sig/sha1.sig");
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    assert!(
        matches!(&f.problems()[0], Problem::WeakAlgorithm { algorithm, .. } if algorithm == "SHA-1"),
        "{f:?}"
    );
    // The SHA-1 option is for signatures made by a trust anchor only; the person CA is not one.
    let v = Verifier::builder()
        .add_trust_anchors(&fx("ca/root-ca.pem"))
        .unwrap()
        .policy(
            Policy::default().with_revocation(Revocation::Off).with_sha1_from_trust_anchors(true),
        )
        .build()
        .unwrap();
    assert_eq!(
        codes(&raw_check(&v, "bad/sha1.pem", "sig/sha1.sig")),
        vec![Code::CertificateUntrusted]
    );
    // With the person CA itself configured as an anchor, the option lets it through.
    let v = Verifier::builder()
        .add_trust_anchors(&fx("ca/person-ca.pem"))
        .unwrap()
        .policy(
            Policy::default().with_revocation(Revocation::Off).with_sha1_from_trust_anchors(true),
        )
        .build()
        .unwrap();
    assert!(raw_check(&v, "bad/sha1.pem", "sig/sha1.sig").is_ok());
}

#[test]
fn rsa_1024_key() {
    let f = only("bad/rsa1024.pem", "sig/rsa1024.sig");
    assert_eq!(f.primary(), Code::CertificateUntrusted);
    assert!(matches!(f.problems()[0], Problem::WeakKey { bits: 1024, .. }), "{f:?}");
}

#[test]
fn unknown_critical_extension() {
    let f = only("bad/unknown-critical.pem", "sig/unknown-critical.sig");
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    assert!(
        matches!(&f.problems()[0], Problem::UnknownCriticalExtension { oid, .. } if oid == "1.2.3.4.5.6.7"),
        "{f:?}"
    );
}

#[test]
fn missing_crl_fails_closed_by_default() {
    let v = Verifier::builder().add_trust_anchors(&fx("ca/root-ca.pem")).unwrap().build().unwrap();
    let f = raw_check(&v, &format!("persons/{FREDRIK}-sign.pem"), "sig/rsa.sig").unwrap_err();
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted, Code::CertificateUntrusted]);
    assert!(matches!(f.problems()[0], Problem::RevocationUnknown { .. }));
}

#[test]
fn stale_crl_fails_closed_or_is_ignored() {
    let build = |rev| {
        Verifier::builder()
            .add_trust_anchors(&fx("ca/root-ca.pem"))
            .unwrap()
            .add_crls(&fx("crl/person-ca-stale.crl.pem"))
            .unwrap()
            .add_crls(&fx("crl/root-ca.crl.pem"))
            .unwrap()
            .policy(Policy::default().with_revocation(rev))
            .build()
            .unwrap()
    };
    let leaf = format!("persons/{FREDRIK}-sign.pem");
    let f = raw_check(&build(Revocation::Required), &leaf, "sig/rsa.sig").unwrap_err();
    assert_eq!(f.codes(), vec![Code::CertificateUntrusted]);
    let ok = raw_check(&build(Revocation::IfAvailable), &leaf, "sig/rsa.sig").unwrap();
    assert!(!ok.revocation_checked);
    // Nor does a stale CRL reveal a revocation it lists.
    let ok =
        raw_check(&build(Revocation::IfAvailable), "bad/revoked.pem", "sig/revoked.sig").unwrap();
    assert!(!ok.revocation_checked);
}

#[test]
fn crl_signed_by_another_key_is_ignored() {
    let v = Verifier::builder()
        .add_trust_anchors(&fx("ca/root-ca.pem"))
        .unwrap()
        .add_crls(&fx("crl/impostor.crl.pem"))
        .unwrap()
        .add_crls(&fx("crl/root-ca.crl.pem"))
        .unwrap()
        .policy(Policy::default().with_revocation(Revocation::IfAvailable))
        .build()
        .unwrap();
    let ok = raw_check(&v, &format!("persons/{FREDRIK}-sign.pem"), "sig/rsa.sig").unwrap();
    assert!(!ok.revocation_checked, "the impostor's CRL must not count as a check");
}

#[test]
fn revocation_off_checks_nothing() {
    let ok =
        raw_check(&verifier_with(Revocation::Off), "bad/revoked.pem", "sig/revoked.sig").unwrap();
    assert!(!ok.revocation_checked);
}

#[test]
fn loading_garbage_anchors_or_crls_is_an_error() {
    assert!(Verifier::builder().add_trust_anchors(&fx("bad/garbage.pem")).is_err());
    assert!(Verifier::builder().add_crls(&fx("bad/garbage.bin")).is_err());
    assert!(Verifier::builder().build().is_err());
    assert!(Verifier::builder().add_trust_anchor_file("/nonexistent").is_err());
}
