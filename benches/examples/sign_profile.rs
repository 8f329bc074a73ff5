//! Runs one beh-sign check in a loop, for `perf`/`callgrind`: `sign_profile <raw|raw-cached|cms|cms-cached|rsa> <n>`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use beh_sign::{Policy, Revocation, Verifier};
use chrono::{TimeZone, Utc};

const FREDRIK: &str = "SE2321000131-P000000230148";

fn fx(path: &str) -> Vec<u8> {
    let full = format!("{}/../beh-sign/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("raw", String::as_str);
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let cache = if mode.ends_with("cached") { 1024 } else { 0 };
    let v = Verifier::builder()
        .add_trust_anchors(&fx("ca/root-ca.pem"))
        .unwrap()
        .add_crls(&fx("crl/person-ca.crl.pem"))
        .unwrap()
        .add_crls(&fx("crl/root-ca.crl.pem"))
        .unwrap()
        .policy(Policy::default().with_revocation(Revocation::Required))
        .cache_capacity(cache)
        .build()
        .unwrap();
    let at = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap();
    let tbs = fx("sig/tbs.bin");
    let sig = fx("sig/rsa.sig");
    let leaf = fx(&format!("persons/{FREDRIK}-sign.pem"));
    let ca = fx("ca/person-ca.pem");
    let cms = fx("cms/detached.der");
    let start = std::time::Instant::now();
    for _ in 0..n {
        let r = match mode {
            "raw" | "raw-cached" => v.verify_raw(&tbs, &sig, &[&leaf, &ca], Some(FREDRIK), at),
            _ => v.verify_cms(&cms, Some(&tbs), Some(FREDRIK), at),
        };
        assert!(r.is_ok(), "{r:?}");
        std::hint::black_box(r).ok();
    }
    let dt = start.elapsed().as_secs_f64();
    println!("{mode}: {:.1} µs/check", dt * 1e6 / n as f64);
}
