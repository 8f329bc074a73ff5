//! The canonical, versioned to-be-signed (TBS) encoding of an attest decision and its Swedish
//! sign text (HTTP-API.md, "Signing").
//!
//! Version 1 is one line of JSON, UTF-8, no insignificant whitespace, keys in the fixed order of
//! [`TbsV1`] (and sorted within `details`), prefixed by nothing: the first key `"format"` names
//! the version, so a verifier can tell encodings apart without guessing.

use crate::catalog::Details;
use crate::id::{HsaId, OrderNumber};
use crate::order::{Order, PersonRef};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// The format name of version 1.
pub const FORMAT_V1: &str = "beh-attest-v1";

/// One line of the decision as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TbsLine {
    /// The line's id.
    pub line_id: u32,
    /// The permission's slug.
    pub permission: String,
    /// Its details.
    pub details: Details,
    /// Its care units.
    pub care_units: Vec<HsaId>,
}

/// The content of a version-1 TBS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TbsV1 {
    /// Always [`FORMAT_V1`].
    pub format: String,
    /// The order.
    pub order_number: OrderNumber,
    /// Always `approve`: only approvals are signed.
    pub decision: String,
    /// Lines approved.
    pub approved: Vec<TbsLine>,
    /// Lines removed (R12).
    pub removed: Vec<TbsLine>,
    /// The attestant's HSA-id.
    pub attestant_hsa_id: HsaId,
    /// The challenge id.
    pub challenge_id: String,
    /// Issue time, RFC 3339 UTC with microseconds.
    pub issued_at: String,
    /// The Swedish text shown to the signer.
    pub text: String,
}

impl TbsV1 {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a struct of strings, numbers and BTreeMaps cannot fail; an empty TBS would
        // never verify, which is the safe outcome.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses canonical bytes back; `None` unless they are exactly a version-1 encoding.
    pub fn from_bytes(bytes: &[u8]) -> Option<TbsV1> {
        let t: TbsV1 = serde_json::from_slice(bytes).ok()?;
        (t.format == FORMAT_V1 && t.to_bytes() == bytes).then_some(t)
    }
}

fn line(l: &crate::order::OrderLine) -> TbsLine {
    TbsLine {
        line_id: l.line_id,
        permission: l.permission.clone(),
        details: l.details.clone(),
        care_units: l.care_units.clone(),
    }
}

fn describe(l: &crate::order::OrderLine) -> String {
    let mut parts: Vec<String> = l
        .details
        .values()
        .map(|v| match v {
            crate::catalog::DetailValue::One(s) => s.clone(),
            crate::catalog::DetailValue::Many(items) => items.join(", "),
        })
        .collect();
    if !l.care_units.is_empty() {
        parts.push(format!(
            "vårdenheter {}",
            l.care_units.iter().map(HsaId::as_str).collect::<Vec<_>>().join(", ")
        ));
    }
    if parts.is_empty() {
        l.name.clone()
    } else {
        format!("{} ({})", l.name, parts.join("; "))
    }
}

/// The Swedish sign text for approving `order` with `remove` lines removed.
pub fn sign_text(order: &Order, attestant: &PersonRef, remove: &[u32]) -> String {
    let approved: Vec<String> =
        order.lines.iter().filter(|l| !remove.contains(&l.line_id)).map(describe).collect();
    let removed: Vec<String> =
        order.lines.iter().filter(|l| remove.contains(&l.line_id)).map(describe).collect();
    let mut text = format!(
        "Jag, {}, godkänner behörighetsbeställning {} ({}) för {}: {}.",
        attestant.display(),
        order.number,
        order.kind.label(),
        order.end_user.display(),
        approved.join(", ")
    );
    if !removed.is_empty() {
        text.push_str(&format!(" Borttagna behörigheter: {}.", removed.join(", ")));
    }
    text
}

/// Builds the version-1 TBS of approving `order` (all lines but `remove`).
pub fn encode_decision(
    order: &Order,
    remove: &[u32],
    challenge_id: &str,
    issued_at: DateTime<Utc>,
) -> TbsV1 {
    let attestant = &order.attestant;
    TbsV1 {
        format: FORMAT_V1.to_owned(),
        order_number: order.number,
        decision: "approve".to_owned(),
        approved: order.lines.iter().filter(|l| !remove.contains(&l.line_id)).map(line).collect(),
        removed: order.lines.iter().filter(|l| remove.contains(&l.line_id)).map(line).collect(),
        attestant_hsa_id: attestant.hsa_id.clone(),
        challenge_id: challenge_id.to_owned(),
        issued_at: issued_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        text: sign_text(order, attestant, remove),
    }
}
