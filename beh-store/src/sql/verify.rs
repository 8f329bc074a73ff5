//! Audit verification for operators (`beh audit verify`): every order's chain, in batches.

use super::error::db;
use super::row::{self, Get};
use super::SqlStore;
use beh_core::audit::{verify_chain, AuditEntry};
use beh_core::error::Result;
use serde::{Deserialize, Serialize};

/// The first broken entry of one order's chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenChain {
    /// The order (its number as stored).
    pub order_number: i64,
    /// The index of the first broken entry in the chain (0 = the first entry).
    pub index: usize,
    /// The stored `seq` of that entry, when there is one.
    pub seq: Option<i64>,
    /// What is wrong, in words for operators.
    pub reason: String,
}

/// The result of verifying every chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    /// Orders checked.
    pub orders: u64,
    /// Entries checked.
    pub entries: u64,
    /// The orders whose chain is broken, by order number.
    pub broken: Vec<BrokenChain>,
}

impl AuditVerification {
    /// Whether every chain verifies.
    pub fn ok(&self) -> bool {
        self.broken.is_empty()
    }
}

/// One stored row: decoded, or undecodable (which is itself a break at that entry).
struct Raw {
    order_number: i64,
    seq: i64,
    entry: Option<AuditEntry>,
}

fn check(order_number: i64, rows: &[Raw]) -> Option<BrokenChain> {
    let mut entries = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        match &r.entry {
            Some(e) => entries.push(e.clone()),
            None => {
                // Entries before it may already be broken: report the earlier one.
                if let Err(j) = verify_chain(&entries) {
                    return Some(broken(order_number, rows, j, "hash, link or position wrong"));
                }
                return Some(broken(order_number, rows, i, "entry does not decode"));
            }
        }
    }
    verify_chain(&entries)
        .err()
        .map(|i| broken(order_number, rows, i, "hash, link or position wrong"))
}

fn broken(order_number: i64, rows: &[Raw], index: usize, reason: &str) -> BrokenChain {
    BrokenChain {
        order_number,
        index,
        seq: rows.get(index).map(|r| r.seq),
        reason: reason.to_owned(),
    }
}

const BATCH: i64 = 500;

pub(super) async fn verify_all(store: &SqlStore) -> Result<AuditVerification> {
    let mut report = AuditVerification::default();
    let mut after: i64 = -1;
    loop {
        let numbers: Vec<i64> = with_pool!(store, p => sqlx::query_scalar(
            "SELECT number FROM orders WHERE number > $1 ORDER BY number LIMIT $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(p)
        .await
        .map_err(db)?);
        let (Some(&lo), Some(&hi)) = (numbers.first(), numbers.last()) else {
            break;
        };
        let raws: Vec<Raw> = with_pool!(store, p => {
            let rows = sqlx::query(
                "SELECT order_number, seq, at_us, actor, action, details, prev_hash, hash \
                 FROM audit_log WHERE order_number >= $1 AND order_number <= $2 \
                 ORDER BY order_number, seq",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(p)
            .await
            .map_err(db)?;
            let mut raws = Vec::with_capacity(rows.len());
            for r in &rows {
                raws.push(Raw {
                    order_number: r.int("order_number")?,
                    seq: r.int("seq")?,
                    entry: row::audit_entry(r).ok(),
                });
            }
            raws
        });
        let mut rest = raws.as_slice();
        for &n in &numbers {
            let len = rest.iter().take_while(|r| r.order_number == n).count();
            let (mine, tail) = rest.split_at(len);
            rest = tail;
            report.orders += 1;
            report.entries += mine.len() as u64;
            if mine.is_empty() {
                report.broken.push(BrokenChain {
                    order_number: n,
                    index: 0,
                    seq: None,
                    reason: "no audit entries".to_owned(),
                });
            } else if let Some(b) = check(n, mine) {
                tracing::warn!(order_number = n, index = b.index, "audit chain broken");
                report.broken.push(b);
            }
        }
        after = hi;
    }
    Ok(report)
}
