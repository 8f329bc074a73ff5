//! A bounded cache of certificate chains that already passed path validation.
//!
//! Keyed by SHA-256 over the chain's bytes exactly as presented — the PEM texts or DER blobs a
//! caller passed to `verify_raw`/`verify_login`, or the certificates inside a CMS message — with
//! a tag for the kind of input, so a hit needs no PEM decoding and no X.509 parsing. The same
//! bytes always decode to the same chain, so a hit stands for the chain that was validated. The
//! verifier's trust anchors and CRLs are fixed for its lifetime, so the key also stands for "the
//! CRLs in force" (load new CRLs by building a new verifier). An entry records the interval in which its result holds — the
//! latest notBefore and thisUpdate, the earliest notAfter and nextUpdate of everything used — and
//! is used only for a check time inside it, so it never outlives a certificate or a CRL.
//! Only flawless chains are stored; the leaf's key usage, identity and the signature itself are
//! checked on every call.

use crate::cert::Certificate;
use sha2::Digest as _;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// A validated chain.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub leaf: Arc<Certificate>,
    pub revocation_checked: bool,
    pub valid_from: i64,
    pub valid_until: i64,
}

/// What the bytes of a cache key are.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// The certificate arguments of `verify_raw`/`verify_login` (PEM or DER each), leaf first.
    Inputs = 1,
    /// The DER certificates of a CMS SignedData, in the message's order.
    CmsCertificates = 2,
}

/// The cache key of a chain: SHA-256 over the kind, then each item's length and bytes.
pub(crate) fn key<'a>(kind: Kind, chain: impl IntoIterator<Item = &'a [u8]>) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update([kind as u8]);
    for der in chain {
        h.update((der.len() as u64).to_be_bytes());
        h.update(der);
    }
    h.finalize().into()
}

#[derive(Default)]
struct Inner {
    map: HashMap<[u8; 32], Entry>,
    order: VecDeque<[u8; 32]>,
}

/// First in, first out, at most `capacity` entries.
pub(crate) struct ChainCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl ChainCache {
    pub fn new(capacity: usize) -> Self {
        ChainCache { capacity, inner: Mutex::new(Inner::default()) }
    }

    /// The leaf of the entry for `key` and whether revocation was checked, if its result holds
    /// at `at`.
    pub fn get(&self, key: &[u8; 32], at: i64) -> Option<(Arc<Certificate>, bool)> {
        let inner = self.inner.lock().ok()?;
        let e = inner.map.get(key)?;
        (e.valid_from <= at && at < e.valid_until)
            .then(|| (Arc::clone(&e.leaf), e.revocation_checked))
    }

    pub fn put(&self, key: [u8; 32], entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.map.insert(key, entry).is_none() {
            inner.order.push_back(key);
        }
        while inner.map.len() > self.capacity {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.map.remove(&old);
                }
                None => break,
            }
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.map.len()).unwrap_or(0)
    }
}
