//! In-memory implementations of the ports, for tests, examples and the demo server. They keep
//! the same contracts as the real adapters (the store tests of beh-store run against them too)
//! and record what they were asked.

use crate::audit::{chain, AuditEntry};
use crate::directory::{DirectoryData, Person, PersonKey, Unit};
use crate::error::{Code, Error, Result, Violation};
use crate::id::{HsaId, OrderNumber};
use crate::order::{apply_completed, Holding, Order, OrderStatus};
use crate::outbox::{DeliveryState, OutboxItem};
use crate::ports::{
    Challenge, Change, Clock, Directory, IdSource, OrderPage, OrderQuery, OrderStore, Outbox,
    SignatureCheck, SignatureVerifier, SignedDecision, TakenChallenge, VerifiedSignature,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A directory held in memory, e.g. [`DirectoryData::demo`].
#[derive(Debug)]
pub struct MemoryDirectory {
    data: DirectoryData,
    down: AtomicBool,
    /// Every key looked up, in order.
    pub asked: Mutex<Vec<PersonKey>>,
}

impl MemoryDirectory {
    /// A directory of `data`.
    pub fn new(data: DirectoryData) -> MemoryDirectory {
        MemoryDirectory { data, down: AtomicBool::new(false), asked: Mutex::new(Vec::new()) }
    }

    /// The demo directory of PRODUCT.md.
    pub fn demo() -> MemoryDirectory {
        MemoryDirectory::new(DirectoryData::demo())
    }

    /// Simulates an outage: every call answers `unavailable`.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<()> {
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::unavailable());
        }
        Ok(())
    }
}

#[async_trait]
impl Directory for MemoryDirectory {
    async fn person(&self, key: &PersonKey) -> Result<Option<Person>> {
        self.check()?;
        lock(&self.asked).push(key.clone());
        Ok(self
            .data
            .persons
            .iter()
            .find(|p| match key {
                PersonKey::Personnummer(n) => p.personnummer.as_ref() == Some(n),
                PersonKey::Passport(n) => p.passport.as_ref() == Some(n),
                PersonKey::HsaId(id) => &p.hsa_id == id,
                PersonKey::VgrId(v) => p.vgr_id.as_ref() == Some(v),
            })
            .cloned())
    }

    async fn unit(&self, hsa_id: &HsaId) -> Result<Option<Unit>> {
        self.check()?;
        Ok(self.data.units.iter().find(|u| &u.hsa_id == hsa_id).cloned())
    }

    async fn search_units(&self, q: &str, limit: usize) -> Result<Vec<Unit>> {
        self.check()?;
        let q = q.to_lowercase();
        let mut found: Vec<Unit> = self
            .data
            .units
            .iter()
            .filter(|u| {
                u.name.to_lowercase().contains(&q) || u.hsa_id.as_str().to_lowercase().contains(&q)
            })
            .cloned()
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found.truncate(limit);
        Ok(found)
    }

    async fn attestants(&self, administration: &str) -> Result<Vec<Person>> {
        self.check()?;
        let mut found: Vec<Person> =
            self.data.persons.iter().filter(|p| p.may_attest(administration)).cloned().collect();
        found.sort_by(|a, b| (&a.surname, &a.given_name).cmp(&(&b.surname, &b.given_name)));
        Ok(found)
    }

    async fn ping(&self) -> Result<()> {
        self.check()
    }
}

#[derive(Debug, Default)]
struct StoreState {
    next_number: u64,
    orders: BTreeMap<OrderNumber, Order>,
    audit: BTreeMap<OrderNumber, Vec<AuditEntry>>,
    holdings: HashMap<HsaId, Vec<Holding>>,
    outbox: Vec<OutboxItem>,
    challenges: HashMap<String, (Challenge, bool)>,
}

/// An order store, outbox and challenge store in memory, with the same atomicity as the real
/// ones: a change is applied whole under one lock or not at all.
#[derive(Debug)]
pub struct MemoryStore {
    state: Mutex<StoreState>,
    down: AtomicBool,
}

impl MemoryStore {
    /// An empty store whose first order number is `first`.
    pub fn new(first: u64) -> MemoryStore {
        MemoryStore {
            state: Mutex::new(StoreState { next_number: first.max(1), ..StoreState::default() }),
            down: AtomicBool::new(false),
        }
    }

