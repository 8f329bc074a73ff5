//! beh-sign: full signature checks per second (TBS signature + chain + CRLs), uncached and with
//! the chain cache, compared in the same run with `openssl speed -seconds 3 rsa2048`.
//!
//! A full check of the demo chain involves five RSA-2048 signatures: the TBS signature, the
//! leaf's and the issuing CA's certificate signatures, and the two CRLs (issuing CA's, root's).
//! The OpenSSL-implied rate of a full check is OpenSSL's verify/s divided by five. A verifier
//! remembers which issuer verified each of its (immutable) CRLs, so after the first check an
//! uncached check runs three RSA verifications; the summary shows both ratios.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use beh_sign::{Policy, Revocation, Verifier};
use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use std::time::{Duration, Instant};

const RSA_OPS_PER_FULL_CHECK: f64 = 5.0;
const FREDRIK: &str = "SE2321000131-P000000230148";

fn fx(path: &str) -> Vec<u8> {
    let full = format!("{}/../beh-sign/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap()
}

fn verifier(cache: usize) -> Verifier {
    Verifier::builder()
        .add_trust_anchors(&fx("ca/root-ca.pem"))
        .unwrap()
        .add_crls(&fx("crl/person-ca.crl.pem"))
        .unwrap()
        .add_crls(&fx("crl/root-ca.crl.pem"))
        .unwrap()
        .policy(Policy::default().with_revocation(Revocation::Required))
        .cache_capacity(cache)
        .build()
        .unwrap()
}

struct Input {
    tbs: Vec<u8>,
    sig: Vec<u8>,
    leaf: Vec<u8>,
    ca: Vec<u8>,
    cms: Vec<u8>,
}

fn input() -> Input {
    Input {
        tbs: fx("sig/tbs.bin"),
        sig: fx("sig/rsa.sig"),
        leaf: fx(&format!("persons/{FREDRIK}-sign.pem")),
        ca: fx("ca/person-ca.pem"),
        cms: fx("cms/detached.der"),
    }
}

fn raw(v: &Verifier, i: &Input) {
    let r = v.verify_raw(&i.tbs, &i.sig, &[&i.leaf, &i.ca], Some(FREDRIK), at());
    assert!(r.as_ref().is_ok_and(|ok| ok.revocation_checked), "{r:?}");
    black_box(r).ok();
}

fn cms(v: &Verifier, i: &Input) {
    let r = v.verify_cms(&i.cms, Some(&i.tbs), Some(FREDRIK), at());
    assert!(r.is_ok(), "{r:?}");
    black_box(r).ok();
}

fn benches(c: &mut Criterion) {
    let i = input();
    let uncached = verifier(0);
    let cached = verifier(1024);
    let mut g = c.benchmark_group("beh-sign");
    g.bench_function("raw RSA full check, uncached", |b| b.iter(|| raw(&uncached, &i)));
    g.bench_function("raw RSA full check, cached chain", |b| b.iter(|| raw(&cached, &i)));
    g.bench_function("CMS detached full check, uncached", |b| b.iter(|| cms(&uncached, &i)));
    g.bench_function("CMS detached full check, cached chain", |b| b.iter(|| cms(&cached, &i)));
    g.finish();
}

criterion_group! {
    name = group;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = benches
}

/// RSA-2048 verifications per second of `openssl speed -seconds 3 rsa2048` (one core).
fn openssl_verify_rate() -> Option<f64> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // Last line: "rsa 2048 bits 0.000524s 0.000015s   1908.4  66064.5"
    let line = text.lines().rev().find(|l| l.trim_start().starts_with("rsa 2048"))?;
    line.split_whitespace().last()?.parse().ok()
}

/// Checks per second of `f` over about three seconds.
fn rate(f: impl Fn()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(3) {
        f();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn summary() {
    let i = input();
    let uncached = verifier(0);
    let cached = verifier(1024);
    let u = rate(|| raw(&uncached, &i));
    let c = rate(|| raw(&cached, &i));
    let cu = rate(|| cms(&uncached, &i));
    let cc = rate(|| cms(&cached, &i));
    println!("\n## beh-sign summary (one thread)");
    println!("| check | checks/s |");
    println!("|---|---|");
    println!("| raw RSA, uncached | {u:.0} |");
    println!("| raw RSA, cached chain | {c:.0} |");
    println!("| CMS detached, uncached | {cu:.0} |");
    println!("| CMS detached, cached chain | {cc:.0} |");
    match openssl_verify_rate() {
        Some(o) => {
            let implied = o / RSA_OPS_PER_FULL_CHECK;
            println!("\nopenssl speed -seconds 3 rsa2048: {o:.0} verify/s -> implied full check {implied:.0}/s");
            println!("uncached / implied = {:.2} (target >= 0.25)", u / implied);
            println!("uncached / (openssl verify/s / 3) = {:.2} (the RSA operations it runs)", u / (o / 3.0));
            println!("cached   / implied = {:.2} (target >= 1.0)", c / implied);
        }
        None => println!("\nopenssl not found: no comparison"),
    }
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
