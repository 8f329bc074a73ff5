//! The contract every order store keeps, written once over the ports and run on the in-memory
//! store, SQLite and PostgreSQL.

use super::fixtures::*;
use super::harness::{Db, FIRST};
use beh_core::audit::{verify_chain, AuditAction};
use beh_core::error::Code;
use beh_core::order::{apply_completed, Attestation, Credentials, Order, OrderKind, OrderStatus};
use beh_core::outbox::{DeliveryState, MessageKind};
use beh_core::ports::{
    Challenge, OrderQuery, OrderStore, Outbox, Role, TakenChallenge, Visibility,
};
use beh_core::testing::MemoryStore;
use chrono::NaiveDate;

/// Both ports at once.
pub trait Store: OrderStore + Outbox {}
impl<T: OrderStore + Outbox> Store for T {}

/// Generates `<name>::{memory, sqlite, postgres}` for a contract function.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$name(&MemoryStore::new(FIRST)).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = Db::sqlite().await;
                super::$name(&db.store).await;
                db.done().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = Db::postgres().await;
                super::$name(&db.store).await;
                db.done().await;
            }
        }
    )*};
}

contract!(
    numbers_are_sequential_from_the_first,
    submit_get_and_duplicate_number,
    versioned_updates_conflict_when_stale,
    completion_keeps_credentials_and_holdings,
    history_search_matches_the_reference,
    challenges_are_single_use,
    outbox_delivers_retries_and_dead_letters,
);

async fn numbers_are_sequential_from_the_first(s: &dyn Store) {
    let a = s.next_order_number().await.unwrap();
    let b = s.next_order_number().await.unwrap();
    assert_eq!(a.number(), FIRST);
    assert_eq!(b.number(), FIRST + 1);
    s.ping().await.unwrap();
}

async fn submit_get_and_duplicate_number(s: &dyn Store) {
    let p = people();
    let n = s.next_order_number().await.unwrap();
    let o = order(n, OrderKind::New, &p[3], &p[4], &p[5], at(2, 9), &["cosmic", "melior"]);
    s.write(submit(&o)).await.unwrap();
    assert_eq!(s.get(n).await.unwrap().as_ref(), Some(&o));
    let audit = s.audit(n).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, AuditAction::Submitted);
    assert_eq!(verify_chain(&audit), Ok(()));
    // A second insert of the same number is a conflict and changes nothing.
    let mut other = o.clone();
    other.workplace = "Annan".to_owned();
    let e = s.write(submit(&other)).await.unwrap_err();
    assert_eq!(e.primary(), Code::Conflict);
    assert_eq!(s.get(n).await.unwrap().unwrap().workplace, "Avdelning 12");
    assert_eq!(s.audit(n).await.unwrap().len(), 1);
    // Unknown numbers are absent, not errors.
    let missing = beh_core::id::OrderNumber::from_number(999_999).unwrap();
    assert_eq!(s.get(missing).await.unwrap(), None);
    assert!(s.audit(missing).await.unwrap().is_empty());
    // The message was enqueued with the order.
    let claimed = s.claim("w", 10, at(2, 10)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message.kind, MessageKind::AttestationRequest);
    assert_eq!(claimed[0].message.recipient.as_ref(), Some(&p[4].hsa_id));
    assert_eq!(claimed[0].state, DeliveryState::Pending);
}

