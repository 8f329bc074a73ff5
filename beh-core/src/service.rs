//! The application service: one function per use case, authorization (R15, R18) at the top of
//! each, rules from [`crate::rules`], status changes through [`crate::order`]'s status machine,
//! and every change written with its audit events and outbox messages in one store call.

use crate::audit::{AuditAction, AuditEvent, AuditReport};
use crate::catalog::{Administration, Catalog, Choice, Permission};
use crate::directory::{Person, PersonKey, Unit};
use crate::error::{Code, Error, ErrorClass, Result, Violation};
use crate::id::{HsaId, OrderNumber};
use crate::order::{
    check_decision, Attestation, Credentials, Holding, NewOrder, Order, OrderDraft, OrderLine,
    OrderStatus, OrderView, PersonRef,
};
use crate::outbox::{MessageKind, OutboxMessage};
use crate::ports::{
    Challenge, Change, Clock, Directory, IdSource, OrderPage, OrderQuery, OrderStore, Role,
    SignatureCheck, SignatureVerifier, SignedDecision, TakenChallenge, Visibility,
};
use crate::rules::{self, Facts, ValidDraft};
use crate::signing;
use crate::time::{stockholm_date, store_precision};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Longest rejection comment or completion note, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;
/// Longest credentials text, in characters.
pub const MAX_CREDENTIALS_CHARS: usize = 4000;

/// The logged-in person (or the service desk identity), resolved from the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The directory's record of the actor.
    pub person: Person,
}

impl Actor {
    /// The actor's HSA-id.
    pub fn hsa_id(&self) -> &HsaId {
        &self.person.hsa_id
    }

    /// Whether the actor is the service desk.
    pub fn is_service_desk(&self) -> bool {
        self.person.service_desk
    }

    /// The roles of GET /api/v1/me: `orderer`, `attestant`, `service_desk`.
    pub fn roles(&self) -> Vec<&'static str> {
        let mut r = Vec::new();
        if !self.person.administrations.is_empty() {
            r.push("orderer");
        }
        if !self.person.attest_for.is_empty() {
            r.push("attestant");
        }
        if self.person.service_desk {
            r.push("service_desk");
        }
        r
    }
}

/// GET /api/v1/me.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// HSA-id.
    pub hsa_id: HsaId,
    /// VGR-ID.
    pub vgr_id: Option<crate::id::VgrId>,
    /// Förnamn.
    pub given_name: String,
    /// Efternamn.
    pub surname: String,
    /// Administrations the actor may order for.
    pub administrations: Vec<Choice>,
    /// `orderer`, `attestant`, `service_desk`.
    pub roles: Vec<String>,
}

/// The attestant's decision before signing: lines to approve and to remove.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRequest {
    /// Lines approved (lines named nowhere are approved too).
    #[serde(default)]
    pub approve: Vec<u32>,
    /// Lines removed (R12).
    #[serde(default)]
    pub remove: Vec<u32>,
}

/// Settings of the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceConfig {
    /// How long a challenge may be answered.
    pub challenge_ttl: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig { challenge_ttl: Duration::minutes(5) }
    }
}

/// The ports the service runs over.
#[derive(Clone)]
pub struct Ports {
    /// KIV/HSA.
    pub directory: Arc<dyn Directory>,
    /// Orders, audit, outbox, challenges.
    pub store: Arc<dyn OrderStore>,
    /// R13.
    pub verifier: Arc<dyn SignatureVerifier>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Challenge ids.
    pub ids: Arc<dyn IdSource>,
}

/// The use cases of ordering and attesting access rights.
#[derive(Clone)]
pub struct OrderService {
    catalog: Arc<Catalog>,
    ports: Ports,
    config: ServiceConfig,
}

fn not_found() -> Error {
    Error::code(Code::OrderNotFound)
}

fn forbidden(msg: &str) -> Error {
    Error::of(ErrorClass::Forbidden, Violation::new(Code::Forbidden, None).with_message(msg))
}

fn bad_request(field: &str, msg: &str) -> Error {
    Error::of(ErrorClass::BadRequest, Violation::at(Code::BadRequest, field).with_message(msg))
}

