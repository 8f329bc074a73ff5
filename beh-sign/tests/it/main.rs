//! beh-sign integration tests: one binary (one link step), one module per subject.

// Test helpers outside #[test] functions may fail loudly too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod cache;
mod chain;
mod cms;
mod fixtures;
mod json;
mod login;
mod port;
mod props;
mod raw;

use beh_sign::{Code, Failure, Policy, Revocation, Verified, Verifier};
use chrono::{DateTime, TimeZone, Utc};

/// The attestant who signs the sample TBS.
pub const FREDRIK: &str = "SE2321000131-P000000230148";
/// Another demo person.
pub const STEN: &str = "SE2321000131-P000000230147";

/// Reads a fixture file.
#[track_caller]
pub fn fx(path: &str) -> Vec<u8> {
    let full = format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The time every test checks at (inside the good certificates and CRLs).
pub fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap()
}

/// A verifier with the test root, every CA's CRL, and `revocation`.
pub fn verifier_with(revocation: Revocation) -> Verifier {
    let mut b = Verifier::builder()
        .add_trust_anchors(&fx("ca/root-ca.pem"))
        .unwrap()
        .policy(Policy::default().with_revocation(revocation));
    for crl in [
        "crl/person-ca.crl.pem",
        "crl/root-ca.crl.pem",
        "crl/person-ec-ca.crl.pem",
        "crl/function-ca.crl.pem",
    ] {
        b = b.add_crls(&fx(crl)).unwrap();
    }
    b.build().unwrap()
}

/// The server's configuration: CRLs required.
pub fn verifier() -> Verifier {
    verifier_with(Revocation::Required)
}

/// The signing certificate (PEM) of a demo person.
pub fn sign_cert(hsa: &str) -> Vec<u8> {
    fx(&format!("persons/{hsa}-sign.pem"))
}

/// The codes of a result (empty when valid).
#[track_caller]
pub fn codes(r: &Result<Verified, Failure>) -> Vec<Code> {
    match r {
        Ok(_) => vec![],
        Err(f) => f.codes(),
    }
}

/// Raw-signature check of `sig/<sig>` over `sig/tbs.bin` by `leaf` with the person CA alongside,
/// expecting Fredrik.
pub fn raw_check(v: &Verifier, leaf: &str, sig: &str) -> Result<Verified, Failure> {
    let leaf = fx(leaf);
    let ca = fx("ca/person-ca.pem");
    v.verify_raw(&fx("sig/tbs.bin"), &fx(sig), &[&leaf, &ca], Some(FREDRIK), at())
}
