//! Store bench (issue 4): fills N orders (default 1,000,000) in batches, then reports p50/p99
//! of the first, the middle and the last history page for a busy orderer and a busy attestant,
//! and the rate of `OrderStore::write` (order + audit entry + message, one transaction each)
//! beside a bare INSERT of the same order row (one transaction each).
//!
//! `cargo bench -p beh-benches --bench store -- [orders] [sqlite|postgres|both]`
//! PostgreSQL from `BEH_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! a database `beh_bench_<pid>` is created and dropped. Not criterion: one fill of a million
//! rows is the expensive part, so each figure is a percentile over repeated calls on it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use beh_core::audit::{AuditAction, AuditEvent};
use beh_core::catalog::{DetailValue, Details};
use beh_core::id::{HsaId, OrderNumber, VgrId};
use beh_core::order::{LineState, NewOrder, Order, OrderKind, OrderLine, PersonRef};
use beh_core::outbox::{MessageKind, OutboxMessage};
use beh_core::ports::{Change, OrderQuery, OrderStore, Role, Visibility};
use beh_store::sql::{CredentialKeys, SqlStore, StoreConfig};
use chrono::{DateTime, NaiveDate, Utc};
use std::time::{Duration, Instant};

fn person(i: u64) -> PersonRef {
    PersonRef {
        hsa_id: HsaId::parse(&format!("SE2321000131-P{i:09}")).unwrap(),
        vgr_id: Some(VgrId::parse(&format!("u{i}")).unwrap()),
        given_name: format!("Förnamn{}", i % 997),
        surname: format!("Efternamn{i}"),
        title: None,
        personnummer: None,
    }
}

/// Order `i` of the fill: orderer 1 orders 1 % of all orders, attestant 2 attests 5 %; the
/// rest spread over 2,000 orderers, 500 attestants and 100,000 end users.
fn bench_order(i: u64) -> Order {
    let orderer = if i.is_multiple_of(100) { 1 } else { 1000 + i % 2000 };
    let attestant = if i.is_multiple_of(20) { 2 } else { 10_000 + i % 500 };
    let end_user = 100_000 + i % 100_000;
    let mut details = Details::new();
    details.insert("role".to_owned(), DetailValue::One("läkare".to_owned()));
    let lines = (1..=2)
        .map(|l| OrderLine {
            line_id: l,
            permission: format!("perm{}", (i + u64::from(l)) % 40),
            name: "Behörighet".to_owned(),
            details: details.clone(),
            care_units: vec![],
            state: LineState::Ordered,
        })
        .collect();
    // Five years of history, one order every ~158 s at 1,000,000.
    let at = DateTime::<Utc>::from_timestamp(1_640_000_000 + (i as i64) * 158, 0).unwrap();
    Order::submitted(
        NewOrder {
            number: OrderNumber::from_number(i).unwrap(),
            kind: OrderKind::ALL[(i % 3) as usize],
            administration: "su".to_owned(),
            end_user: person(end_user),
            orderer: person(orderer),
            attestant: person(attestant),
            workplace: "Avdelning 12".to_owned(),
            area: "vard".to_owned(),
            operation: "akuten".to_owned(),
            project: None,
            start_date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            lines,
        },
        at,
    )
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

/// p50 and p99 in ms of `runs` calls of one history page.
struct Figures {
    p50: f64,
    p99: f64,
}

async fn time_page(store: &SqlStore, q: &OrderQuery, runs: usize) -> Figures {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let p = store.search(q).await.unwrap();
        v.push(t.elapsed());
        assert!(!p.items.is_empty());
    }
    Figures { p50: pct(v.clone(), 0.5), p99: pct(v, 0.99) }
}

/// The first, middle and last page of a person's history in one role (no other filter, the
/// common "my orders" view), `runs` calls each, interleaved.
async fn pages(store: &SqlStore, who: u64, role: Role, runs: usize) -> (u64, [Figures; 3]) {
    let mut q = OrderQuery::all(Visibility::Person(person(who).hsa_id));
    q.role = Some(role);
    let total = store.search(&q).await.unwrap().total;
    let last = beh_core::ports::OrderPage::<Order>::pages_for(total, 20);
    let at = |page| OrderQuery { page, ..q.clone() };
    let queries = [at(1), at(last.div_ceil(2)), at(last)];
    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..runs {
        for (q, t) in queries.iter().zip(times.iter_mut()) {
            let s = Instant::now();
            let p = store.search(q).await.unwrap();
            t.push(s.elapsed());
            assert!(!p.items.is_empty());
            assert_eq!(p.total, total);
        }
    }
    let f = |v: &Vec<Duration>| Figures { p50: pct(v.clone(), 0.5), p99: pct(v.clone(), 0.99) };
    (total, [f(&times[0]), f(&times[1]), f(&times[2])])
}

