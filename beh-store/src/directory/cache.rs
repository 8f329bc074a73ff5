//! A short-lived cache of unit look-ups (found and not found), bounded in size.

use beh_core::directory::Unit;
use beh_core::id::HsaId;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// More entries than this and the expired ones go; if none has, all go.
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct UnitCache {
    ttl: Duration,
    map: Mutex<HashMap<HsaId, (Instant, Option<Unit>)>>,
}

impl UnitCache {
    pub(crate) fn new(ttl: Duration) -> UnitCache {
        UnitCache { ttl, map: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<HsaId, (Instant, Option<Unit>)>> {
        // A panic while holding the lock cannot leave the map half-written.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(answer)` when a fresh answer is cached.
    pub(crate) fn get(&self, id: &HsaId) -> Option<Option<Unit>> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.lock();
        map.get(id).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, u)| u.clone())
    }

    pub(crate) fn put(&self, id: &HsaId, unit: Option<Unit>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(id.clone(), (Instant::now(), unit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_for_the_ttl_only() {
        let id = HsaId::parse("SE2321000131-E1").unwrap();
        let off = UnitCache::new(Duration::ZERO);
        off.put(&id, None);
        assert_eq!(off.get(&id), None);
        let on = UnitCache::new(Duration::from_millis(50));
        on.put(&id, None);
        assert_eq!(on.get(&id), Some(None));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(on.get(&id), None);
    }
}
