//! Ports: the traits the application service runs over. Adapters (beh-store, beh-sign,
//! beh-http) implement them; `testing` has in-memory ones.

mod verifier;

pub use verifier::{SignatureCheck, SignatureVerifier, SignedDecision, VerifiedSignature};

use crate::audit::{AuditEntry, AuditEvent};
use crate::directory::{Person, PersonKey, Unit};
use crate::error::Result;
use crate::id::{HsaId, OrderNumber};
use crate::order::{Holding, Order, OrderKind, OrderStatus};
use crate::outbox::{OutboxItem, OutboxMessage};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The regional directory (KIV/HSA). Failures are `unavailable`, never "not found".
#[async_trait]
pub trait Directory: Send + Sync {
    /// A person by personnummer, passport number, HSA-id or VGR-ID.
    async fn person(&self, key: &PersonKey) -> Result<Option<Person>>;
    /// A unit by HSA-id.
    async fn unit(&self, hsa_id: &HsaId) -> Result<Option<Unit>>;
    /// Units whose name or HSA-id contains `q` (case-insensitive), at most `limit`, by name.
    async fn search_units(&self, q: &str, limit: usize) -> Result<Vec<Unit>>;
    /// People who may attest in `administration`.
    async fn attestants(&self, administration: &str) -> Result<Vec<Person>>;
    /// Whether the directory answers (readiness).
    async fn ping(&self) -> Result<()>;
}

/// Who is asking for a history page (R18 decides what they see).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// A person: orders they ordered, are end user of, or attest.
    Person(HsaId),
    /// The service desk: attested and completed orders.
    ServiceDesk,
}

/// A person's relation to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Beställare.
    Orderer,
    /// Attestant.
    Attestant,
    /// Slutanvändare.
    EndUser,
}

impl Role {
    /// Parses `orderer`, `attestant` or `end_user`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "orderer" => Some(Role::Orderer),
            "attestant" => Some(Role::Attestant),
            "end_user" => Some(Role::EndUser),
            _ => None,
        }
    }
}

/// A history search (GET /api/v1/orders).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuery {
    /// Whose view.
    pub visibility: Visibility,
    /// Narrow a person's view to one relation.
    pub role: Option<Role>,
    /// Status filter.
    pub status: Option<OrderStatus>,
    /// Kind filter.
    pub kind: Option<OrderKind>,
    /// One order.
    pub order_number: Option<OrderNumber>,
    /// End user: HSA-id or VGR-ID exactly, or a case-insensitive part of the name.
    pub end_user: Option<String>,
    /// Ordered on or after this date (Europe/Stockholm).
    pub from: Option<NaiveDate>,
    /// Ordered on or before this date (Europe/Stockholm).
    pub to: Option<NaiveDate>,
    /// Page, from 1.
    pub page: u32,
    /// Items per page, 1 ..= 100.
    pub per_page: u32,
}

impl OrderQuery {
    /// The first page of everything `visibility` may see.
    pub fn all(visibility: Visibility) -> OrderQuery {
        OrderQuery {
            visibility,
            role: None,
            status: None,
            kind: None,
            order_number: None,
            end_user: None,
            from: None,
            to: None,
            page: 1,
            per_page: 20,
        }
    }

    /// Whether `order` matches every filter (the reference semantics the stores implement in
    /// SQL; the in-memory store uses it directly).
    pub fn matches(&self, order: &Order) -> bool {
        let visible = match &self.visibility {
            Visibility::ServiceDesk => {
                matches!(order.status(), OrderStatus::Attested | OrderStatus::Completed)
            }
            Visibility::Person(me) => match self.role {
                Some(Role::Orderer) => &order.orderer.hsa_id == me,
                Some(Role::Attestant) => &order.attestant.hsa_id == me,
                Some(Role::EndUser) => &order.end_user.hsa_id == me,
                None => {
                    &order.orderer.hsa_id == me
                        || &order.attestant.hsa_id == me
                        || &order.end_user.hsa_id == me
                }
            },
        };
        let day = crate::time::stockholm_date(order.ordered_at);
        visible
            && self.status.is_none_or(|s| s == order.status())
            && self.kind.is_none_or(|k| k == order.kind)
            && self.order_number.is_none_or(|n| n == order.number)
            && self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
            && self.end_user.as_deref().is_none_or(|q| end_user_matches(order, q))
    }
}

