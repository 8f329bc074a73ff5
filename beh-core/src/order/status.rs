//! The status machine (R16): the only place where an order's status changes.
//!
//! ```text
//! awaiting_attestation ──attest──▶ attested ──complete──▶ completed
//!          │ ├──reject──▶ rejected
//!          │ └──withdraw──▶ withdrawn
//!          └──change attestant──▶ awaiting_attestation
//! ```
//! `completed`, `rejected` and `withdrawn` are final.

use crate::error::{Code, Violation};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The status of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Väntar på attest.
    AwaitingAttestation,
    /// Attesterad (skickad till VGR IT).
    Attested,
    /// Avslutad.
    Completed,
    /// Avslagen.
    Rejected,
    /// Makulerad.
    Withdrawn,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::AwaitingAttestation,
        OrderStatus::Attested,
        OrderStatus::Completed,
        OrderStatus::Rejected,
        OrderStatus::Withdrawn,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingAttestation => "awaiting_attestation",
            OrderStatus::Attested => "attested",
            OrderStatus::Completed => "completed",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The Swedish label of the guide.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::AwaitingAttestation => "Väntar på attest",
            OrderStatus::Attested => "Attesterad (skickad till VGR IT)",
            OrderStatus::Completed => "Avslutad",
            OrderStatus::Rejected => "Avslagen",
            OrderStatus::Withdrawn => "Makulerad",
        }
    }

    /// Whether no event can leave this status.
    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Completed | OrderStatus::Rejected | OrderStatus::Withdrawn)
    }

    /// The status after `event`, or the typed refusal. This is the whole machine.
    pub fn after(self, event: Event) -> Result<OrderStatus, TransitionError> {
        use Event as E;
        use OrderStatus as S;
        match (self, event) {
            (S::AwaitingAttestation, E::Attest) => Ok(S::Attested),
            (S::AwaitingAttestation, E::Reject) => Ok(S::Rejected),
            (S::AwaitingAttestation, E::Withdraw) => Ok(S::Withdrawn),
            (S::AwaitingAttestation, E::ChangeAttestant) => Ok(S::AwaitingAttestation),
            (S::Attested, E::Complete) => Ok(S::Completed),
            (from, event) => Err(TransitionError { from, event }),
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happens to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The attestant approves (signed), or R9 skips the attest step.
    Attest,
    /// The attestant rejects.
    Reject,
    /// The orderer withdraws.
    Withdraw,
    /// The orderer assigns another attestant.
    ChangeAttestant,
    /// The service desk completes the work.
    Complete,
}

/// A transition the status machine does not allow (`invalid_transition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid transition: {event:?} from {from}")]
pub struct TransitionError {
    /// The status the order was in.
    pub from: OrderStatus,
    /// The event that was refused.
    pub event: Event,
}

impl From<TransitionError> for Violation {
    fn from(e: TransitionError) -> Self {
        Violation::new(Code::InvalidTransition, Some("status")).with_message(format!(
            "Beställningen har status \"{}\" och kan inte ändras så.",
            e.from.label()
        ))
    }
}

impl From<TransitionError> for crate::error::Error {
    fn from(e: TransitionError) -> Self {
        Violation::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: [Event; 5] =
        [Event::Attest, Event::Reject, Event::Withdraw, Event::ChangeAttestant, Event::Complete];

    #[test]
    fn allowed_transitions_are_exactly_r16() {
        let mut allowed = Vec::new();
        for s in OrderStatus::ALL {
            for e in EVENTS {
                if let Ok(to) = s.after(e) {
                    allowed.push((s, e, to));
                }
            }
        }
        use Event as E;
        use OrderStatus as S;
        assert_eq!(
            allowed,
            vec![
                (S::AwaitingAttestation, E::Attest, S::Attested),
                (S::AwaitingAttestation, E::Reject, S::Rejected),
                (S::AwaitingAttestation, E::Withdraw, S::Withdrawn),
                (S::AwaitingAttestation, E::ChangeAttestant, S::AwaitingAttestation),
                (S::Attested, E::Complete, S::Completed),
            ]
        );
    }

    #[test]
    fn final_states_refuse_every_event_with_invalid_transition() {
        for s in OrderStatus::ALL.into_iter().filter(|s| s.is_final()) {
            for e in EVENTS {
                let err = s.after(e).unwrap_err();
                assert_eq!(Violation::from(err).code, Code::InvalidTransition);
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
