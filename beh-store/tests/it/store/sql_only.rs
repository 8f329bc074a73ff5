//! What only the SQL stores promise (the in-memory store has no leases, processes or bytes to
//! tamper with), each on SQLite and PostgreSQL.

use super::fixtures::*;
use super::harness::{config, Db};
use beh_core::audit::{verify_chain, AuditAction};
use beh_core::error::{Code, ErrorClass};
use beh_core::order::{Credentials, OrderKind};
use beh_core::outbox::{MessageKind, OutboxMessage};
use beh_core::ports::{Change, OrderStore, Outbox};
use beh_store::sql::{CredentialKeys, SqlStore, StoreConfig};
use std::sync::Arc;
use std::time::Duration;

macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = super::Db::sqlite().await;
                super::$name(&db).await;
                db.done().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = super::Db::postgres().await;
                super::$name(&db).await;
                db.done().await;
            }
        }
    )*};
}
pub(crate) use both;

both!(
    claims_are_leased_and_come_back,
    concurrent_claimers_never_share,
    idempotency_keys_are_unique,
    fifty_tasks_decide_one_order,
    tampered_audit_entry_is_named,
    keys_rotate,
);

async fn submitted(s: &SqlStore, day: u32) -> beh_core::order::Order {
    let p = people();
    let n = s.next_order_number().await.unwrap();
    let o = order(n, OrderKind::New, &p[3], &p[4], &p[5], at(day, 9), &["cosmic"]);
    s.write(submit(&o)).await.unwrap();
    o
}

async fn claims_are_leased_and_come_back(db: &Db) {
    let s = &db.store;
    let o = submitted(s, 2).await;
    let first = s.claim("w1", 10, at(2, 10)).await.unwrap();
    assert_eq!(first.len(), 1);
    // Leased: nobody else gets it while the lease runs.
    assert!(s.claim("w2", 10, at(2, 10)).await.unwrap().is_empty());
    // The worker crashed: after the lease (5 minutes) another worker gets it.
    let back = s.claim("w2", 10, at(2, 10) + chrono::Duration::minutes(6)).await.unwrap();
    assert_eq!(back.iter().map(|i| i.id).collect::<Vec<_>>(), [first[0].id]);
    s.delivered(back[0].id, at(2, 11)).await.unwrap();
    assert_eq!(
        s.outbox_of(o.number).await.unwrap()[0].state,
        beh_core::outbox::DeliveryState::Delivered
    );
    // Dead letters can be requeued by operators.
    let o2 = submitted(s, 3).await;
    let item = s.claim("w", 1, at(3, 10)).await.unwrap().remove(0);
    assert_eq!(item.message.order_number, o2.number);
    s.failed(item.id, "boom", None).await.unwrap();
    assert_eq!(s.dead().await.unwrap().len(), 1);
    assert!(s.requeue_dead(item.id, at(3, 12)).await.unwrap());
    assert!(s.dead().await.unwrap().is_empty());
    assert_eq!(s.claim("w", 10, at(3, 12)).await.unwrap().len(), 1);
}

async fn concurrent_claimers_never_share(db: &Db) {
    let s = &db.store;
    for d in 1..=20 {
        submitted(s, d % 28 + 1).await;
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let s = db.reopen().await;
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = s.claim(&format!("w{w}"), 3, at(28, 23)).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                got.extend(batch.into_iter().map(|i| i.id));
            }
            s.close().await;
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    let n = all.len();
    all.dedup();
    assert_eq!(all.len(), n, "a message was claimed twice");
    assert_eq!(n, 20);
}

async fn idempotency_keys_are_unique(db: &Db) {
    let s = &db.store;
    let o = submitted(s, 2).await;
    let mut next = o.clone();
    next.withdraw(at(2, 10)).unwrap();
    // The same message again (a replayed enqueue) is stored once.
    let again = OutboxMessage::new(
        o.number,
        1,
        MessageKind::AttestationRequest,
        Some(o.attestant.hsa_id.clone()),
    );
    s.write(Change {
        order: &next,
        expected_version: Some(1),
        events: vec![event(&next, &o.orderer.hsa_id, AuditAction::Withdrawn, at(2, 10))],
        outbox: vec![again],
    })
    .await
    .unwrap();
    assert_eq!(s.outbox_of(o.number).await.unwrap().len(), 1);
}

