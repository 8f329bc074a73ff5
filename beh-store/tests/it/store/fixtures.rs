//! Orders, events and messages to store.

use beh_core::audit::{AuditAction, AuditEvent};
use beh_core::catalog::{DetailValue, Details};
use beh_core::id::{HsaId, OrderNumber, Personnummer, VgrId};
use beh_core::order::{LineState, NewOrder, Order, OrderKind, OrderLine, PersonRef};
use beh_core::outbox::{MessageKind, OutboxMessage};
use beh_core::ports::Change;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub fn hsa(s: &str) -> HsaId {
    HsaId::parse(s).unwrap()
}

pub const STEN: &str = "SE2321000131-P000000230147";
pub const FREDRIK: &str = "SE2321000131-P000000230148";
pub const LINNEA: &str = "SE2321000131-P000000001349";
pub const ERIK: &str = "SE2321000131-P000000230150";
pub const MARIE: &str = "SE2321000131-P000000230151";
pub const SU_TEST: &str = "SE2321000131-P000000230153";

pub fn person(id: &str, vgr: &str, given: &str, surname: &str, pnr: Option<&str>) -> PersonRef {
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    PersonRef {
        hsa_id: hsa(id),
        vgr_id: Some(VgrId::parse(vgr).unwrap()),
        given_name: given.to_owned(),
        surname: surname.to_owned(),
        title: Some("Läkare".to_owned()),
        personnummer: pnr.map(|p| Personnummer::parse(p, today).unwrap()),
    }
}

pub fn people() -> Vec<PersonRef> {
    vec![
        person(STEN, "steli11", "Sten", "Lindblom", Some("197311056290")),
        person(FREDRIK, "freda3", "Fredrik", "Dahlbom", None),
        person(LINNEA, "linerb", "Linnea", "Ericson", None),
        person(ERIK, "eribj2", "Erik", "Bjerner", None),
        person(MARIE, "marhe12", "Marie", "Hedberg", None),
        person(SU_TEST, "sutes1", "SU", "Testperson", Some("197209309850")),
    ]
}

/// Microsecond-precise times (the precision every store keeps).
pub fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 15, 0).unwrap()
        + chrono::Duration::microseconds(123_456)
}

pub fn line(id: u32, permission: &str) -> OrderLine {
    let mut details = Details::new();
    details.insert("role".to_owned(), DetailValue::One("läkare".to_owned()));
    OrderLine {
        line_id: id,
        permission: permission.to_owned(),
        name: format!("Behörighet {permission}"),
        details,
        care_units: vec![],
        state: LineState::Ordered,
    }
}

pub fn order(
    n: OrderNumber,
    kind: OrderKind,
    orderer: &PersonRef,
    attestant: &PersonRef,
    end_user: &PersonRef,
    ordered_at: DateTime<Utc>,
    permissions: &[&str],
) -> Order {
    Order::submitted(
        NewOrder {
            number: n,
            kind,
            administration: "su".to_owned(),
            end_user: end_user.clone(),
            orderer: orderer.clone(),
            attestant: attestant.clone(),
            workplace: "Avdelning 12".to_owned(),
            area: "vard".to_owned(),
            operation: "akuten".to_owned(),
            project: None,
            start_date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            lines: permissions.iter().enumerate().map(|(i, p)| line(i as u32 + 1, p)).collect(),
        },
        ordered_at,
    )
}

pub fn event(o: &Order, actor: &HsaId, action: AuditAction, when: DateTime<Utc>) -> AuditEvent {
    AuditEvent {
        order_number: o.number,
        at: when,
        actor: actor.clone(),
        action,
        details: serde_json::json!({"version": o.version, "status": o.status().as_str(), "note": "ö"}),
    }
}

/// The change that submits `o`: an audit entry and a mail to the attestant.
pub fn submit(o: &Order) -> Change<'_> {
    Change {
        order: o,
        expected_version: None,
        events: vec![event(o, &o.orderer.hsa_id, AuditAction::Submitted, o.ordered_at)],
        outbox: vec![OutboxMessage::new(
            o.number,
            o.version,
            MessageKind::AttestationRequest,
            Some(o.attestant.hsa_id.clone()),
        )],
    }
}

/// The change after a decision that made `o` (version `before + 1`).
pub fn decided(
    o: &Order,
    before: u64,
    action: AuditAction,
    when: DateTime<Utc>,
    kind: MessageKind,
) -> Change<'_> {
    Change {
        order: o,
        expected_version: Some(before),
        events: vec![event(o, &o.attestant.hsa_id, action, when)],
        outbox: vec![OutboxMessage::new(o.number, o.version, kind, None)],
    }
}
