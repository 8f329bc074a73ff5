//! Orders: kinds, lines, the order itself, the view a caller gets, and holdings (R7).

mod draft;
mod status;

pub use draft::{DraftLine, EndUserRef, OrderDraft};
pub use status::{Event, OrderStatus, TransitionError};

use crate::catalog::Details;
use crate::directory::Person;
use crate::error::{Code, Error, Violation};
use crate::id::{HsaId, OrderNumber, Personnummer, Slug, VgrId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Nyupplägg, Förändring or Avslut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// Nyupplägg: the end user does not hold the permission yet.
    New,
    /// Förändring: change the details of a held permission.
    Change,
    /// Avslut: remove a held permission.
    Termination,
}

impl OrderKind {
    /// Every kind.
    pub const ALL: [OrderKind; 3] = [OrderKind::New, OrderKind::Change, OrderKind::Termination];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::New => "new",
            OrderKind::Change => "change",
            OrderKind::Termination => "termination",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<OrderKind> {
        OrderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Swedish label of the guide.
    pub fn label(self) -> &'static str {
        match self {
            OrderKind::New => "Nyupplägg",
            OrderKind::Change => "Förändring",
            OrderKind::Termination => "Avslut",
        }
    }
}

/// The state of one line of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    /// Ordered, not yet decided.
    Ordered,
    /// Approved by the attestant (or by R9).
    Approved,
    /// Removed by the attestant before approval (R12).
    Removed,
}

/// One permission of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The line's id within its order, from 1.
    pub line_id: u32,
    /// The permission's slug.
    pub permission: Slug,
    /// The permission's display name when ordered.
    pub name: String,
    /// Its details.
    pub details: Details,
    /// Care units (HSA-ids), for national care services.
    pub care_units: Vec<HsaId>,
    /// Ordered, approved or removed.
    pub state: LineState,
}

/// A person as an order records them (copied from the directory at the time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    /// HSA-id.
    pub hsa_id: HsaId,
    /// VGR-ID, if any.
    pub vgr_id: Option<VgrId>,
    /// Förnamn.
    pub given_name: String,
    /// Efternamn.
    pub surname: String,
    /// Titel.
    #[serde(default)]
    pub title: Option<String>,
    /// Personnummer (the end user's, for the service desk; absent for others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personnummer: Option<Personnummer>,
}

impl PersonRef {
    /// The reference of a directory person, without personnummer.
    pub fn of(p: &Person) -> PersonRef {
        PersonRef {
            hsa_id: p.hsa_id.clone(),
            vgr_id: p.vgr_id.clone(),
            given_name: p.given_name.clone(),
            surname: p.surname.clone(),
            title: p.title.clone(),
            personnummer: None,
        }
    }

    /// "Förnamn Efternamn (vgr-id)".
    pub fn display(&self) -> String {
        match &self.vgr_id {
            Some(v) => format!("{} {} ({})", self.given_name, self.surname, v),
            None => format!("{} {}", self.given_name, self.surname),
        }
    }
}

/// Login credentials (Inloggningsuppgifter, R15): only the orderer may read them; `Debug` and
/// `Display` never show them, and [`Order`] never serializes them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Credentials(String);

impl Credentials {
    /// Wraps a secret text.
    pub fn new(text: impl Into<String>) -> Credentials {
        Credentials(text.into())
    }

    /// The secret text: call only where the orderer is reading it or the store encrypts it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(***)")
    }
}

/// How an order got attested: signed (R13) or skipped (R9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Attestation {
    /// The orderer is the attestant: the attest step was skipped (R9).
    Skipped {
        /// Why, in words for the audit log.
        reason: String,
    },
    /// Signed with the attestant's SITHS card.
    Signed {
        /// The challenge the signature answered.
        challenge_id: String,
        /// The signer's HSA-id from the certificate.
        signer_hsa_id: HsaId,
        /// The signer certificate's subject.
        subject: String,
        /// SHA-256 of the signer certificate, hex.
        certificate_sha256: String,
        /// SHA-256 of the to-be-signed bytes, hex.
        tbs_sha256: String,
        /// Whether revocation was checked against a current CRL.
        revocation_checked: bool,
    },
}