async fn fifty_tasks_decide_one_order(db: &Db) {
    let store = Arc::new(db.reopen().await);
    let o = submitted(&store, 2).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for i in 0..50u32 {
        let store = store.clone();
        let barrier = barrier.clone();
        let mut mine = o.clone();
        tasks.push(tokio::spawn(async move {
            // Half reject, half withdraw: different decisions on the same version.
            let action = if i % 2 == 0 {
                mine.reject(Some(format!("task {i}")), at(2, 10)).unwrap();
                AuditAction::Rejected
            } else {
                mine.withdraw(at(2, 10)).unwrap();
                AuditAction::Withdrawn
            };
            barrier.wait().await;
            store
                .write(decided(&mine, 1, action, at(2, 10), MessageKind::Rejected))
                .await
                .map(|()| mine)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(o) => winners.push(o),
            Err(e) => assert_eq!(e.primary(), Code::Conflict, "{e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one decision wins");
    let stored = store.get(o.number).await.unwrap().unwrap();
    assert_eq!(stored, winners[0]);
    let audit = store.audit(o.number).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(verify_chain(&audit), Ok(()));
    assert_eq!(store.outbox_of(o.number).await.unwrap().len(), 2);
    store.close().await;
}

async fn tampered_audit_entry_is_named(db: &Db) {
    let s = &db.store;
    let mut orders = Vec::new();
    for d in 1..=3 {
        let o = submitted(s, d).await;
        let mut r = o.clone();
        r.reject(Some("nej".to_owned()), at(d, 12)).unwrap();
        s.write(decided(&r, 1, AuditAction::Rejected, at(d, 12), MessageKind::Rejected))
            .await
            .unwrap();
        let mut w = r.clone();
        // Not a legal transition, but the store only checks versions: a third entry.
        w.version += 1;
        s.write(decided(&w, 2, AuditAction::Rejected, at(d, 13), MessageKind::Completed))
            .await
            .unwrap();
        orders.push(o.number);
    }
    let report = s.verify_audit().await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.orders, report.entries), (3, 9));

    // The log refuses updates; an attacker with database access removes the guard first.
    let target = orders[1].number();
    let update = format!(
        "UPDATE audit_log SET details = replace(details, 'rejected', 'rEjected') \
         WHERE order_number = {target} AND seq = 1"
    );
    let refused = s.execute_raw(&update).await.unwrap_err();
    assert_eq!(refused.class, ErrorClass::Internal);
    let drop = match s.backend() {
        beh_store::sql::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        beh_store::sql::Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    s.execute_raw(drop).await.unwrap();
    // One byte: 'e' (0x65) becomes 'E' (0x45) in the stored details of entry 1.
    let details_before = s.audit(orders[1]).await.unwrap()[1].details.clone();
    assert_eq!(s.execute_raw(&update).await.unwrap(), 1);
    let details_after = s.audit(orders[1]).await.unwrap()[1].details.clone();
    assert_ne!(details_before, details_after);
    assert_eq!(verify_chain(&s.audit(orders[1]).await.unwrap()), Err(1));

    let report = s.verify_audit().await.unwrap();
    assert_eq!(report.broken.len(), 1, "{report:?}");
    let b = &report.broken[0];
    assert_eq!((b.order_number, b.index, b.seq), (target as i64, 1, Some(1)));

    // Garbage in an entry (not even JSON) is named too.
    let garbage = format!(
        "UPDATE audit_log SET details = '{{' WHERE order_number = {} AND seq = 2",
        orders[2].number()
    );
    s.execute_raw(&garbage).await.unwrap();
    let report = s.verify_audit().await.unwrap();
    assert_eq!(report.broken.len(), 2, "{report:?}");
    assert_eq!((report.broken[1].index, report.broken[1].seq), (2, Some(2)));
}

async fn keys_rotate(db: &Db) {
    let s = &db.store;
    let o = submitted(s, 2).await;
    let mut a = o.clone();
    a.skip_attestation(at(2, 10)).unwrap();
    s.write(decided(&a, 1, AuditAction::AttestationSkipped, at(2, 10), MessageKind::Ticket))
        .await
        .unwrap();
    let mut c = a.clone();
    c.complete(None, Some(Credentials::new("lösen: Sommar2026")), at(2, 11)).unwrap();
    s.write(decided(&c, 2, AuditAction::Completed, at(2, 11), MessageKind::Completed))
        .await
        .unwrap();
    // Not stored in the clear.
    let probe = format!(
        "UPDATE orders SET version = version \
         WHERE body LIKE '%Sommar2026%' OR cred_key_id <> 'k1' OR number <> {}",
        o.number.number()
    );
    assert_eq!(s.execute_raw(&probe).await.unwrap(), 0);

    // A new active key; the old one is still readable.
    let rotated = CredentialKeys::single("k2", [9u8; 32]).with_key("k1", [7u8; 32]);
    let mut c2 = config(&db.url);
    c2.credential_keys = rotated;
    let s2 = SqlStore::connect(&c2).await.unwrap();
    assert_eq!(s2.get(o.number).await.unwrap().unwrap().credentials, c.credentials);
    assert_eq!(s2.reencrypt_credentials().await.unwrap(), 1);
    assert_eq!(s2.reencrypt_credentials().await.unwrap(), 0);
    s2.close().await;
    // Now only k2 is needed.
    let mut c3 = config(&db.url);
    c3.credential_keys = CredentialKeys::single("k2", [9u8; 32]);
    let s3 = SqlStore::connect(&c3).await.unwrap();
    assert_eq!(s3.get(o.number).await.unwrap().unwrap().credentials, c.credentials);
    // The old store (only k1) can no longer read them: internal, not "no credentials".
    assert_eq!(s.get(o.number).await.unwrap_err().primary(), Code::Internal);
    // A later write that does not carry the credentials keeps them.
    let mut c4 = s3.get(o.number).await.unwrap().unwrap();
    c4.credentials = None;
    c4.version += 1;
    s3.write(Change { order: &c4, expected_version: Some(3), events: vec![], outbox: vec![] })
        .await
        .unwrap();
    assert_eq!(s3.get(o.number).await.unwrap().unwrap().credentials, c.credentials);
    s3.close().await;
}

#[tokio::test]
async fn unreachable_postgres_is_unavailable() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut c =
        StoreConfig::new(format!("postgres://postgres@127.0.0.1:{port}/x"), super::harness::keys());
    c.timeout = Duration::from_secs(2);
    let e = SqlStore::connect(&c).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Unavailable, "{e}");
}

#[tokio::test]
async fn closed_store_is_unavailable_not_not_found() {
    let db = Db::sqlite().await;
    db.store.close().await;
    let n = beh_core::id::OrderNumber::from_number(36539).unwrap();
    assert_eq!(db.store.get(n).await.unwrap_err().class, ErrorClass::Unavailable);
    assert_eq!(db.store.ping().await.unwrap_err().class, ErrorClass::Unavailable);
    assert_eq!(db.store.dead().await.unwrap_err().class, ErrorClass::Unavailable);
}
