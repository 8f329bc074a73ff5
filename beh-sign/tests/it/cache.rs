//! The bounded cache of validated chains.

use super::*;
use chrono::TimeZone;

#[test]
fn a_validated_chain_is_reused_but_the_signature_is_checked_every_time() {
    let v = verifier();
    let leaf = format!("persons/{FREDRIK}-sign.pem");
    assert_eq!(v.cached_chains(), 0);
    let first = raw_check(&v, &leaf, "sig/rsa.sig").unwrap();
    assert_eq!(v.cached_chains(), 1);
    let second = raw_check(&v, &leaf, "sig/rsa.sig").unwrap();
    assert_eq!(first, second);
    assert_eq!(v.cached_chains(), 1);
    assert_eq!(codes(&raw_check(&v, &leaf, "sig/tampered-rsa.sig")), vec![Code::SignatureInvalid]);
    let chain = [sign_cert(FREDRIK), fx("ca/person-ca.pem")];
    let r = v.verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/rsa.sig"),
        &[&chain[0], &chain[1]],
        Some(STEN),
        at(),
    );
    assert_eq!(codes(&r), vec![Code::SignerMismatch]);
}

#[test]
fn a_cached_chain_never_outlives_certificates_or_crls() {
    let v = verifier();
    let leaf = format!("persons/{FREDRIK}-sign.pem");
    raw_check(&v, &leaf, "sig/rsa.sig").unwrap();
    let chain = [sign_cert(FREDRIK), fx("ca/person-ca.pem")];
    let after = Utc.with_ymd_and_hms(2045, 6, 1, 0, 0, 0).unwrap();
    let r = v.verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/rsa.sig"),
        &[&chain[0], &chain[1]],
        Some(FREDRIK),
        after,
    );
    let f = r.unwrap_err();
    assert!(f.has(Code::CertificateExpired), "{f:?}");
    let before = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    let r = v.verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/rsa.sig"),
        &[&chain[0], &chain[1]],
        Some(FREDRIK),
        before,
    );
    // Before the CRLs' thisUpdate (2025): no current CRL, so fail closed.
    assert_eq!(r.unwrap_err().primary(), Code::CertificateUntrusted);
}

#[test]
fn failed_chains_are_not_cached_and_capacity_is_bounded() {
    let v = Verifier::builder()
        .add_trust_anchors(&fx("ca/root-ca.pem"))
        .unwrap()
        .policy(Policy::default().with_revocation(Revocation::Off))
        .cache_capacity(2)
        .build()
        .unwrap();
    raw_check(&v, "bad/expired.pem", "sig/expired.sig").unwrap_err();
    assert_eq!(v.cached_chains(), 0);
    for hsa in [FREDRIK, STEN, "SE2321000131-P000000230150"] {
        let auth = fx(&format!("persons/{hsa}-auth.pem"));
        let ca = fx("ca/person-ca.pem");
        v.verify_login(&[&auth, &ca], at()).unwrap();
    }
    assert_eq!(v.cached_chains(), 2);
}