/// An order. Its status changes only through the methods below, which run the status machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Ordernummer.
    pub number: OrderNumber,
    /// Optimistic-concurrency version: 1 at submission, +1 on every change.
    pub version: u64,
    /// Nyupplägg / Förändring / Avslut.
    pub kind: OrderKind,
    status: OrderStatus,
    /// Förvaltning (slug).
    pub administration: Slug,
    /// Slutanvändare.
    pub end_user: PersonRef,
    /// Beställare.
    pub orderer: PersonRef,
    /// Attestant.
    pub attestant: PersonRef,
    /// Arbetsplats.
    pub workplace: String,
    /// Område (slug).
    pub area: Slug,
    /// Verksamhet (slug).
    pub operation: Slug,
    /// Projekt (slug).
    pub project: Option<Slug>,
    /// Startdatum.
    pub start_date: NaiveDate,
    /// Beställd.
    pub ordered_at: DateTime<Utc>,
    /// When it was attested (or the attest step skipped).
    pub attested_at: Option<DateTime<Utc>>,
    /// When it was rejected or withdrawn.
    pub closed_at: Option<DateTime<Utc>>,
    /// When the service desk completed it.
    pub completed_at: Option<DateTime<Utc>>,
    /// The permissions.
    pub lines: Vec<OrderLine>,
    /// Kommentar vid avslag.
    pub rejection_comment: Option<String>,
    /// The service desk's note (Återkopplingsinfo).
    pub completion_note: Option<String>,
    /// How it was attested.
    pub attestation: Option<Attestation>,
    /// Whether the service desk left credentials.
    pub has_credentials: bool,
    /// The credentials; never serialized with the order (stores keep them encrypted apart).
    #[serde(skip)]
    pub credentials: Option<Credentials>,
}

/// The facts a new order is made of (after validation).
#[derive(Clone, Debug)]
pub struct NewOrder {
    /// The number the store handed out.
    pub number: OrderNumber,
    /// Kind.
    pub kind: OrderKind,
    /// Administration slug.
    pub administration: Slug,
    /// End user.
    pub end_user: PersonRef,
    /// Orderer.
    pub orderer: PersonRef,
    /// Attestant.
    pub attestant: PersonRef,
    /// Workplace.
    pub workplace: String,
    /// Area slug.
    pub area: Slug,
    /// Operation slug.
    pub operation: Slug,
    /// Project slug.
    pub project: Option<Slug>,
    /// Start date.
    pub start_date: NaiveDate,
    /// Lines (state `ordered`).
    pub lines: Vec<OrderLine>,
}

impl Order {
    /// A freshly submitted order, awaiting attestation, version 1.
    pub fn submitted(n: NewOrder, now: DateTime<Utc>) -> Order {
        Order {
            number: n.number,
            version: 1,
            kind: n.kind,
            status: OrderStatus::AwaitingAttestation,
            administration: n.administration,
            end_user: n.end_user,
            orderer: n.orderer,
            attestant: n.attestant,
            workplace: n.workplace,
            area: n.area,
            operation: n.operation,
            project: n.project,
            start_date: n.start_date,
            ordered_at: now,
            attested_at: None,
            closed_at: None,
            completed_at: None,
            lines: n.lines,
            rejection_comment: None,
            completion_note: None,
            attestation: None,
            has_credentials: false,
            credentials: None,
        }
    }

    /// The status.
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    fn apply(&mut self, event: Event) -> Result<(), TransitionError> {
        self.status = self.status.after(event)?;
        self.version += 1;
        Ok(())
    }

    /// R9: the orderer is the attestant; every line is approved without a signature.
    pub fn skip_attestation(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.apply(Event::Attest)?;
        for line in &mut self.lines {
            line.state = LineState::Approved;
        }
        self.attested_at = Some(now);
        self.attestation = Some(Attestation::Skipped {
            reason: "Beställaren är attestant: atteststeget utgår (R9).".to_owned(),
        });
        Ok(())
    }

    /// The attestant's signed decision: `remove` lines are removed, the rest approved (R12).
    pub fn attest(
        &mut self,
        remove: &[u32],
        attestation: Attestation,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        check_decision(self, remove)?;
        self.apply(Event::Attest)?;
        for line in &mut self.lines {
            line.state = if remove.contains(&line.line_id) {
                LineState::Removed
            } else {
                LineState::Approved
            };
        }
        self.attested_at = Some(now);
        self.attestation = Some(attestation);
        Ok(())
    }

    /// The attestant rejects the whole order.
    pub fn reject(
        &mut self,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.apply(Event::Reject)?;
        self.rejection_comment = comment;
        self.closed_at = Some(now);
        Ok(())
    }

    /// The orderer withdraws the order.
    pub fn withdraw(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.apply(Event::Withdraw)?;
        self.closed_at = Some(now);
        Ok(())
    }

    /// R11: another attestant.
    pub fn change_attestant(&mut self, attestant: PersonRef) -> Result<(), TransitionError> {
        self.apply(Event::ChangeAttestant)?;
        self.attestant = attestant;
        Ok(())
    }

    /// The service desk completes the work, with a note and possibly credentials.
    pub fn complete(
        &mut self,
        note: Option<String>,
        credentials: Option<Credentials>,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.apply(Event::Complete)?;
        self.completion_note = note;
        self.has_credentials = credentials.is_some();
        self.credentials = credentials;
        self.completed_at = Some(now);
        Ok(())
    }

