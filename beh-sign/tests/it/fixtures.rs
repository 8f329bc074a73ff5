//! The fixture set made by fixtures/make-pki.sh is complete and shaped like SITHS.

use super::*;
use beh_sign::Certificate;

#[test]
fn fixture_set_is_complete() {
    let manifest = String::from_utf8(fx("MANIFEST")).unwrap();
    let listed: Vec<&str> = manifest.lines().filter(|l| !l.is_empty()).collect();
    for file in &listed {
        let path = format!("{}/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&path).is_file(), "{file} is listed but missing");
    }
    // Files the tests and the demo server rely on must be among what the script made.
    let script = String::from_utf8(fx("make-pki.sh")).unwrap();
    for needed in [
        "ca/root-ca.pem",
        "ca/person-ca.pem",
        "ca/function-ca.pem",
        "ca/person-ec-ca.pem",
        "crl/person-ca.crl.pem",
        "crl/person-ca.crl.der",
        "crl/root-ca.crl.pem",
        "crl/person-ca-stale.crl.pem",
        "crl/impostor.crl.pem",
        "demo-persons.json",
        "bad/expired.pem",
        "bad/not-yet-valid.pem",
        "bad/wrong-usage.pem",
        "bad/not-ca.pem",
        "bad/under-not-ca.pem",
        "bad/pathlen-ca.pem",
        "bad/pathlen-sub-ca.pem",
        "bad/pathlen-leaf.pem",
        "bad/unknown-issuer.pem",
        "bad/forged-issuer.pem",
        "bad/self-signed.pem",
        "bad/revoked.pem",
        "bad/sha1.pem",
        "bad/rsa1024.pem",
        "bad/dsa.pem",
        "bad/ed448.pem",
        "bad/unknown-critical.pem",
        "bad/garbage.bin",
        "bad/garbage.pem",
        "sig/tbs.bin",
        "sig/tampered-tbs.bin",
        "sig/rsa.sig",
        "sig/tampered-rsa.sig",
        "sig/p256.sig.der",
        "sig/p384.sig.der",
        "cms/detached.der",
        "cms/enveloping.der",
        "cms/detached-noattr.der",
        "cms/enveloping-noattr.der",
        "cms/detached-keyid.der",
        "cms/p256-detached.der",
        "cms/p384-enveloping.der",
        "cms/other-content.der",
        "cms/bad-digest.der",
        "cms/tampered-signature.der",
        "cms/revoked.der",
        "cms/no-chain.der",
    ] {
        assert!(listed.contains(&needed), "{needed} not in MANIFEST");
    }
    assert!(script.contains("MANIFEST"));
}

#[test]
fn every_demo_person_has_an_auth_and_a_sign_certificate_with_key() {
    let persons: serde_json::Value = serde_json::from_slice(&fx("demo-persons.json")).unwrap();
    let persons = persons.as_array().unwrap();
    assert_eq!(persons.len(), 12, "11 persons of PRODUCT.md and the service desk");
    for p in persons {
        let hsa = p["hsa_id"].as_str().unwrap();
        let auth = Certificate::parse_all(&fx(p["auth_certificate"].as_str().unwrap())).unwrap();
        assert_eq!(auth[0].hsa_id(), Some(hsa));
        assert!(auth[0].may_log_in());
        let key = String::from_utf8(fx(p["auth_key"].as_str().unwrap())).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
        if let Some(sign) = p["sign_certificate"].as_str() {
            let sign = Certificate::parse_all(&fx(sign)).unwrap();
            assert_eq!(sign[0].hsa_id(), Some(hsa));
            assert!(sign[0].may_sign());
            assert!(!sign[0].may_log_in(), "the signing certificate has nonRepudiation only");
            assert_eq!(sign[0].names().given_name.as_deref(), p["given_name"].as_str());
            assert_eq!(sign[0].names().surname.as_deref(), p["surname"].as_str());
            assert!(sign[0].issuer().contains("TEST SITHS e-id Person HSA-id 3 CA v1"));
        }
    }
}

#[test]
fn every_demo_signing_certificate_verifies() {
    let v = verifier();
    let persons: serde_json::Value = serde_json::from_slice(&fx("demo-persons.json")).unwrap();
    for p in persons.as_array().unwrap() {
        let hsa = p["hsa_id"].as_str().unwrap();
        let auth = fx(p["auth_certificate"].as_str().unwrap());
        let chain = fx(p["chain"][0].as_str().unwrap());
        let id = v.verify_login(&[&auth, &chain], at()).unwrap();
        assert_eq!(id.signer_hsa_id, hsa);
        assert!(id.revocation_checked);
    }
}
