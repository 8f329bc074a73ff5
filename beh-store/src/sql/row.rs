//! Between Rust values and rows: the indexed columns of an order, the history filter as SQL,
//! and decoding of stored rows (the same code for both backends through [`Get`]).

use super::error::{corrupt, db};
use super::Backend;
use beh_core::audit::{AuditAction, AuditEntry};
use beh_core::error::{Code, Error, Result};
use beh_core::id::{HsaId, OrderNumber};
use beh_core::order::Order;
use beh_core::outbox::{DeliveryState, MessageKind, OutboxItem, OutboxMessage};
use beh_core::ports::{OrderQuery, Role, Visibility};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// Microseconds since the epoch (the stored time representation).
pub(crate) fn us(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// A stored time.
pub(crate) fn from_us(v: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| corrupt("time"))
}

/// An order number as stored.
pub(crate) fn num(n: OrderNumber) -> Result<i64> {
    i64::try_from(n.number()).map_err(|_| Error::code(Code::Internal))
}

/// A stored order number.
pub(crate) fn order_number(n: i64) -> Result<OrderNumber> {
    u64::try_from(n).ok().and_then(OrderNumber::from_number).ok_or_else(|| corrupt("order number"))
}

fn enum_str<T: serde::Serialize>(v: T) -> Result<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(Error::code(Code::Internal)),
    }
}

fn enum_parse<T: serde::de::DeserializeOwned>(s: String, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s)).map_err(|_| corrupt(what))
}

/// The stable name of an audit action.
pub(crate) fn action_str(a: AuditAction) -> Result<String> {
    enum_str(a)
}

/// Typed column access shared by both backends' rows.
pub(crate) trait Get {
    /// An integer column.
    fn int(&self, col: &str) -> Result<i64>;
    /// A text column.
    fn text(&self, col: &str) -> Result<String>;
    /// A nullable text column.
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    /// A nullable bytes column.
    fn opt_bytes(&self, col: &str) -> Result<Option<Vec<u8>>>;
}

macro_rules! impl_get {
    ($row:ty) => {
        impl Get for $row {
            fn int(&self, col: &str) -> Result<i64> {
                self.try_get(col).map_err(db)
            }
            fn text(&self, col: &str) -> Result<String> {
                self.try_get(col).map_err(db)
            }
            fn opt_text(&self, col: &str) -> Result<Option<String>> {
                self.try_get(col).map_err(db)
            }
            fn opt_bytes(&self, col: &str) -> Result<Option<Vec<u8>>> {
                self.try_get(col).map_err(db)
            }
        }
    };
}
impl_get!(sqlx::sqlite::SqliteRow);
impl_get!(sqlx::postgres::PgRow);

/// The indexed columns and body of an order.
pub(crate) struct OrderColumns {
    pub number: i64,
    pub version: i64,
    pub status: &'static str,
    pub kind: &'static str,
    pub orderer: String,
    pub attestant: String,
    pub end_user: String,
    pub end_user_lc: String,
    pub end_user_vgr: Option<String>,
    pub end_user_name_lc: String,
    pub ordered_at_us: i64,
    pub ordered_day: String,
    pub body: String,
}

impl OrderColumns {
    /// The columns of `order` (the body never holds credentials: `Order` skips them).
    pub fn of(order: &Order) -> Result<OrderColumns> {
        let eu = &order.end_user;
        Ok(OrderColumns {
            number: num(order.number)?,
            version: i64::try_from(order.version).map_err(|_| Error::code(Code::Internal))?,
            status: order.status().as_str(),
            kind: order.kind.as_str(),
            orderer: order.orderer.hsa_id.as_str().to_owned(),
            attestant: order.attestant.hsa_id.as_str().to_owned(),
            end_user: eu.hsa_id.as_str().to_owned(),
            end_user_lc: eu.hsa_id.as_str().to_ascii_lowercase(),
            end_user_vgr: eu.vgr_id.as_ref().map(|v| v.as_str().to_ascii_lowercase()),
            end_user_name_lc: format!("{} {}", eu.given_name, eu.surname).to_lowercase(),
            ordered_at_us: us(order.ordered_at),
            ordered_day: beh_core::time::stockholm_date(order.ordered_at)
                .format("%Y-%m-%d")
                .to_string(),
            body: serde_json::to_string(order).map_err(|_| Error::code(Code::Internal))?,
        })
    }
}

/// A bound parameter of a built query.
#[derive(Clone)]
pub(crate) enum Param {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
}