async fn run(name: &str, url: &str, n: u64) {
    let mut config = StoreConfig::new(url, CredentialKeys::single("k1", [7u8; 32]));
    config.first_order_number = 10_000_000;
    let store = SqlStore::connect(&config).await.unwrap();
    let t = Instant::now();
    let batch = 1000u64;
    let mut i = 1;
    while i <= n {
        let orders: Vec<Order> = (i..(i + batch).min(n + 1)).map(bench_order).collect();
        store.bulk_insert_orders(&orders).await.unwrap();
        i += batch;
        if (i - 1) % 100_000 == 0 {
            eprintln!("{name}: {} orders, {:.0} s", i - 1, t.elapsed().as_secs_f64());
        }
    }
    let fill = t.elapsed().as_secs_f64();
    let analyze = match store.backend() {
        beh_store::sql::Backend::Sqlite => "ANALYZE",
        beh_store::sql::Backend::Postgres => "VACUUM ANALYZE orders",
    };
    store.execute_raw(analyze).await.unwrap();
    println!(
        "### {name}: {n} orders filled in {fill:.0} s ({:.0} rows/s in 1,000-row transactions)",
        n as f64 / fill
    );
    println!();
    println!("| history page (20 per page) | matching | first p50 / p99 | middle p50 / p99 | last p50 / p99 |");
    println!("|---|---|---|---|---|");
    for (label, who, role) in [("orderer", 1, Role::Orderer), ("attestant", 2, Role::Attestant)] {
        let (total, [a, b, c]) = pages(&store, who, role, 300).await;
        println!(
            "| {label} | {total} | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.2} / {:.2} ms |",
            a.p50, a.p99, b.p50, b.p99, c.p50, c.p99
        );
    }
    // A filtered search (no counter: the total is a COUNT): the attestant's orders of one kind.
    let mut q = OrderQuery::all(Visibility::Person(person(2).hsa_id));
    q.role = Some(Role::Attestant);
    q.kind = Some(OrderKind::ALL[0]);
    let total = store.search(&q).await.unwrap().total;
    let f = time_page(&store, &q, 100).await;
    println!("| attestant, one kind (COUNT) | {total} | {:.2} / {:.2} ms | | |", f.p50, f.p99);
    // No role (orders where the person is orderer, attestant or end user): counter total, but
    // the page merges three indexes.
    let q = OrderQuery::all(Visibility::Person(person(2).hsa_id));
    let total = store.search(&q).await.unwrap().total;
    let f = time_page(&store, &q, 50).await;
    println!("| person 2, no role | {total} | {:.2} / {:.2} ms | | |", f.p50, f.p99);
    // Insert rate: the store's write (order + audit + message, one transaction) beside a bare
    // INSERT of the same order row (one transaction), interleaved in rounds so both see the
    // same database size and cache state.
    let ops = 2000u64;
    let (mut store_time, mut bare_time) = (Duration::ZERO, Duration::ZERO);
    for k in 0..ops {
        let a = bench_order(20_000_000 + 2 * k);
        let b = bench_order(20_000_001 + 2 * k);
        let change = Change {
            order: &a,
            expected_version: None,
            events: vec![AuditEvent {
                order_number: a.number,
                at: a.ordered_at,
                actor: a.orderer.hsa_id.clone(),
                action: AuditAction::Submitted,
                details: serde_json::json!({"lines": 2}),
            }],
            outbox: vec![OutboxMessage::new(
                a.number,
                1,
                MessageKind::AttestationRequest,
                Some(a.attestant.hsa_id.clone()),
            )],
        };
        let t = Instant::now();
        store.write(change).await.unwrap();
        store_time += t.elapsed();
        let t = Instant::now();
        store.bare_insert_order(&b).await.unwrap();
        bare_time += t.elapsed();
    }
    let (sr, br) = (ops as f64 / store_time.as_secs_f64(), ops as f64 / bare_time.as_secs_f64());
    println!();
    println!(
        "insert, one transaction each ({ops} of each): store write {sr:.0}/s, bare INSERT {br:.0}/s, ratio {:.2}",
        sr / br
    );
    println!();
    store.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` adds `--bench`; only positional arguments count.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n: u64 = args.first().map(|s| s.parse().unwrap()).unwrap_or(1_000_000);
    let which = args.get(1).map(String::as_str).unwrap_or("both");
    if which == "sqlite" || which == "both" {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("bench.db").display());
        run("SQLite (WAL, synchronous=FULL)", &url, n).await;
    }
    if which == "postgres" || which == "both" {
        let admin_url = std::env::var("BEH_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let mut c = StoreConfig::new(&admin_url, CredentialKeys::single("k1", [7u8; 32]));
        c.run_migrations = false;
        let admin = SqlStore::connect(&c).await.unwrap();
        let name = format!("beh_bench_{}", std::process::id());
        admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
        let (server, _) = admin_url.split('?').next().unwrap().rsplit_once('/').unwrap();
        run("PostgreSQL 15", &format!("{server}/{name}"), n).await;
        admin.execute_raw(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
        admin.close().await;
    }
}
