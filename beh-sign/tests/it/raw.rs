//! Raw signatures over the TBS with the chain alongside (RSA PKCS#1 v1.5, ECDSA DER and r‖s).

use super::*;
use beh_sign::Problem;

#[test]
fn good_rsa_signature_verifies_with_identity_and_revocation() {
    let v = verifier();
    let ok = raw_check(&v, &format!("persons/{FREDRIK}-sign.pem"), "sig/rsa.sig").unwrap();
    assert_eq!(ok.signer_hsa_id, FREDRIK);
    assert!(ok.revocation_checked);
    assert_eq!(ok.names.given_name.as_deref(), Some("Fredrik"));
    assert_eq!(ok.names.surname.as_deref(), Some("Dahlbom"));
    assert!(ok.subject.contains("Fredrik Dahlbom"), "{}", ok.subject);
    assert_eq!(ok.certificate_sha256.len(), 64);
}

#[test]
fn intermediates_may_come_out_of_order_with_extras_and_the_root() {
    let v = verifier();
    let leaf = sign_cert(FREDRIK);
    let extra = [
        fx("ca/function-ca.pem"),
        fx("ca/root-ca.pem"),
        fx("bad/unknown-root.pem"),
        fx("ca/person-ca.pem"),
    ];
    let mut chain: Vec<&[u8]> = vec![&leaf];
    chain.extend(extra.iter().map(Vec::as_slice));
    let r = v.verify_raw(&fx("sig/tbs.bin"), &fx("sig/rsa.sig"), &chain, Some(FREDRIK), at());
    assert!(r.is_ok(), "{r:?}");
    // One PEM text holding leaf and intermediate works too.
    let both = [leaf.clone(), fx("ca/person-ca.pem")].concat();
    let r = v.verify_raw(&fx("sig/tbs.bin"), &fx("sig/rsa.sig"), &[&both], Some(FREDRIK), at());
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn missing_intermediate_is_untrusted_unless_configured() {
    let leaf = sign_cert(FREDRIK);
    let r = verifier().verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/rsa.sig"),
        &[&leaf],
        Some(FREDRIK),
        at(),
    );
    assert_eq!(codes(&r), vec![Code::CertificateUntrusted]);
    let v = Verifier::builder()
        .add_trust_anchors(&fx("ca/root-ca.pem"))
        .unwrap()
        .add_intermediates(&fx("ca/person-ca.pem"))
        .unwrap()
        .add_crls(&fx("crl/person-ca.crl.der"))
        .unwrap()
        .add_crls(&fx("crl/root-ca.crl.pem"))
        .unwrap()
        .build()
        .unwrap();
    let r = v.verify_raw(&fx("sig/tbs.bin"), &fx("sig/rsa.sig"), &[&leaf], Some(FREDRIK), at());
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn ecdsa_p256_der_and_raw_r_s_and_p384() {
    let v = verifier();
    let r = raw_check(&v, "ec/p256-sign.pem", "sig/p256.sig.der");
    assert!(r.is_ok(), "{r:?}");
    // WebCrypto's form: fixed-size r‖s.
    let der = p256::ecdsa::Signature::from_der(&fx("sig/p256.sig.der")).unwrap();
    let leaf = fx("ec/p256-sign.pem");
    let ca = fx("ca/person-ca.pem");
    let r = v.verify_raw(&fx("sig/tbs.bin"), &der.to_bytes(), &[&leaf, &ca], Some(FREDRIK), at());
    assert!(r.is_ok(), "{r:?}");
    // P-384 leaf under the P-384 CA (ecdsa-with-SHA384 certificate signatures).
    let leaf = fx("ec/p384-sign.pem");
    let ca = fx("ca/person-ec-ca.pem");
    let r = v.verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/p384.sig.der"),
        &[&leaf, &ca],
        Some(FREDRIK),
        at(),
    );
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn sha384_and_sha512_certificate_signatures_are_accepted() {
    let v = verifier();
    let r = raw_check(&v, "misc/sha512-sign.pem", "sig/sha512-leaf.sig");
    assert!(r.is_ok(), "{r:?}");
    let leaf = fx("misc/sha384-sign.pem");
    let ca = fx("ca/person-ca.pem");
    // Right chain, but the signature is by another key: the chain is fine, the signature not.
    let r =
        v.verify_raw(&fx("sig/tbs.bin"), &fx("sig/rsa.sig"), &[&leaf, &ca], Some(FREDRIK), at());
    assert_eq!(codes(&r), vec![Code::SignatureInvalid]);
}

#[test]
fn tampered_signature_is_invalid() {
    let r = raw_check(&verifier(), &format!("persons/{FREDRIK}-sign.pem"), "sig/tampered-rsa.sig");
    assert_eq!(codes(&r), vec![Code::SignatureInvalid]);
}

#[test]
fn tampered_tbs_is_invalid() {
    let leaf = sign_cert(FREDRIK);
    let ca = fx("ca/person-ca.pem");
    let r = verifier().verify_raw(
        &fx("sig/tampered-tbs.bin"),
        &fx("sig/rsa.sig"),
        &[&leaf, &ca],
        Some(FREDRIK),
        at(),
    );
    assert_eq!(codes(&r), vec![Code::SignatureInvalid]);
}

#[test]
fn signer_other_than_the_attestant_is_a_mismatch() {
    let leaf = sign_cert(STEN);
    let ca = fx("ca/person-ca.pem");
    let r = verifier().verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/sten.sig"),
        &[&leaf, &ca],
        Some(FREDRIK),
        at(),
    );
    assert_eq!(codes(&r), vec![Code::SignerMismatch]);
    // HSA compares case-insensitively.
    let r = verifier().verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/sten.sig"),
        &[&leaf, &ca],
        Some(&STEN.to_lowercase()),
        at(),
    );
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn dsa_and_ed448_keys_are_a_clear_unsupported_algorithm() {
    for (leaf, sig, name) in
        [("bad/dsa.pem", "sig/dsa.sig", "DSA"), ("bad/ed448.pem", "sig/ed448.sig", "Ed448")]
    {
        let r = raw_check(&verifier(), leaf, sig);
        let f = r.unwrap_err();
        assert_eq!(f.codes(), vec![Code::SignatureInvalid]);
        assert!(
            matches!(&f.problems()[0], Problem::UnsupportedSignatureAlgorithm { algorithm } if algorithm == name),
            "{f:?}"
        );
        assert!(f.to_string().contains("inte stöds"), "{f}");
    }
}