    /// Simulates an outage: every call answers `unavailable`.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<()> {
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::unavailable());
        }
        Ok(())
    }

    /// Every outbox item, in insertion order.
    pub fn outbox_items(&self) -> Vec<OutboxItem> {
        lock(&self.state).outbox.clone()
    }

    /// Every stored order.
    pub fn orders(&self) -> Vec<Order> {
        lock(&self.state).orders.values().cloned().collect()
    }

    /// Overwrites a stored audit entry (to test tamper detection).
    pub fn tamper_audit(&self, number: OrderNumber, index: usize, details: serde_json::Value) {
        if let Some(e) = lock(&self.state).audit.get_mut(&number).and_then(|v| v.get_mut(index)) {
            e.details = details;
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new(36539)
    }
}

#[async_trait]
impl OrderStore for MemoryStore {
    async fn next_order_number(&self) -> Result<OrderNumber> {
        self.check()?;
        let mut s = lock(&self.state);
        let n =
            OrderNumber::from_number(s.next_number).ok_or_else(|| Error::code(Code::Internal))?;
        s.next_number += 1;
        Ok(n)
    }

    async fn write(&self, change: Change<'_>) -> Result<()> {
        self.check()?;
        let mut s = lock(&self.state);
        let order = change.order;
        let stored_version = s.orders.get(&order.number).map(|o| o.version);
        if stored_version != change.expected_version {
            return Err(Error::code(Code::Conflict));
        }
        let mut entries = s.audit.get(&order.number).cloned().unwrap_or_default();
        for event in change.events {
            let next = chain(entries.last(), event);
            entries.push(next);
        }
        s.audit.insert(order.number, entries);
        if order.status() == OrderStatus::Completed {
            let h = s.holdings.entry(order.end_user.hsa_id.clone()).or_default();
            apply_completed(h, order);
        }
        let now = order.ordered_at.max(order.completed_at.unwrap_or(order.ordered_at));
        for message in change.outbox {
            let id = s.outbox.len() as u64 + 1;
            s.outbox.push(OutboxItem {
                id,
                message,
                attempts: 0,
                state: DeliveryState::Pending,
                next_attempt_at: now,
                last_error: None,
            });
        }
        s.orders.insert(order.number, order.clone());
        Ok(())
    }

    async fn get(&self, number: OrderNumber) -> Result<Option<Order>> {
        self.check()?;
        Ok(lock(&self.state).orders.get(&number).cloned())
    }

    async fn search(&self, query: &OrderQuery) -> Result<OrderPage<Order>> {
        self.check()?;
        let s = lock(&self.state);
        let mut found: Vec<&Order> = s.orders.values().filter(|o| query.matches(o)).collect();
        found.sort_by_key(|o| std::cmp::Reverse((o.ordered_at, o.number)));
        let total = found.len() as u64;
        let per = query.per_page.max(1) as usize;
        let skip = (query.page.max(1) as usize - 1).saturating_mul(per);
        Ok(OrderPage {
            total,
            page: query.page,
            pages: OrderPage::<Order>::pages_for(total, query.per_page),
            items: found.into_iter().skip(skip).take(per).cloned().collect(),
        })
    }

    async fn holdings(&self, person: &HsaId) -> Result<Vec<Holding>> {
        self.check()?;
        Ok(lock(&self.state).holdings.get(person).cloned().unwrap_or_default())
    }

    async fn audit(&self, number: OrderNumber) -> Result<Vec<AuditEntry>> {
        self.check()?;
        Ok(lock(&self.state).audit.get(&number).cloned().unwrap_or_default())
    }

    async fn save_challenge(&self, challenge: &Challenge) -> Result<()> {
        self.check()?;
        lock(&self.state).challenges.insert(challenge.id.clone(), (challenge.clone(), false));
        Ok(())
    }

    async fn take_challenge(&self, id: &str) -> Result<TakenChallenge> {
        self.check()?;
        let mut s = lock(&self.state);
        Ok(match s.challenges.get_mut(id) {
            None => TakenChallenge::Unknown,
            Some((_, true)) => TakenChallenge::Used,
            Some((c, used)) => {
                *used = true;
                TakenChallenge::Fresh(c.clone())
            }
        })
    }

    async fn ping(&self) -> Result<()> {
        self.check()
    }
}

