//! Tests across OS processes: the test binary re-executes itself as a child
//! (`BEH_STORE_CHILD=<mode>`, running only [`child_process`]).
//!
//! - `decide`: waits for a start time, then tries to reject every listed order; prints
//!   `won <n>` or `conflict <n>` per order.
//! - `submit`: submits orders in a loop and prints `stored <n>` after each commit, until killed.

use super::fixtures::*;
use super::harness::{config, Db};
use beh_core::audit::{verify_chain, AuditAction};
use beh_core::error::Code;
use beh_core::id::OrderNumber;
use beh_core::order::{Order, OrderKind};
use beh_core::outbox::MessageKind;
use beh_core::ports::OrderStore;
use beh_store::sql::SqlStore;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MODE: &str = "BEH_STORE_CHILD";

fn child(mode: &str, url: &str, extra: &[(&str, String)]) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "store::child::child_process", "--nocapture", "--test-threads=1"])
        .env(MODE, mode)
        .env("BEH_STORE_CHILD_URL", url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in extra {
        c.env(k, v);
    }
    c
}

/// The order a submitting child writes as number `n` (deterministic, so the parent can
/// compare what it finds with what was written).
fn crash_order(n: OrderNumber) -> Order {
    let p = people();
    let i = n.number() % 28;
    order(n, OrderKind::New, &p[3], &p[4], &p[5], at(i as u32 + 1, 9), &["cosmic", "melior"])
}

#[test]
fn child_process() {
    let Ok(mode) = std::env::var(MODE) else { return };
    let url = std::env::var("BEH_STORE_CHILD_URL").unwrap();
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let mut c = config(&url);
        c.run_migrations = false;
        let store = SqlStore::connect(&c).await.unwrap();
        let mut out = std::io::stdout();
        // The test harness has printed "test … … " without a newline: start a fresh line.
        writeln!(out).unwrap();
        match mode.as_str() {
            "decide" => {
                let start: u128 = std::env::var("BEH_STORE_START").unwrap().parse().unwrap();
                let numbers: Vec<u64> = std::env::var("BEH_STORE_ORDERS")
                    .unwrap()
                    .split(',')
                    .map(|s| s.parse().unwrap())
                    .collect();
                let mut orders = Vec::new();
                for n in numbers {
                    let o = store.get(OrderNumber::from_number(n).unwrap()).await.unwrap().unwrap();
                    let mut r = o.clone();
                    r.reject(Some(format!("pid {}", std::process::id())), at(2, 10)).unwrap();
                    orders.push(r);
                }
                while SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() < start {
                    std::thread::sleep(Duration::from_millis(1));
                }
                for r in &orders {
                    let line = match store
                        .write(decided(
                            r,
                            1,
                            AuditAction::Rejected,
                            at(2, 10),
                            MessageKind::Rejected,
                        ))
                        .await
                    {
                        Ok(()) => format!("won {}", r.number.number()),
                        Err(e) if e.primary() == Code::Conflict => {
                            format!("conflict {}", r.number.number())
                        }
                        Err(e) => format!("error {} {e}", r.number.number()),
                    };
                    writeln!(out, "{line}").unwrap();
                }
                out.flush().unwrap();
            }
            "submit" => loop {
                let n = store.next_order_number().await.unwrap();
                let o = crash_order(n);
                store.write(submit(&o)).await.unwrap();
                writeln!(out, "stored {}", n.number()).unwrap();
                out.flush().unwrap();
            },
            other => panic!("unknown child mode {other}"),
        }
        store.close().await;
    });
}

super::sql_only::both!(two_processes_decide_the_same_orders, killed_writer_loses_nothing);

async fn two_processes_decide_the_same_orders(db: &Db) {
    let p = people();
    let mut numbers = Vec::new();
    for i in 0..20u32 {
        let n = db.store.next_order_number().await.unwrap();
        let o = order(n, OrderKind::New, &p[3], &p[4], &p[5], at(1 + i, 9), &["cosmic"]);
        db.store.write(submit(&o)).await.unwrap();
        numbers.push(n.number());
    }
    let list = numbers.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    // Both children start writing at the same wall-clock instant, after they have connected.
    let start = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() + 3000;
    let extra = [("BEH_STORE_START", start.to_string()), ("BEH_STORE_ORDERS", list)];
    let children: Vec<_> =
        (0..2).map(|_| child("decide", &db.url, &extra).spawn().unwrap()).collect();
    let mut lines = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        lines.extend(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .filter(|l| {
                    l.starts_with("won ") || l.starts_with("conflict ") || l.starts_with("error ")
                })
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
    }
    assert!(!lines.iter().any(|l| l.starts_with("error")), "{lines:?}");
    for n in &numbers {
        let won = lines.iter().filter(|l| **l == format!("won {n}")).count();
        let lost = lines.iter().filter(|l| **l == format!("conflict {n}")).count();
        assert_eq!((won, lost), (1, 1), "order {n}: {lines:?}");
        let number = OrderNumber::from_number(*n).unwrap();
        assert_eq!(db.store.get(number).await.unwrap().unwrap().version, 2);
        let audit = db.store.audit(number).await.unwrap();
        assert_eq!(audit.len(), 2);
        assert_eq!(verify_chain(&audit), Ok(()));
    }
}

async fn killed_writer_loses_nothing(db: &Db) {
    let mut c = child("submit", &db.url, &[]).spawn().unwrap();
    let stdout = c.stdout.take().unwrap();
    // Read reports on a thread; kill after enough of them, in the middle of the loop.
    let reader = std::thread::spawn(move || {
        let mut stored = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("stored ") {
                stored.push(n.parse::<u64>().unwrap());
            }
        }
        stored
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let count: u64 = db.store.execute_raw("UPDATE orders SET version = version").await.unwrap();
        if count >= 40 || std::time::Instant::now() > deadline {
            break;
        }
    }
    c.kill().unwrap(); // SIGKILL
    c.wait().unwrap();
    let stored = reader.join().unwrap();
    assert!(stored.len() >= 30, "child stored only {}", stored.len());

    // "Restart": a new store on the same database.
    let s = db.reopen().await;
    for n in &stored {
        let number = OrderNumber::from_number(*n).unwrap();
        let o = s
            .get(number)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("c{n} was reported stored but is missing"));
        assert_eq!(o, crash_order(number));
        let audit = s.audit(number).await.unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(verify_chain(&audit), Ok(()));
        let outbox = s.outbox_of(number).await.unwrap();
        assert_eq!(outbox.len(), 1, "c{n}");
        assert_eq!(outbox[0].message.kind, MessageKind::AttestationRequest);
    }
    // Whatever else the child wrote is whole too: every order has its entry, every chain holds.
    let report = s.verify_audit().await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(report.orders >= stored.len() as u64);
    // Numbers go on after the crash without reuse.
    let next = s.next_order_number().await.unwrap().number();
    assert!(stored.iter().all(|n| *n < next));
    s.close().await;
}