async fn versioned_updates_conflict_when_stale(s: &dyn Store) {
    let p = people();
    let n = s.next_order_number().await.unwrap();
    let o = order(n, OrderKind::New, &p[3], &p[4], &p[5], at(2, 9), &["cosmic"]);
    s.write(submit(&o)).await.unwrap();

    let mut rejected = o.clone();
    rejected.reject(Some("Nej".to_owned()), at(2, 11)).unwrap();
    let mut withdrawn = o.clone();
    withdrawn.withdraw(at(2, 11)).unwrap();

    s.write(decided(&rejected, 1, AuditAction::Rejected, at(2, 11), MessageKind::Rejected))
        .await
        .unwrap();
    let e = s
        .write(decided(&withdrawn, 1, AuditAction::Withdrawn, at(2, 11), MessageKind::Rejected))
        .await
        .unwrap_err();
    assert_eq!(e.primary(), Code::Conflict);

    let stored = s.get(n).await.unwrap().unwrap();
    assert_eq!(stored, rejected);
    assert_eq!(stored.status(), OrderStatus::Rejected);
    let audit = s.audit(n).await.unwrap();
    assert_eq!(
        audit.iter().map(|e| e.action).collect::<Vec<_>>(),
        [AuditAction::Submitted, AuditAction::Rejected]
    );
    assert_eq!(verify_chain(&audit), Ok(()));
    // Only the winner's messages exist.
    let keys: Vec<String> = s
        .claim("w", 10, at(3, 0))
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.message.idempotency_key)
        .collect();
    assert_eq!(keys, [format!("{n}:attestation_request:v1"), format!("{n}:rejected:v2")]);
}

fn attested(o: &Order, remove: &[u32]) -> Order {
    let mut a = o.clone();
    a.attest(
        remove,
        Attestation::Signed {
            challenge_id: "ch-1".to_owned(),
            signer_hsa_id: o.attestant.hsa_id.clone(),
            subject: "serialNumber=x".to_owned(),
            certificate_sha256: "00".repeat(32),
            tbs_sha256: "11".repeat(32),
            revocation_checked: true,
        },
        at(3, 9),
    )
    .unwrap();
    a
}

async fn completion_keeps_credentials_and_holdings(s: &dyn Store) {
    let p = people();
    let end_user = &p[5];
    // New order for two permissions, one removed by the attestant.
    let n1 = s.next_order_number().await.unwrap();
    let o1 = order(n1, OrderKind::New, &p[3], &p[4], end_user, at(2, 9), &["cosmic", "melior"]);
    s.write(submit(&o1)).await.unwrap();
    let a1 = attested(&o1, &[2]);
    s.write(decided(&a1, 1, AuditAction::Attested, at(3, 9), MessageKind::Ticket)).await.unwrap();
    let mut c1 = a1.clone();
    c1.complete(
        Some("Klart".to_owned()),
        Some(Credentials::new("användare: sutes1 / lösen: Hemligt123")),
        at(4, 9),
    )
    .unwrap();
    s.write(decided(&c1, 2, AuditAction::Completed, at(4, 9), MessageKind::Completed))
        .await
        .unwrap();

    let got = s.get(n1).await.unwrap().unwrap();
    assert_eq!(got, c1);
    assert_eq!(
        got.credentials.as_ref().map(Credentials::expose),
        Some("användare: sutes1 / lösen: Hemligt123")
    );
    let mut expected = Vec::new();
    apply_completed(&mut expected, &c1);
    assert_eq!(s.holdings(&end_user.hsa_id).await.unwrap(), expected);
    assert_eq!(expected.len(), 1);

    // History items say there are credentials.
    let mut q = OrderQuery::all(Visibility::Person(p[3].hsa_id.clone()));
    q.role = Some(Role::Orderer);
    let page = s.search(&q).await.unwrap();
    assert_eq!(page.total, 1);
    assert!(page.items[0].has_credentials);

    // A termination of the held permission empties the holdings; a change replaces details.
    let n2 = s.next_order_number().await.unwrap();
    let o2 = order(n2, OrderKind::Termination, &p[3], &p[4], end_user, at(5, 9), &["cosmic"]);
    s.write(submit(&o2)).await.unwrap();
    let a2 = attested(&o2, &[]);
    s.write(decided(&a2, 1, AuditAction::Attested, at(5, 10), MessageKind::Ticket)).await.unwrap();
    let mut c2 = a2.clone();
    c2.complete(None, None, at(5, 11)).unwrap();
    s.write(decided(&c2, 2, AuditAction::Completed, at(5, 11), MessageKind::Completed))
        .await
        .unwrap();
    assert_eq!(s.holdings(&end_user.hsa_id).await.unwrap(), vec![]);
    assert_eq!(s.get(n2).await.unwrap().unwrap().credentials, None);
    assert!(s.holdings(&p[0].hsa_id).await.unwrap().is_empty());
    for n in [n1, n2] {
        let audit = s.audit(n).await.unwrap();
        assert_eq!(audit.len(), 3);
        assert_eq!(verify_chain(&audit), Ok(()));
    }
}

