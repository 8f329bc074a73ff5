//! A small world of in-memory ports with the demo directory and catalog.

use beh_core::catalog::Catalog;
use beh_core::order::{DraftLine, EndUserRef, Order, OrderDraft, OrderKind};
use beh_core::ports::SignedDecision;
use beh_core::service::Ports;
use beh_core::service::{DecisionRequest, ServiceConfig};
use beh_core::testing::{FakeVerifier, FixedClock, MemoryDirectory, MemoryStore, SeqIds};
use beh_core::{Actor, Code, Error, OrderService};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

pub const STEN: &str = "SE2321000131-P000000230147";
pub const FREDRIK: &str = "SE2321000131-P000000230148";
pub const LINNEA: &str = "SE2321000131-P000000001349";
pub const ERIK: &str = "SE2321000131-P000000230150";
pub const MARIE: &str = "SE2321000131-P000000230151";
pub const MARCUS: &str = "SE2321000131-P000000230152";
pub const SUTES: &str = "SE2321000131-P000000230153";
pub const XSUPER: &str = "SE2321000131-P000000001348";
pub const AGDA: &str = "SE2321000131-P000000230154";
pub const STUDENT: &str = "SE2321000131-P000000230155";
pub const UTAN: &str = "SE2321000131-P000000230156";
pub const DESK: &str = "SE2321000131-F000000000999";

pub const CARE_1: &str = "SE2321000131-E000000000101";
pub const CARE_2: &str = "SE2321000131-E000000000102";
pub const CARE_3: &str = "SE2321000131-E000000000103";
pub const CARE_4: &str = "SE2321000131-E000000000104";
pub const CARE_5: &str = "SE2321000131-E000000000105";
pub const NOT_CARE: &str = "SE2321000131-E000000000109";

pub struct World {
    pub service: OrderService,
    pub store: Arc<MemoryStore>,
    pub clock: Arc<FixedClock>,
    pub directory: Arc<MemoryDirectory>,
}

/// 2026-12-04 10:00 Stockholm.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-04T09:00:00Z").unwrap().with_timezone(&Utc)
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
}

pub fn world() -> World {
    let store = Arc::new(MemoryStore::default());
    let clock = Arc::new(FixedClock::new(now()));
    let directory = Arc::new(MemoryDirectory::demo());
    let service = OrderService::new(
        Catalog::demo(),
        Ports {
            directory: directory.clone(),
            store: store.clone(),
            verifier: Arc::new(FakeVerifier),
            clock: clock.clone(),
            ids: Arc::new(SeqIds::default()),
        },
        ServiceConfig::default(),
    );
    World { service, store, clock, directory }
}

pub fn run<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

impl World {
    pub fn actor(&self, hsa: &str) -> Actor {
        run(self.service.actor(hsa)).unwrap()
    }

    pub fn submit(&self, orderer: &str, draft: &OrderDraft) -> Result<Order, Error> {
        run(self.service.submit(&self.actor(orderer), draft))
    }

    /// Challenge and attest with a valid signature of `attestant`, removing `remove`.
    pub fn attest(&self, attestant: &str, order: &Order, remove: &[u32]) -> Result<Order, Error> {
        let a = self.actor(attestant);
        let c = run(self.service.challenge(
            &a,
            order.number,
            &DecisionRequest { approve: vec![], remove: remove.to_vec() },
        ))?;
        let signed = FakeVerifier::sign(a.hsa_id(), &c.tbs);
        run(self.service.attest(&a, order.number, &c.id, &signed))
    }

    pub fn attest_with(
        &self,
        attestant: &str,
        order: &Order,
        signed: impl Fn(&[u8]) -> SignedDecision,
    ) -> Result<Order, Error> {
        let a = self.actor(attestant);
        let c = run(self.service.challenge(&a, order.number, &DecisionRequest::default()))?;
        run(self.service.attest(&a, order.number, &c.id, &signed(&c.tbs)))
    }
}

/// Sten orders NPÖ (two care units) and Ivarätt for himself... no: for the guide's end user
/// Sten, ordered by Sten, attested by Fredrik, in Wästerläkarna.
pub fn guide_draft() -> OrderDraft {
    OrderDraft {
        end_user: Some(EndUserRef::Personnummer("197311056290".into())),
        workplace: Some("Wästerläkarna Centrum".into()),
        administration: Some("wasterlakarna".into()),
        kind: Some(OrderKind::New),
        permissions: Some(vec![
            DraftLine {
                permission: "npo".into(),
                details: None,
                care_units: Some(vec![CARE_1.into(), CARE_2.into()]),
            },
            DraftLine {
                permission: "ivaratt".into(),
                details: Some(
                    [(
                        "role".to_owned(),
                        beh_core::catalog::DetailValue::One("Verksamhetschef".into()),
                    )]
                    .into(),
                ),
                care_units: None,
            },
        ]),
        area: Some("wasterlakarna".into()),
        operation: Some("centrum".into()),
        project: None,
        attestant_hsa_id: Some(FREDRIK.into()),
        start_date: Some(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()),
    }
}

pub fn line(permission: &str) -> DraftLine {
    DraftLine { permission: permission.into(), details: None, care_units: None }
}

#[track_caller]
pub fn assert_codes(
    result: Result<impl std::fmt::Debug, Error>,
    expected: &[(Code, Option<&str>)],
) {
    let err = result.expect_err("expected an error");
    let got: Vec<(Code, Option<&str>)> =
        err.violations.iter().map(|v| (v.code, v.field.as_deref())).collect();
    for e in expected {
        assert!(got.contains(e), "missing {e:?} in {got:?}");
    }
}

#[track_caller]
pub fn assert_only(result: Result<impl std::fmt::Debug, Error>, code: Code) {
    let err = result.expect_err("expected an error");
    assert_eq!(err.codes(), vec![code], "{err:?}");
}