#[test]
fn garbage_signature_and_garbage_certificates_fail_cleanly() {
    let v = verifier();
    let r = raw_check(&v, &format!("persons/{FREDRIK}-sign.pem"), "bad/garbage.bin");
    assert_eq!(codes(&r), vec![Code::SignatureInvalid]);
    for leaf in ["bad/garbage.bin", "bad/garbage.pem"] {
        let r = raw_check(&v, leaf, "sig/rsa.sig");
        let f = r.unwrap_err();
        assert_eq!(f.primary(), Code::CertificateUntrusted);
        assert!(matches!(f.problems()[0], Problem::UndecodableCertificate { .. }), "{f:?}");
    }
    let r = v.verify_raw(b"x", b"y", &[], Some(FREDRIK), at());
    assert_eq!(codes(&r), vec![Code::CertificateUntrusted]);
}

#[test]
fn every_problem_is_listed_most_fundamental_first() {
    // Expired certificate and a signature over other bytes: both, expired first.
    let leaf = fx("bad/expired.pem");
    let ca = fx("ca/person-ca.pem");
    let r = verifier().verify_raw(
        &fx("sig/tampered-tbs.bin"),
        &fx("sig/expired.sig"),
        &[&leaf, &ca],
        Some(STEN),
        at(),
    );
    assert_eq!(
        codes(&r),
        vec![Code::CertificateExpired, Code::SignerMismatch, Code::SignatureInvalid]
    );
    // Revoked and wrong signer.
    let leaf = fx("bad/revoked.pem");
    let r = verifier().verify_raw(
        &fx("sig/tbs.bin"),
        &fx("sig/revoked.sig"),
        &[&leaf, &ca],
        Some(STEN),
        at(),
    );
    assert_eq!(codes(&r), vec![Code::CertificateRevoked, Code::SignerMismatch]);
}