async fn history_search_matches_the_reference(s: &dyn Store) {
    let p = people();
    let mut all: Vec<Order> = Vec::new();
    // 30 orders over varied people, kinds, days (including around midnight in Stockholm).
    for i in 0..30u32 {
        let n = s.next_order_number().await.unwrap();
        let orderer = &p[(i % 3) as usize + 2];
        let attestant = &p[(i % 2) as usize + 4 - (i % 2) as usize * 3];
        let end_user = &p[[5usize, 0, 1][(i % 3) as usize]];
        let kind = OrderKind::ALL[(i % 3) as usize];
        // 22:30 UTC on day d is day d+1 in Stockholm; some orders share a time.
        let when = at(1 + i / 3, [22, 8, 8][(i % 3) as usize]);
        let o = order(n, kind, orderer, attestant, end_user, when, &["cosmic"]);
        s.write(submit(&o)).await.unwrap();
        let o = match i % 4 {
            1 => {
                let mut r = o.clone();
                r.reject(None, when).unwrap();
                s.write(decided(&r, 1, AuditAction::Rejected, when, MessageKind::Rejected))
                    .await
                    .unwrap();
                r
            }
            2 | 3 => {
                let a = attested(&o, &[]);
                s.write(decided(&a, 1, AuditAction::Attested, when, MessageKind::Ticket))
                    .await
                    .unwrap();
                a
            }
            _ => o,
        };
        all.push(o);
    }
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let mut queries = Vec::new();
    for who in [&p[0], &p[1], &p[2], &p[3], &p[4], &p[5]] {
        for role in [None, Some(Role::Orderer), Some(Role::Attestant), Some(Role::EndUser)] {
            let mut q = OrderQuery::all(Visibility::Person(who.hsa_id.clone()));
            q.role = role;
            q.per_page = 4;
            // With a status (the per-person counters keep one per status).
            for status in
                [OrderStatus::AwaitingAttestation, OrderStatus::Attested, OrderStatus::Rejected]
            {
                queries.push(OrderQuery { status: Some(status), per_page: 2, ..q.clone() });
            }
            queries.push(q);
        }
    }
    let base = {
        let mut q = OrderQuery::all(Visibility::Person(p[2].hsa_id.clone()));
        q.per_page = 3;
        q
    };
    for status in OrderStatus::ALL {
        queries.push(OrderQuery { status: Some(status), ..base.clone() });
    }
    for kind in OrderKind::ALL {
        queries.push(OrderQuery { kind: Some(kind), ..base.clone() });
    }
    queries.push(OrderQuery { order_number: Some(all[5].number), ..base.clone() });
    queries.push(OrderQuery { order_number: Some(all[4].number), ..base.clone() });
    for eu in [
        "sutes1",
        "SUTES1",
        " SE2321000131-p000000230147 ",
        "lindblom",
        "sTEN LIND",
        "dahl",
        "nobody",
        "%",
        "_",
    ] {
        queries.push(OrderQuery { end_user: Some(eu.to_owned()), ..base.clone() });
    }
    queries.push(OrderQuery { from: Some(day(3)), to: Some(day(6)), ..base.clone() });
    queries.push(OrderQuery { from: Some(day(4)), ..base.clone() });
    queries.push(OrderQuery { to: Some(day(2)), ..base.clone() });
    let mut sd = OrderQuery::all(Visibility::ServiceDesk);
    sd.per_page = 7;
    queries.push(sd.clone());
    queries.push(OrderQuery { status: Some(OrderStatus::Rejected), ..sd.clone() });
    queries.push(OrderQuery {
        kind: Some(OrderKind::Change),
        end_user: Some("Testperson".to_owned()),
        ..sd
    });

    for q in queries {
        let mut expected: Vec<&Order> = all.iter().filter(|o| q.matches(o)).collect();
        expected.sort_by_key(|o| std::cmp::Reverse((o.ordered_at, o.number)));
        let total = expected.len() as u64;
        let pages = beh_core::ports::OrderPage::<Order>::pages_for(total, q.per_page);
        for page in 1..=pages + 1 {
            let q = OrderQuery { page, ..q.clone() };
            let got = s.search(&q).await.unwrap();
            assert_eq!(got.total, total, "{q:?}");
            assert_eq!(got.pages, pages, "{q:?}");
            assert_eq!(got.page, page);
            let want: Vec<_> = expected
                .iter()
                .skip((page as usize - 1) * q.per_page as usize)
                .take(q.per_page as usize)
                .map(|o| o.number)
                .collect();
            let numbers: Vec<_> = got.items.iter().map(|o| o.number).collect();
            assert_eq!(numbers, want, "{q:?}");
        }
    }
}