    /// The lines that were approved.
    pub fn approved_lines(&self) -> impl Iterator<Item = &OrderLine> {
        self.lines.iter().filter(|l| l.state == LineState::Approved)
    }
}

/// Checks a decision against the order's lines: every id known, at least one left (R12).
pub fn check_decision(order: &Order, remove: &[u32]) -> Result<(), Error> {
    for (i, id) in remove.iter().enumerate() {
        if !order.lines.iter().any(|l| l.line_id == *id) {
            return Err(Error::of(
                crate::error::ErrorClass::BadRequest,
                Violation::at(Code::BadRequest, format!("remove[{i}]"))
                    .with_message("Raden finns inte i beställningen."),
            ));
        }
    }
    if order.lines.iter().all(|l| remove.contains(&l.line_id)) {
        return Err(Error::rules(vec![Violation::at(Code::NothingToApprove, "remove")]));
    }
    Ok(())
}

/// What a caller gets when reading an order: credentials only for the orderer (R15).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderView {
    /// Ordernummer.
    pub order_number: OrderNumber,
    /// Kind.
    pub kind: OrderKind,
    /// Status.
    pub status: OrderStatus,
    /// Administration slug.
    pub administration: Slug,
    /// Slutanvändare.
    pub end_user: PersonRef,
    /// Beställare.
    pub orderer: PersonRef,
    /// Attestant.
    pub attestant: PersonRef,
    /// Arbetsplats.
    pub workplace: String,
    /// Område.
    pub area: Slug,
    /// Verksamhet.
    pub operation: Slug,
    /// Projekt.
    pub project: Option<Slug>,
    /// Startdatum.
    pub start_date: NaiveDate,
    /// Beställd.
    pub ordered_at: DateTime<Utc>,
    /// Attested.
    pub attested_at: Option<DateTime<Utc>>,
    /// Rejected or withdrawn.
    pub closed_at: Option<DateTime<Utc>>,
    /// Completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Kommentar vid avslag.
    pub rejection_comment: Option<String>,
    /// The service desk's note.
    pub completion_note: Option<String>,
    /// How it was attested.
    pub attestation: Option<Attestation>,
    /// Whether there are credentials.
    pub has_credentials: bool,
    /// Credentials: present only for the orderer, and only when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    /// Version, for clients that want to show staleness.
    pub version: u64,
}

impl OrderView {
    /// The view of `order` for `viewer`; credentials only when the viewer is the orderer, and
    /// the end user's personnummer only for the orderer and the service desk.
    pub fn of(order: &Order, viewer: &HsaId, service_desk: bool) -> OrderView {
        let is_orderer = !service_desk && &order.orderer.hsa_id == viewer;
        let mut end_user = order.end_user.clone();
        if !(is_orderer || service_desk) {
            end_user.personnummer = None;
        }
        OrderView {
            order_number: order.number,
            kind: order.kind,
            status: order.status,
            administration: order.administration.clone(),
            end_user,
            orderer: order.orderer.clone(),
            attestant: order.attestant.clone(),
            workplace: order.workplace.clone(),
            area: order.area.clone(),
            operation: order.operation.clone(),
            project: order.project.clone(),
            start_date: order.start_date,
            ordered_at: order.ordered_at,
            attested_at: order.attested_at,
            closed_at: order.closed_at,
            completed_at: order.completed_at,
            lines: order.lines.clone(),
            rejection_comment: order.rejection_comment.clone(),
            completion_note: order.completion_note.clone(),
            attestation: order.attestation.clone(),
            has_credentials: order.has_credentials,
            credentials: if is_orderer { order.credentials.clone() } else { None },
            version: order.version,
        }
    }
}

/// A permission the end user holds now (R7): the result of completed orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// The permission's slug.
    pub permission: Slug,
    /// Its current details.
    pub details: Details,
    /// Care units, for national care services.
    #[serde(default)]
    pub care_units: Vec<HsaId>,
    /// The completed order that last set it.
    pub since_order: OrderNumber,
}

/// Applies a completed order to a person's holdings: `new` adds, `change` replaces details,
/// `termination` removes — only the approved lines. Orders must be applied in completion order.
pub fn apply_completed(holdings: &mut Vec<Holding>, order: &Order) {
    if order.status != OrderStatus::Completed {
        return;
    }
    for line in order.approved_lines() {
        holdings.retain(|h| h.permission != line.permission);
        if order.kind != OrderKind::Termination {
            holdings.push(Holding {
                permission: line.permission.clone(),
                details: line.details.clone(),
                care_units: line.care_units.clone(),
                since_order: order.number,
            });
        }
    }
    holdings.sort_by(|a, b| a.permission.cmp(&b.permission));
}
