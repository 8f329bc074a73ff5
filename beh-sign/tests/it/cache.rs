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

#[test]
fn a_hit_still_checks_usage_and_der_input_is_its_own_entry() {
    let v = verifier();
    let leaf = format!("persons/{FREDRIK}-sign.pem");
    raw_check(&v, &leaf, "sig/rsa.sig").unwrap();
    assert_eq!(v.cached_chains(), 1);
    // The same chain as PEM texts: a hit, and the signing certificate still may not log in.
    let chain = [sign_cert(FREDRIK), fx("ca/person-ca.pem")];
    assert_eq!(codes(&v.verify_login(&[&chain[0], &chain[1]], at())), vec![Code::CertificateUsage]);
    assert_eq!(v.cached_chains(), 1);
    // The same certificates as DER: other bytes, so another entry with the same outcome.
    let der: Vec<Vec<u8>> = chain
        .iter()
        .map(|pem| beh_sign::Certificate::parse_all(pem).unwrap().remove(0).der().to_vec())
        .collect();
    let tbs = fx("sig/tbs.bin");
    let sig = fx("sig/rsa.sig");
    let first = v.verify_raw(&tbs, &sig, &[&der[0], &der[1]], Some(FREDRIK), at()).unwrap();
    assert_eq!(v.cached_chains(), 2);
    let again = v.verify_raw(&tbs, &sig, &[&der[0], &der[1]], Some(FREDRIK), at()).unwrap();
    assert_eq!(first, again);
    assert_eq!(first, raw_check(&v, &leaf, "sig/rsa.sig").unwrap());
    let tampered = fx("sig/tampered-rsa.sig");
    let r = v.verify_raw(&tbs, &tampered, &[&der[0], &der[1]], Some(FREDRIK), at());
    assert_eq!(codes(&r), vec![Code::SignatureInvalid]);
}

#[test]
fn a_cached_cms_chain_still_checks_content_digest_signature_and_signer() {
    let v = verifier();
    let tbs = fx("sig/tbs.bin");
    let cms = fx("cms/detached.der");
    let first = v.verify_cms(&cms, Some(&tbs), Some(FREDRIK), at()).unwrap();
    assert_eq!(v.cached_chains(), 1);
    assert_eq!(v.verify_cms(&cms, Some(&tbs), Some(FREDRIK), at()).unwrap(), first);
    assert_eq!(v.cached_chains(), 1);
    let other = fx("sig/tampered-tbs.bin");
    let f = v.verify_cms(&cms, Some(&other), Some(FREDRIK), at()).unwrap_err();
    assert_eq!(f.problems(), &[beh_sign::Problem::DigestMismatch]);
    let f = v.verify_cms(&fx("cms/tampered-signature.der"), Some(&tbs), Some(FREDRIK), at());
    assert_eq!(f.unwrap_err().problems(), &[beh_sign::Problem::SignatureInvalid]);
    assert_eq!(
        codes(&v.verify_cms(&cms, Some(&tbs), Some(STEN), at())),
        vec![Code::SignerMismatch]
    );
    let later = Utc.with_ymd_and_hms(2045, 6, 1, 0, 0, 0).unwrap();
    let f = v.verify_cms(&cms, Some(&tbs), Some(FREDRIK), later).unwrap_err();
    assert!(f.has(Code::CertificateExpired), "{f:?}");
}