/// The WHERE clause of a history search and its parameters (`$1`…), with the semantics of
/// [`OrderQuery::matches`].
pub(crate) fn filter(q: &OrderQuery, backend: Backend) -> (String, Vec<Param>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Param> = Vec::new();
    let push = |params: &mut Vec<Param>, p: Param| {
        params.push(p);
        format!("${}", params.len())
    };
    match &q.visibility {
        Visibility::ServiceDesk => {
            clauses.push("status IN ('attested', 'completed')".to_owned());
        }
        Visibility::Person(me) => {
            let me = push(&mut params, Param::Text(me.as_str().to_owned()));
            clauses.push(match q.role {
                Some(Role::Orderer) => format!("orderer_hsa = {me}"),
                Some(Role::Attestant) => format!("attestant_hsa = {me}"),
                Some(Role::EndUser) => format!("end_user_hsa = {me}"),
                None => {
                    format!("(orderer_hsa = {me} OR attestant_hsa = {me} OR end_user_hsa = {me})")
                }
            });
        }
    }
    if let Some(s) = q.status {
        let p = push(&mut params, Param::Text(s.as_str().to_owned()));
        clauses.push(format!("status = {p}"));
    }
    if let Some(k) = q.kind {
        let p = push(&mut params, Param::Text(k.as_str().to_owned()));
        clauses.push(format!("kind = {p}"));
    }
    if let Some(n) = q.order_number {
        let p = push(&mut params, Param::Int(i64::try_from(n.number()).unwrap_or(-1)));
        clauses.push(format!("number = {p}"));
    }
    if let Some(f) = q.from {
        let p = push(&mut params, Param::Text(f.format("%Y-%m-%d").to_string()));
        clauses.push(format!("ordered_day >= {p}"));
    }
    if let Some(t) = q.to {
        let p = push(&mut params, Param::Text(t.format("%Y-%m-%d").to_string()));
        clauses.push(format!("ordered_day <= {p}"));
    }
    if let Some(eu) = &q.end_user {
        let eu = eu.trim();
        let id = push(&mut params, Param::Text(eu.to_ascii_lowercase()));
        let name = push(&mut params, Param::Text(eu.to_lowercase()));
        // A substring test without LIKE's wildcards (a `%` or `_` in the query is literal).
        let contains = match backend {
            Backend::Sqlite => format!("instr(end_user_name_lc, {name}) > 0"),
            Backend::Postgres => format!("strpos(end_user_name_lc, {name}) > 0"),
        };
        clauses.push(format!("(end_user_hsa_lc = {id} OR end_user_vgr = {id} OR {contains})"));
    }
    (clauses.join(" AND "), params)
}

/// The total of a history search from `order_counts` (migration 0002) and its parameters,
/// when the query is "my orders": a person's visibility, a role or none, at most a status, and
/// no other filter. `None`: the search has to COUNT.
pub(crate) fn counter(q: &OrderQuery) -> Option<(String, Vec<Param>)> {
    // Every field named: a new filter must decide here whether the counters serve it.
    let OrderQuery {
        visibility,
        role,
        status,
        kind,
        order_number,
        end_user,
        from,
        to,
        page: _,
        per_page: _,
    } = q;
    let Visibility::Person(me) = visibility else {
        return None;
    };
    if kind.is_some()
        || order_number.is_some()
        || from.is_some()
        || to.is_some()
        || end_user.is_some()
    {
        return None;
    }
    let role = match role {
        Some(Role::Orderer) => "orderer",
        Some(Role::Attestant) => "attestant",
        Some(Role::EndUser) => "end_user",
        None => "any",
    };
    let mut params = vec![Param::Text(me.as_str().to_owned()), Param::Text(role.to_owned())];
    let mut sql = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM order_counts \
                   WHERE person_hsa = $1 AND role = $2"
        .to_owned();
    if let Some(s) = status {
        params.push(Param::Text(s.as_str().to_owned()));
        sql.push_str(" AND status = $3");
    }
    Some((sql, params))
}

/// Stored credentials columns.
pub(crate) struct CredRow {
    pub key_id: Option<String>,
    pub nonce: Option<Vec<u8>>,
    pub ciphertext: Option<Vec<u8>>,
}

/// An order row (`body` and the credential columns).
pub(crate) fn order_with_credentials(r: &impl Get) -> Result<(Order, CredRow)> {
    let body = r.text("body")?;
    let order = serde_json::from_str(&body).map_err(|_| corrupt("order"))?;
    Ok((
        order,
        CredRow {
            key_id: r.opt_text("cred_key_id")?,
            nonce: r.opt_bytes("cred_nonce")?,
            ciphertext: r.opt_bytes("cred_ciphertext")?,
        },
    ))
}

/// An audit row.
pub(crate) fn audit_entry(r: &impl Get) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: u64::try_from(r.int("seq")?).map_err(|_| corrupt("audit seq"))?,
        order_number: order_number(r.int("order_number")?)?,
        at: from_us(r.int("at_us")?)?,
        actor: HsaId::parse(&r.text("actor")?).map_err(|_| corrupt("audit actor"))?,
        action: enum_parse(r.text("action")?, "audit action")?,
        details: serde_json::from_str(&r.text("details")?).map_err(|_| corrupt("audit details"))?,
        prev_hash: r.text("prev_hash")?,
        hash: r.text("hash")?,
    })
}

/// An outbox row.
pub(crate) fn outbox_item(r: &impl Get) -> Result<OutboxItem> {
    let kind: MessageKind = enum_parse(r.text("kind")?, "outbox kind")?;
    let recipient = match r.opt_text("recipient")? {
        Some(s) => Some(HsaId::parse(&s).map_err(|_| corrupt("outbox recipient"))?),
        None => None,
    };
    Ok(OutboxItem {
        id: u64::try_from(r.int("id")?).map_err(|_| corrupt("outbox id"))?,
        message: OutboxMessage {
            order_number: order_number(r.int("order_number")?)?,
            kind,
            recipient,
            idempotency_key: r.text("idempotency_key")?,
        },
        attempts: u32::try_from(r.int("attempts")?).unwrap_or(u32::MAX),
        state: enum_parse::<DeliveryState>(r.text("state")?, "outbox state")?,
        next_attempt_at: from_us(r.int("next_attempt_at_us")?)?,
        last_error: r.opt_text("last_error")?,
    })
}