fn clean_text(text: Option<&str>, field: &str, max: usize) -> Result<Option<String>> {
    let t = text.map(str::trim).filter(|t| !t.is_empty());
    match t {
        Some(t) if t.chars().count() > max => {
            Err(bad_request(field, &format!("Texten får vara högst {max} tecken.")))
        }
        _ => Ok(t.map(str::to_owned)),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `actor` may see `order` (R14, R18).
pub fn may_see(actor: &Actor, order: &Order) -> bool {
    if actor.is_service_desk() {
        return matches!(order.status(), OrderStatus::Attested | OrderStatus::Completed);
    }
    let me = actor.hsa_id();
    &order.orderer.hsa_id == me || &order.attestant.hsa_id == me || &order.end_user.hsa_id == me
}

impl OrderService {
    /// A service over `catalog` and `ports`.
    pub fn new(catalog: Catalog, ports: Ports, config: ServiceConfig) -> OrderService {
        OrderService { catalog: Arc::new(catalog), ports, config }
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The ports.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    fn now(&self) -> DateTime<Utc> {
        store_precision(self.ports.clock.now())
    }

    /// Today in Europe/Stockholm.
    pub fn today(&self) -> NaiveDate {
        stockholm_date(self.ports.clock.now())
    }

    /// Resolves an authenticated HSA-id to an actor; unknown people are `unauthenticated`.
    pub async fn actor(&self, hsa_id: &str) -> Result<Actor> {
        let id = HsaId::parse(hsa_id).map_err(|_| Error::code(Code::Unauthenticated))?;
        match self.ports.directory.person(&PersonKey::HsaId(id)).await? {
            Some(person) => Ok(Actor { person }),
            None => Err(Error::code(Code::Unauthenticated)),
        }
    }

    /// GET /api/v1/me.
    pub fn me(&self, actor: &Actor) -> Me {
        Me {
            hsa_id: actor.person.hsa_id.clone(),
            vgr_id: actor.person.vgr_id.clone(),
            given_name: actor.person.given_name.clone(),
            surname: actor.person.surname.clone(),
            administrations: self
                .administrations(actor)
                .into_iter()
                .map(|a| Choice { id: a.id, name: a.name })
                .collect(),
            roles: actor.roles().into_iter().map(str::to_owned).collect(),
        }
    }

    /// Looks up a person in KIV ("Sök fram användare"). 404-class `person_not_found` if absent.
    pub async fn find_person(&self, _actor: &Actor, key: &PersonKey) -> Result<Person> {
        self.ports.directory.person(key).await?.ok_or_else(|| {
            Error::of(ErrorClass::NotFound, Violation::new(Code::PersonNotFound, None))
        })
    }

    /// Administrations the actor may order for.
    pub fn administrations(&self, actor: &Actor) -> Vec<Administration> {
        self.catalog
            .administrations
            .iter()
            .filter(|a| actor.person.may_order_for(&a.id))
            .cloned()
            .collect()
    }

    /// The permissions of an administration; `unknown_administration` if there is none.
    pub fn catalog_of(&self, administration: &str) -> Result<Vec<Permission>> {
        let a = self.catalog.administration(administration).ok_or_else(|| {
            Error::rules(vec![Violation::at(Code::UnknownAdministration, "administration")])
        })?;
        Ok(self.catalog.permissions_of(a).cloned().collect())
    }

    /// People who may attest in an administration.
    pub async fn attestants(&self, administration: &str) -> Result<Vec<Person>> {
        if self.catalog.administration(administration).is_none() {
            return Err(Error::rules(vec![Violation::at(
                Code::UnknownAdministration,
                "administration",
            )]));
        }
        self.ports.directory.attestants(administration).await
    }

    /// KIV units matching `q` (name or HSA-id); an empty `q` lists the first 50.
    pub async fn care_units(&self, q: &str) -> Result<Vec<Unit>> {
        self.ports.directory.search_units(q.trim(), 50).await
    }

    /// What a person holds now (shown for Förändring / Avslut).
    pub async fn holdings(&self, _actor: &Actor, person: &HsaId) -> Result<Vec<Holding>> {
        self.ports.store.holdings(person).await
    }

    async fn facts_and_validate(&self, actor: &Actor, draft: &OrderDraft) -> Result<ValidDraft> {
        let today = self.today();
        let look = rules::lookups(draft, today);
        let dir = &self.ports.directory;
        let end_user = match &look.end_user {
            Some(k) => dir.person(k).await?,
            None => None,
        };
        let attestant = match &look.attestant {
            Some(id) => dir.person(&PersonKey::HsaId(id.clone())).await?,
            None => None,
        };
        let mut units = BTreeMap::new();
        for id in &look.units {
            if let Some(u) = dir.unit(id).await? {
                units.insert(id.clone(), u);
            }
        }
        let holdings = match &end_user {
            Some(p) => self.ports.store.holdings(&p.hsa_id).await?,
            None => Vec::new(),
        };
        let facts = Facts {
            catalog: &self.catalog,
            orderer: &actor.person,
            end_user: end_user.as_ref(),
            attestant: attestant.as_ref(),
            units: &units,
            holdings: &holdings,
            today,
        };
        rules::validate(draft, &facts)
    }

    /// POST /api/v1/orders/validate: every violation at once, or the resolved draft.
    pub async fn validate(&self, actor: &Actor, draft: &OrderDraft) -> Result<ValidDraft> {
        self.facts_and_validate(actor, draft).await
    }

    /// POST /api/v1/orders: validates and stores a new order; under R9 (orderer = attestant)
    /// it is attested at once, the attestant gets no mail and the ticket is queued.
    pub async fn submit(&self, actor: &Actor, draft: &OrderDraft) -> Result<Order> {
        let valid = self.facts_and_validate(actor, draft).await?;
        let now = self.now();
        let number = self.ports.store.next_order_number().await?;
        let mut end_user = PersonRef::of(&valid.end_user);
        end_user.personnummer = valid.end_user.personnummer.clone();
        let lines = valid
            .lines
            .iter()
            .zip(1u32..)
            .map(|(l, line_id)| OrderLine {
                line_id,
                permission: l.permission.id.clone(),
                name: l.permission.name.clone(),
                details: l.details.clone(),
                care_units: l.care_units.iter().map(|u| u.hsa_id.clone()).collect(),
                state: crate::order::LineState::Ordered,
            })
            .collect();
        let mut order = Order::submitted(
            NewOrder {
                number,
                kind: valid.kind,
                administration: valid.administration.id.clone(),
                end_user,
                orderer: PersonRef::of(&actor.person),
                attestant: PersonRef::of(&valid.attestant),
                workplace: valid.workplace.clone(),
                area: valid.area.clone(),
                operation: valid.operation.clone(),
                project: valid.project.clone(),
                start_date: valid.start_date,
                lines,
            },
            now,
        );
        let mut events = vec![self.event(
            &order,
            actor,
            AuditAction::Submitted,
            now,
            serde_json::json!({
                "kind": order.kind,
                "administration": order.administration,
                "end_user": order.end_user.hsa_id,
                "attestant": order.attestant.hsa_id,
                "permissions": order.lines.iter().map(|l| &l.permission).collect::<Vec<_>>(),
            }),
        )];
        let outbox = if valid.attestant.hsa_id == actor.person.hsa_id {
            order.skip_attestation(now)?;
            events.push(self.event(
                &order,
                actor,
                AuditAction::AttestationSkipped,
                now,
                serde_json::json!({
                    "rule": "R9",
                    "reason": "Beställaren är attestant: atteststeget utgår.",
                }),
            ));
            vec![OutboxMessage::new(number, order.version, MessageKind::Ticket, None)]
        } else {
            vec![OutboxMessage::new(
                number,
                order.version,
                MessageKind::AttestationRequest,
                Some(order.attestant.hsa_id.clone()),
            )]
        };
        self.ports
            .store
            .write(Change { order: &order, expected_version: None, events, outbox })
            .await?;
        Ok(order)
    }

    fn event(
        &self,
        order: &Order,
        actor: &Actor,
        action: AuditAction,
        at: DateTime<Utc>,
        details: serde_json::Value,
    ) -> AuditEvent {
        let mut details = details;
        if let Some(map) = details.as_object_mut() {
            map.insert("version".to_owned(), serde_json::json!(order.version));
            map.insert("status".to_owned(), serde_json::json!(order.status()));
        }
        AuditEvent {
            order_number: order.number,
            at,
            actor: actor.hsa_id().clone(),
            action,
            details,
        }
    }

    /// An order the actor may see, or `order_not_found` (its existence is not revealed).
    async fn visible(&self, actor: &Actor, number: OrderNumber) -> Result<Order> {
        match self.ports.store.get(number).await? {
            Some(o) if may_see(actor, &o) => Ok(o),
            _ => Err(not_found()),
        }
    }

    fn require_attestant(actor: &Actor, order: &Order) -> Result<()> {
        if actor.is_service_desk() || &order.attestant.hsa_id != actor.hsa_id() {
            return Err(Error::code(Code::NotAttestant));
        }
        Ok(())
    }

    fn require_awaiting(order: &Order) -> Result<()> {
        if order.status() != OrderStatus::AwaitingAttestation {
            let e = order.status().after(crate::order::Event::Attest).err();
            return Err(e.map(Error::from).unwrap_or_else(|| Error::code(Code::InvalidTransition)));
        }
        Ok(())
    }

    /// GET /api/v1/orders/{n}: credentials only for the orderer (R15).
    pub async fn get(&self, actor: &Actor, number: OrderNumber) -> Result<OrderView> {
        let order = self.visible(actor, number).await?;
        Ok(OrderView::of(&order, actor.hsa_id(), actor.is_service_desk()))
    }

    /// GET /api/v1/orders: the actor's history, newest first (R18).
    pub async fn search(
        &self,
        actor: &Actor,
        mut query: OrderQuery,
    ) -> Result<OrderPage<OrderView>> {
        query.visibility = if actor.is_service_desk() {
            Visibility::ServiceDesk
        } else {
            Visibility::Person(actor.hsa_id().clone())
        };
        if query.page == 0 {
            return Err(bad_request("page", "Sidnummer börjar på 1."));
        }
        if !(1..=100).contains(&query.per_page) {
            return Err(bad_request("per_page", "Antal per sida ska vara 1–100."));
        }
        let page = self.ports.store.search(&query).await?;
        Ok(OrderPage {
            total: page.total,
            page: page.page,
            pages: page.pages,
            items: page
                .items
                .iter()
                .map(|o| OrderView::of(o, actor.hsa_id(), actor.is_service_desk()))
                .collect(),
        })
    }

    /// The attestant's inbox: orders awaiting the actor's attestation.
    pub async fn inbox(&self, actor: &Actor, page: u32) -> Result<OrderPage<OrderView>> {
        let mut q = OrderQuery::all(Visibility::Person(actor.hsa_id().clone()));
        q.role = Some(Role::Attestant);
        q.status = Some(OrderStatus::AwaitingAttestation);
        q.page = page.max(1);
        self.search(actor, q).await
    }

    /// PUT /api/v1/orders/{n}/attestant (R11): the orderer assigns another attestant while the
    /// order awaits attestation; R8 and R10 hold for the new one.
    pub async fn change_attestant(
        &self,
        actor: &Actor,
        number: OrderNumber,
        attestant_hsa_id: &str,
    ) -> Result<Order> {
        let mut order = self.visible(actor, number).await?;
        if actor.is_service_desk() || &order.orderer.hsa_id != actor.hsa_id() {
            return Err(forbidden("Endast beställaren kan byta attestant."));
        }
        Self::require_awaiting(&order)?;
        let id = HsaId::parse(attestant_hsa_id.trim()).map_err(|mut v| {
            v.field = Some("attestant_hsa_id".to_owned());
            Error::rules(vec![v])
        })?;
        let new = self.ports.directory.person(&PersonKey::HsaId(id.clone())).await?;
        let mut v = Vec::new();
        v.extend(rules::r8_self_attestation(&id, &order.end_user.hsa_id));
        v.extend(rules::r10_attestant_authorized(new.as_ref(), &order.administration));
        let new = match new {
            Some(p) if v.is_empty() => p,
            _ => return Err(Error::rules(v)),
        };
        let before = order.version;
        let old = order.attestant.hsa_id.clone();
        order.change_attestant(PersonRef::of(&new))?;
        let now = self.now();
        let events = vec![self.event(
            &order,
            actor,
            AuditAction::AttestantChanged,
            now,
            serde_json::json!({
                "from": old, "to": order.attestant.hsa_id,
            }),
        )];
        let outbox = vec![OutboxMessage::new(
            number,
            order.version,
            MessageKind::AttestationRequest,
            Some(order.attestant.hsa_id.clone()),
        )];
        self.ports
            .store
            .write(Change { order: &order, expected_version: Some(before), events, outbox })
            .await?;
        Ok(order)
    }

    /// POST …/attestation/challenge: the to-be-signed bytes and Swedish text of a decision.
    pub async fn challenge(
        &self,
        actor: &Actor,
        number: OrderNumber,
        decision: &DecisionRequest,
    ) -> Result<Challenge> {
        let order = self.visible(actor, number).await?;
        Self::require_attestant(actor, &order)?;
        Self::require_awaiting(&order)?;
        let approve: BTreeSet<u32> = decision.approve.iter().copied().collect();
        let remove: BTreeSet<u32> = decision.remove.iter().copied().collect();
        for (i, id) in decision.approve.iter().enumerate() {
            if !order.lines.iter().any(|l| l.line_id == *id) {
                return Err(bad_request(
                    &format!("approve[{i}]"),
                    "Raden finns inte i beställningen.",
                ));
            }
        }
        if approve.intersection(&remove).next().is_some() {
            return Err(bad_request("remove", "En rad kan inte både godkännas och tas bort."));
        }
        let remove: Vec<u32> = remove.into_iter().collect();
        check_decision(&order, &remove)?;
        let now = self.now();
        let id = self.ports.ids.new_id();
        let tbs = signing::encode_decision(&order, &remove, &id, now);
        let challenge = Challenge {
            id,
            order_number: number,
            order_version: order.version,
            attestant: actor.hsa_id().clone(),
            remove,
            issued_at: now,
            expires_at: now + self.config.challenge_ttl,
            tbs: tbs.to_bytes(),
            text: tbs.text,
        };
        self.ports.store.save_challenge(&challenge).await?;
        Ok(challenge)
    }

    /// POST …/attestation: checks R13 and approves. Every attempt by the attestant consumes
    /// the challenge, valid or not.
    pub async fn attest(
        &self,
        actor: &Actor,
        number: OrderNumber,
        challenge_id: &str,
        signed: &SignedDecision,
    ) -> Result<Order> {
        let mut order = self.visible(actor, number).await?;
        Self::require_attestant(actor, &order)?;
        let now = self.now();
        let challenge = match self.ports.store.take_challenge(challenge_id).await? {
            TakenChallenge::Fresh(c) => c,
            TakenChallenge::Used => return Err(Error::code(Code::ChallengeUsed)),
            TakenChallenge::Unknown => {
                return Err(Error::rules(vec![Violation::at(
                    Code::ChallengeExpired,
                    "challenge_id",
                )]))
            }
        };
        if challenge.order_number != number || &challenge.attestant != actor.hsa_id() {
            return Err(Error::rules(vec![Violation::at(Code::ChallengeExpired, "challenge_id")
                .with_message("Signeringsunderlaget hör inte till denna beställning.")]));
        }
        if now > challenge.expires_at {
            return Err(Error::rules(vec![Violation::at(Code::ChallengeExpired, "challenge_id")]));
        }
        Self::require_awaiting(&order)?;
        if order.version != challenge.order_version {
            return Err(Error::code(Code::Conflict));
        }
        let verified = self
            .ports
            .verifier
            .verify(&SignatureCheck {
                tbs: &challenge.tbs,
                signed,
                expected_signer: actor.hsa_id(),
                at: now,
            })
            .map_err(Error::rules)?;
        if &verified.signer_hsa_id != actor.hsa_id() {
            return Err(Error::rules(vec![Violation::new(Code::SignerMismatch, None)]));
        }
        let attestation = Attestation::Signed {
            challenge_id: challenge.id.clone(),
            signer_hsa_id: verified.signer_hsa_id.clone(),
            subject: verified.subject.clone(),
            certificate_sha256: verified.certificate_sha256.clone(),
            tbs_sha256: sha256_hex(&challenge.tbs),
            revocation_checked: verified.revocation_checked,
        };
        order.attest(&challenge.remove, attestation.clone(), now)?;
        let events = vec![self.event(
            &order,
            actor,
            AuditAction::Attested,
            now,
            serde_json::json!({
                "signature": attestation,
                "removed": challenge.remove,
            }),
        )];
        let outbox = vec![OutboxMessage::new(number, order.version, MessageKind::Ticket, None)];
        self.ports
            .store
            .write(Change {
                order: &order,
                expected_version: Some(challenge.order_version),
                events,
                outbox,
            })
            .await?;
        Ok(order)
    }

    /// POST …/rejection: the attestant rejects with an optional comment (mailed to the orderer).
    pub async fn reject(
        &self,
        actor: &Actor,
        number: OrderNumber,
        comment: Option<&str>,
    ) -> Result<Order> {
        let mut order = self.visible(actor, number).await?;
        Self::require_attestant(actor, &order)?;
        Self::require_awaiting(&order)?;
        let comment = clean_text(comment, "comment", MAX_COMMENT_CHARS)?;
        let before = order.version;
        let now = self.now();
        order.reject(comment.clone(), now)?;
        let events = vec![self.event(
            &order,
            actor,
            AuditAction::Rejected,
            now,
            serde_json::json!({"comment": comment}),
        )];
        let outbox = vec![OutboxMessage::new(
            number,
            order.version,
            MessageKind::Rejected,
            Some(order.orderer.hsa_id.clone()),
        )];
        self.ports
            .store
            .write(Change { order: &order, expected_version: Some(before), events, outbox })
            .await?;
        Ok(order)
    }

    /// POST …/withdrawal: the orderer withdraws while the order awaits attestation.
    pub async fn withdraw(&self, actor: &Actor, number: OrderNumber) -> Result<Order> {
        let mut order = self.visible(actor, number).await?;
        if actor.is_service_desk() || &order.orderer.hsa_id != actor.hsa_id() {
            return Err(forbidden("Endast beställaren kan makulera beställningen."));
        }
        Self::require_awaiting(&order)?;
        let before = order.version;
        let now = self.now();
        order.withdraw(now)?;
        let events =
            vec![self.event(&order, actor, AuditAction::Withdrawn, now, serde_json::json!({}))];
        self.ports
            .store
            .write(Change {
                order: &order,
                expected_version: Some(before),
                events,
                outbox: Vec::new(),
            })
            .await?;
        Ok(order)
    }

    /// POST …/completion: the service desk records the work done, with credentials that only
    /// the orderer will read; the orderer gets a mail without them.
    pub async fn complete(
        &self,
        actor: &Actor,
        number: OrderNumber,
        note: Option<&str>,
        credentials: Option<&str>,
    ) -> Result<Order> {
        let mut order = self.visible(actor, number).await?;
        if !actor.is_service_desk() {
            return Err(forbidden("Endast servicedesken kan avsluta beställningen."));
        }
        if order.status() != OrderStatus::Attested {
            return Err(order
                .status()
                .after(crate::order::Event::Complete)
                .err()
                .map(Error::from)
                .unwrap_or_else(|| Error::code(Code::InvalidTransition)));
        }
        let note = clean_text(note, "note", MAX_COMMENT_CHARS)?;
        let credentials =
            clean_text(credentials, "credentials", MAX_CREDENTIALS_CHARS)?.map(Credentials::new);
        let before = order.version;
        let now = self.now();
        order.complete(note, credentials, now)?;
        let events = vec![self.event(
            &order,
            actor,
            AuditAction::Completed,
            now,
            serde_json::json!({
                "has_credentials": order.has_credentials,
            }),
        )];
        let outbox = vec![OutboxMessage::new(
            number,
            order.version,
            MessageKind::Completed,
            Some(order.orderer.hsa_id.clone()),
        )];
        self.ports
            .store
            .write(Change { order: &order, expected_version: Some(before), events, outbox })
            .await?;
        Ok(order)
    }

    /// GET …/audit: the entries and whether the chain verifies.
    pub async fn audit(&self, actor: &Actor, number: OrderNumber) -> Result<AuditReport> {
        self.visible(actor, number).await?;
        Ok(AuditReport::of(self.ports.store.audit(number).await?))
    }

    /// Readiness: the store and the directory answer.
    pub async fn ready(&self) -> Result<()> {
        self.ports.store.ping().await?;
        self.ports.directory.ping().await
    }
}
