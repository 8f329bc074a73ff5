//! Any bytes as the request of `beh_signature_verify` / `beh verify`: the check must answer with
//! one of its three outcomes and a JSON document, never panic. Inputs that are JSON exercise the
//! base64, PEM, X.509, CRL and CMS decoders behind it; seed the corpus with requests built from
//! `beh-sign/fixtures` to get there quickly (see docs/signing.md, "Fuzzing").
#![no_main]

use beh_sign::json::verify_request_json_at;
use beh_sign::VerifyOutcome;
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = std::str::from_utf8(data) else {
        return;
    };
    // A fixed "now" inside the test PKI's validity, so that runs are reproducible.
    let Some(now) = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).single() else {
        return;
    };
    let (outcome, document) = verify_request_json_at(request, now);
    let parsed = serde_json::from_str::<serde_json::Value>(&document);
    assert!(parsed.is_ok(), "result is not JSON: {document}");
    assert!(matches!(
        outcome,
        VerifyOutcome::Valid | VerifyOutcome::Invalid | VerifyOutcome::BadRequest
    ));
});