async fn challenges_are_single_use(s: &dyn Store) {
    let p = people();
    let n = s.next_order_number().await.unwrap();
    let c = Challenge {
        id: "3f2a9c".to_owned(),
        order_number: n,
        order_version: 1,
        attestant: p[4].hsa_id.clone(),
        remove: vec![2],
        issued_at: at(2, 9),
        expires_at: at(2, 10),
        tbs: vec![0, 1, 2, 255],
        text: "Jag godkänner".to_owned(),
    };
    s.save_challenge(&c).await.unwrap();
    assert_eq!(s.take_challenge("3f2a9c").await.unwrap(), TakenChallenge::Fresh(c));
    assert_eq!(s.take_challenge("3f2a9c").await.unwrap(), TakenChallenge::Used);
    assert_eq!(s.take_challenge("nope").await.unwrap(), TakenChallenge::Unknown);
}

async fn outbox_delivers_retries_and_dead_letters(s: &dyn Store) {
    let p = people();
    let mut numbers = Vec::new();
    for i in 0..3 {
        let n = s.next_order_number().await.unwrap();
        let o = order(n, OrderKind::New, &p[3], &p[4], &p[5], at(2, 9 + i), &["cosmic"]);
        s.write(submit(&o)).await.unwrap();
        numbers.push(n);
    }
    // Not due before the change happened.
    assert!(s.claim("w", 10, at(2, 8)).await.unwrap().is_empty());
    let due = s.claim("w", 10, at(2, 10)).await.unwrap();
    assert_eq!(due.iter().map(|i| i.message.order_number).collect::<Vec<_>>(), numbers[..2]);
    let (first, second) = (due[0].id, due[1].id);
    s.delivered(first, at(2, 10)).await.unwrap();
    s.failed(second, "SMTP 451", Some(at(2, 20))).await.unwrap();
    let later = s.claim("w", 10, at(2, 19)).await.unwrap();
    assert_eq!(later.iter().map(|i| i.message.order_number).collect::<Vec<_>>(), [numbers[2]]);
    let third = later[0].id;
    let retry = s.claim("w", 10, at(2, 21)).await.unwrap();
    let retried = retry.iter().find(|i| i.id == second).unwrap();
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.last_error.as_deref(), Some("SMTP 451"));
    assert_eq!(retried.next_attempt_at, at(2, 20));
    s.failed(second, "SMTP 550", None).await.unwrap();
    s.delivered(third, at(2, 21)).await.unwrap();
    let dead = s.dead().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, second);
    assert_eq!(dead[0].state, DeliveryState::Dead);
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(dead[0].last_error.as_deref(), Some("SMTP 550"));
    assert!(s.claim("w", 10, at(9, 0)).await.unwrap().is_empty());
}
