//! The JSON entry point of C-ABI.md ("Signature checks").

use super::*;
use base64::Engine as _;
use beh_sign::json::verify_request_json_at;
use beh_sign::{verify_request_json, VerifyOutcome};
use serde_json::{json, Value};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn text(path: &str) -> String {
    String::from_utf8(fx(path)).unwrap()
}

fn raw_request() -> Value {
    json!({
        "tbs": b64(&fx("sig/tbs.bin")),
        "signature": b64(&fx("sig/rsa.sig")),
        "certificates": [text(&format!("persons/{FREDRIK}-sign.pem")), text("ca/person-ca.pem")],
        "trust_anchors": [text("ca/root-ca.pem")],
        "at": "2030-01-01T12:00:00+01:00",
    })
}

fn run(req: &Value) -> (VerifyOutcome, Value) {
    let (o, out) = verify_request_json(&req.to_string());
    (o, serde_json::from_str(&out).unwrap())
}

#[test]
fn valid_raw_request_without_crls_is_valid_but_unchecked() {
    let (o, out) = run(&raw_request());
    assert_eq!(o, VerifyOutcome::Valid);
    assert_eq!(o.exit_code(), 0);
    assert_eq!(out["valid"], true);
    assert_eq!(out["signer_hsa_id"], FREDRIK);
    assert_eq!(out["revocation_checked"], false);
    assert!(out["subject"].as_str().unwrap().contains("Fredrik Dahlbom"));
}

#[test]
fn crls_as_pem_or_base64_der_are_used() {
    let mut req = raw_request();
    req["crls"] = json!([
        b64(&fx("crl/person-ca.crl.der")),
        text("crl/root-ca.crl.pem"),
        text("crl/impostor.crl.pem")
    ]);
    let (o, out) = run(&req);
    assert_eq!(o, VerifyOutcome::Valid, "{out}");
    assert_eq!(out["revocation_checked"], true);
}

#[test]
fn cms_request_detached_and_enveloping() {
    let req = json!({
        "cms": b64(&fx("cms/detached.der")),
        "tbs": b64(&fx("sig/tbs.bin")),
        "trust_anchors": [text("ca/root-ca.pem")],
        "at": "2030-01-01T00:00:00Z",
        "expected_signer": FREDRIK,
    });
    assert_eq!(run(&req).0, VerifyOutcome::Valid);
    let req = json!({"cms": b64(&fx("cms/enveloping.der")), "trust_anchors": [text("ca/root-ca.pem")], "at": "2030-01-01T00:00:00Z"});
    assert_eq!(run(&req).0, VerifyOutcome::Valid);
    let req = json!({"cms": b64(&fx("cms/other-content.der")), "tbs": b64(&fx("sig/tbs.bin")), "trust_anchors": [text("ca/root-ca.pem")], "at": "2030-01-01T00:00:00Z"});
    let (o, out) = run(&req);
    assert_eq!(o, VerifyOutcome::Invalid);
    assert_eq!(out["errors"][0]["code"], "signature_invalid");
}

#[test]
fn invalid_signature_is_exit_1_with_the_error_document() {
    let mut req = raw_request();
    req["signature"] = json!(b64(&fx("sig/tampered-rsa.sig")));
    let (o, out) = run(&req);
    assert_eq!(o, VerifyOutcome::Invalid);
    assert_eq!(o.exit_code(), 1);
    assert_eq!(out["errors"][0]["code"], "signature_invalid");
    assert_eq!(out["errors"][0]["field"], Value::Null);
    assert_eq!(out["errors"][0]["message"], "Signaturen är ogiltig.");
}

#[test]
fn time_defaults_to_now() {
    let mut req = raw_request();
    req.as_object_mut().unwrap().remove("at");
    let later = chrono::TimeZone::with_ymd_and_hms(&Utc, 2046, 1, 1, 0, 0, 0).unwrap();
    let (o, out) = verify_request_json_at(&req.to_string(), later);
    assert_eq!(o, VerifyOutcome::Invalid);
    assert!(out.contains("certificate_expired"), "{out}");
}

#[test]
fn malformed_requests_are_bad_request() {
    let mut cases: Vec<String> =
        vec!["".into(), "not json".into(), "[]".into(), "{}".into(), "null".into()];
    let base = raw_request();
    for (field, value) in [
        ("tbs", json!(42)),
        ("tbs", json!("***")),
        ("signature", json!(null)),
        ("certificates", json!("not a list")),
        ("certificates", json!([])),
        ("trust_anchors", json!([])),
        ("trust_anchors", json!(["garbage"])),
        ("crls", json!(["!!!"])),
        ("crls", json!([1])),
        ("at", json!("yesterday")),
        ("expected_signer", json!(7)),
        ("cms", json!("AAAA")),
    ] {
        let mut r = base.clone();
        r[field] = value;
        cases.push(r.to_string());
    }
    let mut r = base.clone();
    r.as_object_mut().unwrap().remove("tbs");
    cases.push(r.to_string());
    for case in cases {
        let (o, out) = verify_request_json(&case);
        assert_eq!(o, VerifyOutcome::BadRequest, "{case} -> {out}");
        assert_eq!(o.exit_code(), 2);
        let out: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["errors"][0]["code"], "bad_request", "{case}");
    }
}
