//! Messages an order change causes (mail to the attestant, ticket to the service desk, mail to
//! the orderer). They are written with the change in one transaction (transactional outbox) and
//! delivered later, at least once, by workers keyed on [`OutboxMessage::idempotency_key`].

use crate::id::{HsaId, OrderNumber};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What to deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Mail to the attestant: "du har en behörighetsbeställning att attestera".
    AttestationRequest,
    /// The ticket to the service desk (only after attestation, R14).
    Ticket,
    /// Mail to the orderer: "Din behörighetsansökan cNNNN är nu behandlad" (never credentials).
    Completed,
    /// Mail to the orderer with the attestant's comment.
    Rejected,
}

impl MessageKind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::AttestationRequest => "attestation_request",
            MessageKind::Ticket => "ticket",
            MessageKind::Completed => "completed",
            MessageKind::Rejected => "rejected",
        }
    }
}

/// One message to deliver. Workers load the order to render it, so the message carries no
/// personal data beyond the recipient's HSA-id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The order.
    pub order_number: OrderNumber,
    /// What.
    pub kind: MessageKind,
    /// To whom (a person's HSA-id); `None` for the service desk ticket.
    pub recipient: Option<HsaId>,
    /// Unique per message: the order, the kind and the order version that caused it.
    pub idempotency_key: String,
}

impl OutboxMessage {
    /// A message caused by the change that made `version` of the order.
    pub fn new(
        order_number: OrderNumber,
        version: u64,
        kind: MessageKind,
        recipient: Option<HsaId>,
    ) -> Self {
        OutboxMessage {
            order_number,
            kind,
            recipient,
            idempotency_key: format!("{order_number}:{}:v{version}", kind.as_str()),
        }
    }
}

/// The delivery state of a stored message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting (first try or a retry).
    Pending,
    /// Delivered.
    Delivered,
    /// Gave up after the configured number of attempts; operators must look.
    Dead,
}

/// A stored message as a worker sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Store id.
    pub id: u64,
    /// The message.
    pub message: OutboxMessage,
    /// Attempts so far.
    pub attempts: u32,
    /// State.
    pub state: DeliveryState,
    /// Not before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// Last error, for operators.
    pub last_error: Option<String>,
}

/// Retry policy: exponential back-off and a dead-letter limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts before a message is dead.
    pub max_attempts: u32,
    /// First delay, in seconds.
    pub base_delay_secs: u64,
    /// Longest delay, in seconds.
    pub max_delay_secs: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 10, base_delay_secs: 5, max_delay_secs: 3600 }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempts + 1`, or `None` when the message is dead.
    pub fn next_delay(&self, attempts: u32) -> Option<chrono::Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exp = 2u64.saturating_pow(attempts.saturating_sub(1));
        let secs = self.base_delay_secs.saturating_mul(exp).min(self.max_delay_secs);
        Some(chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_ends_in_dead_letter() {
        let p = RetryPolicy { max_attempts: 4, base_delay_secs: 5, max_delay_secs: 12 };
        assert_eq!(p.next_delay(1), Some(chrono::Duration::seconds(5)));
        assert_eq!(p.next_delay(2), Some(chrono::Duration::seconds(10)));
        assert_eq!(p.next_delay(3), Some(chrono::Duration::seconds(12)));
        assert_eq!(p.next_delay(4), None);
    }
}
