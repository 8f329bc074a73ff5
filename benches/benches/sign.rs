//! beh-sign: full signature checks per second (TBS signature + chain + CRLs), uncached and with
//! the chain cache, compared in the same run with `openssl speed -seconds 3 rsa2048`.
//!
//! A full check of the demo chain involves five RSA-2048 signatures: the TBS signature, the
//! leaf's and the issuing CA's certificate signatures, and the two CRLs (issuing CA's, root's).
//! The OpenSSL-implied rate of a full check is OpenSSL's verify/s divided by five. A verifier
//! remembers which issuer verified each of its (immutable) CRLs, so after the first check an
//! uncached check runs three RSA verifications; a cached one runs one.
//!
//! After criterion, a one-thread summary measures each check for three seconds between two
//! rounds of `openssl speed` and prints the ratios against the targets, per wall-clock
//! second (against `openssl speed -elapsed`) and per second of CPU time of the measuring thread
//! (against plain `openssl speed`, which divides by its user CPU time). On an idle machine the
//! two agree; when other processes share the cores only the CPU-time comparison treats both
//! sides alike. The load average at start and end is printed with them.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use beh_sign::crypto::{Hash, SigAlg};
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

/// RSA-2048 verifications per second of `openssl speed -seconds 3 rsa2048` (one core): by
/// default OpenSSL divides by the CPU time the process used (user time), with `-elapsed` by the
/// wall-clock time.
fn openssl_verify_rate(elapsed: bool) -> Option<f64> {
    let mut args = vec!["speed", "-seconds", "3"];
    if elapsed {
        args.push("-elapsed");
    }
    args.push("rsa2048");
    let out = std::process::Command::new("openssl").args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // OpenSSL 3.0: "                  sign    verify    sign/s verify/s"
    //              "rsa 2048 bits 0.000340s 0.000019s   2939.3  53247.8"
    // (3.2 and later add encrypt/decrypt columns): take the column headed "verify/s".
    let header = text.lines().rev().find(|l| l.contains("verify/s"))?;
    let from_end = header.split_whitespace().rev().position(|t| t == "verify/s")?;
    let line = text.lines().rev().find(|l| l.trim_start().starts_with("rsa 2048"))?;
    line.split_whitespace().rev().nth(from_end)?.parse().ok()
}

/// The 1-, 5- and 15-minute load averages.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Nanoseconds this thread has run on a CPU (Linux `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Calls of `f` per second over about three seconds: per wall-clock second, and per second of
/// CPU time of this thread (what `openssl speed` divides by unless given `-elapsed`).
#[derive(Clone, Copy)]
struct Rate {
    wall: f64,
    cpu: Option<f64>,
}

fn rate(f: impl Fn()) -> Rate {
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(3) {
        f();
        n += 1;
    }
    let wall = n as f64 / start.elapsed().as_secs_f64();
    let cpu = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => Some(n as f64 * 1e9 / (b - a) as f64),
        _ => None,
    };
    Rate { wall, cpu }
}

fn mean(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some((a? + b?) / 2.0)
}

fn fmt(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.0}"))
}

/// One thread: each check for three seconds, between two rounds of `openssl speed` (the mean of
/// the two is the comparison, so that a change of load during the run weighs on both sides).
/// Wall-clock rates are compared with `openssl speed -elapsed`, CPU-time rates with plain
/// `openssl speed`; on an idle machine the two agree, under load only the CPU-time comparison
/// is fair to both sides.
fn summary() {
    let i = input();
    let uncached = verifier(0);
    let cached = verifier(1024);
    let leaf = beh_sign::Certificate::parse_all(&i.leaf).unwrap().remove(0);
    let sha256_rsa = SigAlg::RsaPkcs1(Hash::Sha256);
    let bare = || {
        let r = leaf.public_key().verify(&sha256_rsa, &i.tbs, &i.sig, false);
        assert!(r.is_ok());
        black_box(r).ok();
    };
    println!("\n## beh-sign summary (one thread)");
    println!("load average at start: {}", load_average());
    let (cpu1, wall1) = (openssl_verify_rate(false), openssl_verify_rate(true));
    let rates = [
        ("raw RSA, uncached", rate(|| raw(&uncached, &i))),
        ("raw RSA, cached chain", rate(|| raw(&cached, &i))),
        ("CMS detached, uncached", rate(|| cms(&uncached, &i))),
        ("CMS detached, cached chain", rate(|| cms(&cached, &i))),
        ("`rsa` 0.10 bare RSA-2048 verify (with SHA-256 of the TBS)", rate(bare)),
    ];
    let (cpu2, wall2) = (openssl_verify_rate(false), openssl_verify_rate(true));
    println!("load average at end: {}", load_average());
    println!();
    println!("| check | per wall-clock s | per CPU s |");
    println!("|---|---|---|");
    for (name, r) in &rates {
        println!("| {name} | {:.0} | {} |", r.wall, fmt(r.cpu));
    }
    let (o_wall, o_cpu) = (mean(wall1, wall2), mean(cpu1, cpu2));
    println!(
        "| `openssl speed -seconds 3 rsa2048` verify/s (before, after: mean) | {}, {}: {} | {}, {}: {} |",
        fmt(wall1),
        fmt(wall2),
        fmt(o_wall),
        fmt(cpu1),
        fmt(cpu2),
        fmt(o_cpu)
    );
    let implied = |o: Option<f64>| o.map(|o| o / RSA_OPS_PER_FULL_CHECK);
    println!(
        "| OpenSSL-implied full check (verify/s / {RSA_OPS_PER_FULL_CHECK}) | {} | {} |",
        fmt(implied(o_wall)),
        fmt(implied(o_cpu))
    );
    println!();
    println!("| ratio | wall-clock | CPU time | target (issue 3) |");
    println!("|---|---|---|---|");
    let targets = [Some(0.25), Some(1.0), None, None];
    for ((name, r), target) in rates.iter().zip(targets) {
        let w = implied(o_wall).map(|d| r.wall / d);
        let c = r.cpu.zip(implied(o_cpu)).map(|(x, d)| x / d);
        let verdict = |x: Option<f64>, t: f64| match x {
            Some(x) if x >= t => format!("{x:.2} (met)"),
            Some(x) => format!("{x:.2} (**not met**)"),
            None => "n/a".to_owned(),
        };
        match target {
            Some(t) => println!(
                "| {name} / OpenSSL-implied | {} | {} | >= {t} |",
                verdict(w, t),
                verdict(c, t)
            ),
            None => println!(
                "| {name} / OpenSSL-implied | {} | {} | none |",
                w.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}")),
                c.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}"))
            ),
        }
    }
    if let Some((_, b)) = rates.last() {
        let w = o_wall.map(|o| b.wall / o);
        let c = b.cpu.zip(o_cpu).map(|(x, o)| x / o);
        println!(
            "| bare `rsa` verify / OpenSSL verify, per operation | {} | {} | context |",
            w.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}")),
            c.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}"))
        );
    }
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