#[async_trait]
impl Outbox for MemoryStore {
    async fn claim(
        &self,
        _worker: &str,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>> {
        self.check()?;
        let s = lock(&self.state);
        Ok(s.outbox
            .iter()
            .filter(|i| i.state == DeliveryState::Pending && i.next_attempt_at <= now)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn delivered(&self, id: u64, _now: DateTime<Utc>) -> Result<()> {
        self.check()?;
        if let Some(i) = lock(&self.state).outbox.iter_mut().find(|i| i.id == id) {
            i.attempts += 1;
            i.state = DeliveryState::Delivered;
        }
        Ok(())
    }

    async fn failed(&self, id: u64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        self.check()?;
        if let Some(i) = lock(&self.state).outbox.iter_mut().find(|i| i.id == id) {
            i.attempts += 1;
            i.last_error = Some(error.to_owned());
            match retry_at {
                Some(t) => i.next_attempt_at = t,
                None => i.state = DeliveryState::Dead,
            }
        }
        Ok(())
    }

    async fn dead(&self) -> Result<Vec<OutboxItem>> {
        self.check()?;
        Ok(lock(&self.state)
            .outbox
            .iter()
            .filter(|i| i.state == DeliveryState::Dead)
            .cloned()
            .collect())
    }
}

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock at `now`.
    pub fn new(now: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(now))
    }

    /// Moves the clock.
    pub fn set(&self, now: DateTime<Utc>) {
        *lock(&self.0) = now;
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = lock(&self.0);
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *lock(&self.0)
    }
}

/// Sequential ids `ch-1`, `ch-2`, … (tests need reproducible ids, not secret ones).
#[derive(Debug, Default)]
pub struct SeqIds(AtomicU64);

impl IdSource for SeqIds {
    fn new_id(&self) -> String {
        format!("ch-{}", self.0.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

/// A test signature scheme with real checks, so core tests need no PKI: the "certificate" is
/// the text `test-cert:<HSA-id>` (prefix `test-cert-expired:` for an expired one), and the
/// signature is SHA-256 over the certificate text and the TBS. beh-sign does the real thing.
#[derive(Debug, Default)]
pub struct FakeVerifier;

impl FakeVerifier {
    /// The valid signature of `signer` over `tbs`.
    pub fn sign(signer: &HsaId, tbs: &[u8]) -> SignedDecision {
        let cert = format!("test-cert:{signer}");
        SignedDecision::Raw { signature: Self::mac(&cert, tbs), certificates: vec![cert] }
    }

    fn mac(cert: &str, tbs: &[u8]) -> Vec<u8> {
        let mut h = Sha256::new();
        h.update(cert.as_bytes());
        h.update([0u8]);
        h.update(tbs);
        h.finalize().to_vec()
    }
}

impl SignatureVerifier for FakeVerifier {
    fn verify(
        &self,
        check: &SignatureCheck<'_>,
    ) -> std::result::Result<VerifiedSignature, Vec<Violation>> {
        let (signature, certificates) = match check.signed {
            SignedDecision::Raw { signature, certificates } => (signature, certificates),
            SignedDecision::Cms { .. } => {
                return Err(vec![Violation::new(Code::SignatureInvalid, None)])
            }
        };
        let Some(cert) = certificates.first() else {
            return Err(vec![Violation::new(Code::CertificateUntrusted, None)]);
        };
        let (signer, expired) = if let Some(id) = cert.strip_prefix("test-cert:") {
            (id, false)
        } else if let Some(id) = cert.strip_prefix("test-cert-expired:") {
            (id, true)
        } else {
            return Err(vec![Violation::new(Code::CertificateUntrusted, None)]);
        };
        let Ok(signer) = HsaId::parse(signer) else {
            return Err(vec![Violation::new(Code::CertificateUntrusted, None)]);
        };
        let mut problems = Vec::new();
        if expired {
            problems.push(Violation::new(Code::CertificateExpired, None));
        }
        if &signer != check.expected_signer {
            problems.push(Violation::new(Code::SignerMismatch, None));
        }
        if signature != &Self::mac(cert, check.tbs) {
            problems.push(Violation::new(Code::SignatureInvalid, None));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(VerifiedSignature {
            signer_hsa_id: signer.clone(),
            subject: format!("serialNumber={signer}"),
            revocation_checked: false,
            certificate_sha256: Sha256::digest(cert.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
    }
}