fn end_user_matches(order: &Order, q: &str) -> bool {
    let eu = &order.end_user;
    let q = q.trim();
    eu.hsa_id.as_str().eq_ignore_ascii_case(q)
        || eu.vgr_id.as_ref().is_some_and(|v| v.as_str().eq_ignore_ascii_case(q))
        || format!("{} {}", eu.given_name, eu.surname).to_lowercase().contains(&q.to_lowercase())
}

/// A page of history, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage<T> {
    /// Matching orders in all.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    /// Pages in all (at least 1).
    pub pages: u32,
    /// The orders of this page.
    pub items: Vec<T>,
}

impl<T> OrderPage<T> {
    /// The page count for `total` items.
    pub fn pages_for(total: u64, per_page: u32) -> u32 {
        let per = u64::from(per_page.max(1));
        u32::try_from(total.div_ceil(per).max(1)).unwrap_or(u32::MAX)
    }
}

/// An attestation challenge (R13): single-use, expiring, bound to order version and attestant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Random id.
    pub id: String,
    /// The order.
    pub order_number: OrderNumber,
    /// The order's version when the challenge was issued.
    pub order_version: u64,
    /// Who must sign.
    pub attestant: HsaId,
    /// Lines to remove (the rest are approved).
    pub remove: Vec<u32>,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: DateTime<Utc>,
    /// The canonical to-be-signed bytes.
    pub tbs: Vec<u8>,
    /// The Swedish sign text.
    pub text: String,
}

/// What taking a challenge found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TakenChallenge {
    /// First use: the challenge, now marked used.
    Fresh(Challenge),
    /// It was used before (`challenge_used`).
    Used,
    /// No such challenge (`challenge_expired`: unknown ids are treated as long expired).
    Unknown,
}

/// A change to write atomically: the order, its audit event and the messages it causes.
#[derive(Clone, Debug)]
pub struct Change<'a> {
    /// The order after the change.
    pub order: &'a Order,
    /// The version the order had before (`None` for a new order). The store refuses the write
    /// with `conflict` when the stored version differs.
    pub expected_version: Option<u64>,
    /// The audit events, in order (the store chains them after the order's last entry).
    pub events: Vec<AuditEvent>,
    /// Messages to enqueue in the same transaction.
    pub outbox: Vec<OutboxMessage>,
}

/// The order store: orders, audit log, outbox and challenges, each change in one transaction.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// A new order number, unique across nodes.
    async fn next_order_number(&self) -> Result<OrderNumber>;
    /// Writes a change atomically: order (insert or versioned update), holdings when the order
    /// became completed ([`crate::order::apply_completed`]), chained audit entries, outbox rows.
    /// A stale `expected_version` is `conflict`.
    async fn write(&self, change: Change<'_>) -> Result<()>;
    /// An order with its credentials.
    async fn get(&self, number: OrderNumber) -> Result<Option<Order>>;
    /// A page of history.
    async fn search(&self, query: &OrderQuery) -> Result<OrderPage<Order>>;
    /// What a person holds now.
    async fn holdings(&self, person: &HsaId) -> Result<Vec<Holding>>;
    /// The audit entries of an order, oldest first.
    async fn audit(&self, number: OrderNumber) -> Result<Vec<AuditEntry>>;
    /// Saves a new challenge.
    async fn save_challenge(&self, challenge: &Challenge) -> Result<()>;
    /// Marks a challenge used and returns it if this was its first use (atomically).
    async fn take_challenge(&self, id: &str) -> Result<TakenChallenge>;
    /// Whether the store answers (readiness).
    async fn ping(&self) -> Result<()>;
}

/// The outbox as delivery workers see it.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims up to `limit` due messages for `worker` (several workers never get the same one
    /// at once).
    async fn claim(
        &self,
        worker: &str,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>>;
    /// Marks a message delivered.
    async fn delivered(&self, id: u64, now: DateTime<Utc>) -> Result<()>;
    /// Records a failed attempt: retried at `retry_at`, or dead when `None`.
    async fn failed(&self, id: u64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()>;
    /// Messages in the dead-letter state, for operators.
    async fn dead(&self) -> Result<Vec<OutboxItem>>;
}

/// The clock: the only source of "now".
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Source of unguessable ids (challenge ids). Adapters use the OS random generator.
pub trait IdSource: Send + Sync {
    /// A new id, unique and unguessable.
    fn new_id(&self) -> String;
}
