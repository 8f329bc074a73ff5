//! The audit log (R17): an entry per change of an order, hash-chained per order so that
//! tampering is detectable. Stores append; [`chain`] computes each entry's hash and
//! [`verify_chain`] names the first broken entry.
//!
//! The hash is SHA-256 over the canonical encoding: the JSON of [`AuditEntry`] without its
//! `hash` field, keys in declaration order, `details` with sorted keys (serde_json's default
//! map), times RFC 3339 UTC with microseconds.

use crate::id::{HsaId, OrderNumber};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The order was submitted.
    Submitted,
    /// R9: the attest step was skipped because the orderer is the attestant.
    AttestationSkipped,
    /// R11: the attestant was changed.
    AttestantChanged,
    /// The attestant approved with a signature (R13).
    Attested,
    /// The attestant rejected.
    Rejected,
    /// The orderer withdrew.
    Withdrawn,
    /// The service desk completed.
    Completed,
}

/// An audit event before it is chained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The order.
    pub order_number: OrderNumber,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: HsaId,
    /// What.
    pub action: AuditAction,
    /// Facts of the change (never credentials or a personnummer).
    pub details: serde_json::Value,
}

/// A chained audit entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the order's chain, from 0.
    pub seq: u64,
    /// The order.
    pub order_number: OrderNumber,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: HsaId,
    /// What.
    pub action: AuditAction,
    /// Facts of the change.
    pub details: serde_json::Value,
    /// Hash of the previous entry, hex; 64 zeros for the first.
    pub prev_hash: String,
    /// SHA-256 of this entry's canonical encoding, hex.
    pub hash: String,
}

/// The `prev_hash` of an order's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Serialize)]
struct Canonical<'a> {
    v: u32,
    seq: u64,
    order_number: &'a OrderNumber,
    at: String,
    actor: &'a HsaId,
    action: AuditAction,
    details: &'a serde_json::Value,
    prev_hash: &'a str,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditEntry {
    /// The canonical bytes the hash covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&Canonical {
            v: 1,
            seq: self.seq,
            order_number: &self.order_number,
            at: self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            actor: &self.actor,
            action: self.action,
            details: &self.details,
            prev_hash: &self.prev_hash,
        })
        .unwrap_or_default()
    }

    /// SHA-256 of the canonical bytes, hex.
    pub fn compute_hash(&self) -> String {
        hex(&Sha256::digest(self.canonical_bytes()))
    }
}

/// Chains `event` after `prev` (the order's last entry, or `None` for the first).
pub fn chain(prev: Option<&AuditEntry>, event: AuditEvent) -> AuditEntry {
    let mut e = AuditEntry {
        seq: prev.map_or(0, |p| p.seq + 1),
        order_number: event.order_number,
        at: event.at,
        actor: event.actor,
        action: event.action,
        details: event.details,
        prev_hash: prev.map_or_else(|| GENESIS.to_owned(), |p| p.hash.clone()),
        hash: String::new(),
    };
    e.hash = e.compute_hash();
    e
}

/// Verifies one order's chain, in order; `Err(i)` names the first entry whose hash, link or
/// position is wrong.
pub fn verify_chain(entries: &[AuditEntry]) -> Result<(), usize> {
    let mut prev_hash = GENESIS;
    for (i, e) in entries.iter().enumerate() {
        if e.seq != i as u64 || e.prev_hash != prev_hash || e.hash != e.compute_hash() {
            return Err(i);
        }
        prev_hash = &e.hash;
    }
    Ok(())
}

/// The audit answer of HTTP-API.md: `{"entries", "verified", "first_broken"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// The entries, oldest first.
    pub entries: Vec<AuditEntry>,
    /// Whether the chain verifies.
    pub verified: bool,
    /// The index of the first broken entry, if any.
    pub first_broken: Option<usize>,
}

impl AuditReport {
    /// Verifies `entries` and reports.
    pub fn of(entries: Vec<AuditEntry>) -> AuditReport {
        let result = verify_chain(&entries);
        AuditReport { verified: result.is_ok(), first_broken: result.err(), entries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64, action: AuditAction) -> AuditEvent {
        AuditEvent {
            order_number: OrderNumber::from_number(n).unwrap(),
            at: DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap(),
            actor: HsaId::parse("SE2321000131-P000000230147").unwrap(),
            action,
            details: serde_json::json!({"b": 1, "a": "x"}),
        }
    }

    #[test]
    fn a_chain_verifies_and_any_change_is_named() {
        let a = chain(None, event(1, AuditAction::Submitted));
        let b = chain(Some(&a), event(1, AuditAction::Attested));
        let c = chain(Some(&b), event(1, AuditAction::Completed));
        let entries = vec![a, b, c];
        assert_eq!(verify_chain(&entries), Ok(()));
        for i in 0..3 {
            let mut t = entries.clone();
            t[i].details = serde_json::json!({"tampered": true});
            assert_eq!(verify_chain(&t), Err(i));
            let mut t = entries.clone();
            t[i].actor = HsaId::parse("SE2321000131-P000000000001").unwrap();
            assert_eq!(verify_chain(&t), Err(i));
        }
        // Removing an entry breaks the link of the next one.
        let mut t = entries.clone();
        t.remove(1);
        assert_eq!(verify_chain(&t), Err(1));
        let report = AuditReport::of(entries);
        assert!(report.verified && report.first_broken.is_none());
    }
}
