//! The shared LDAP connection: made on first use (connect, StartTLS, bind), used by every
//! request at once (LDAP multiplexes operations by message id), and made anew when it breaks.

use super::config::Checked;
use super::error::DirectoryError;
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use std::future::Future;
use tokio::sync::Mutex;
use tokio::time::{timeout, Instant};

/// LDAP result code sizeLimitExceeded: the entries so far are still good.
const SIZE_LIMIT_EXCEEDED: u32 = 4;

struct Slot {
    /// Counts connections made, so that a failure drops only the connection it happened on.
    generation: u64,
    ldap: Option<Ldap>,
    /// The last failed attempt to connect: callers that waited for it share its answer
    /// instead of each waiting out a timeout of their own in turn.
    failed: Option<(Instant, DirectoryError)>,
}

pub(crate) struct Connection {
    config: Checked,
    slot: Mutex<Slot>,
}

impl Connection {
    pub(crate) fn new(config: Checked) -> Connection {
        Connection { config, slot: Mutex::new(Slot { generation: 0, ldap: None, failed: None }) }
    }

    pub(crate) fn config(&self) -> &Checked {
        &self.config
    }

    /// The shared connection, made if there is none: `(generation, handle, fresh)`.
    async fn get(&self) -> Result<(u64, Ldap, bool), DirectoryError> {
        // Callers wait here while one of them connects, rather than all connecting at once.
        let asked = Instant::now();
        let mut slot = self.slot.lock().await;
        let generation = slot.generation;
        if let Some(ldap) = slot.ldap.as_mut() {
            if !ldap.is_closed() {
                return Ok((generation, ldap.clone(), false));
            }
        }
        slot.ldap = None;
        if let Some((at, e)) = &slot.failed {
            if *at >= asked {
                return Err(e.clone());
            }
        }
        let ms = self.config.config.connect_timeout_ms;
        let made = match timeout(self.config.connect_timeout, self.connect()).await {
            Ok(r) => r,
            Err(_) => Err(DirectoryError::Timeout { ms }),
        };
        let ldap = match made {
            Ok(ldap) => ldap,
            Err(e) => {
                slot.failed = Some((Instant::now(), e.clone()));
                return Err(e);
            }
        };
        slot.failed = None;
        slot.generation = slot.generation.wrapping_add(1);
        slot.ldap = Some(ldap.clone());
        Ok((slot.generation, ldap, true))
    }

    async fn connect(&self) -> Result<Ldap, DirectoryError> {
        let c = &self.config;
        let settings = LdapConnSettings::new()
            .set_conn_timeout(c.connect_timeout)
            .set_starttls(c.config.starttls);
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &c.config.url)
            .await
            .map_err(|e| DirectoryError::Connection(e.to_string()))?;
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "LDAP connection ended");
            }
        });
        if let Some((dn, password)) = &c.bind {
            // Refused again here, in case a Checked was ever built another way: an empty
            // password is an unauthenticated bind that servers answer with success.
            if password.is_empty() {
                return Err(DirectoryError::Config("the bind password is empty".into()));
            }
            let result =
                ldap.with_timeout(c.connect_timeout).simple_bind(dn, password).await.map_err(
                    |e| match DirectoryError::from(e) {
                        DirectoryError::Timeout { .. } => {
                            DirectoryError::Timeout { ms: c.config.connect_timeout_ms }
                        }
                        other => other,
                    },
                )?;
            // `simple_bind` is Ok for any answer; only `success()` looks at the result code.
            result.success().map_err(|e| match e {
                ldap3::LdapError::LdapResult { result } => {
                    DirectoryError::Bind { dn: dn.clone(), rc: result.rc, text: result.text }
                }
                other => DirectoryError::Connection(other.to_string()),
            })?;
        }
        Ok(ldap)
    }

    /// Forgets the connection of `generation` if it is still the shared one.
    async fn drop_connection(&self, generation: u64) {
        let mut slot = self.slot.lock().await;
        if slot.generation == generation {
            if let Some(mut ldap) = slot.ldap.take() {
                // Best effort: tell the server; the driver task ends with the last handle.
                drop(tokio::spawn(async move { ldap.unbind().await }));
            }
        }
    }

    /// Runs `op` on the shared connection within the operation timeout; a broken connection
    /// is dropped, and a reused one that turns out closed is tried once more on a fresh one.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, DirectoryError>
    where
        F: Fn(Ldap) -> Fut,
        Fut: Future<Output = Result<T, DirectoryError>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            let (generation, ldap, fresh) = self.get().await?;
            let result = match timeout(self.config.timeout, op(ldap)).await {
                Ok(r) => r,
                Err(_) => Err(DirectoryError::Timeout { ms: self.config.config.timeout_ms }),
            };
            match result {
                Err(e) if e.breaks_connection() => {
                    self.drop_connection(generation).await;
                    if !fresh && tries < 2 && e.retry_on_fresh_connection() {
                        tracing::debug!(error = %e, "LDAP connection lost; trying a new one");
                        continue;
                    }
                    return Err(e);
                }
                other => return other,
            }
        }
    }

    /// Entries under `base` matching `filter`, at most `cap` (read page by page).
    pub(crate) async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: Vec<String>,
        cap: usize,
    ) -> Result<Vec<SearchEntry>, DirectoryError> {
        let page_size = self.config.page_size;
        let op_timeout = self.config.timeout;
        let ms = self.config.config.timeout_ms;
        self.run(|mut ldap| {
            let attrs = attrs.clone();
            async move {
                let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> =
                    vec![Box::new(EntriesOnly::new()), Box::new(PagedResults::new(page_size))];
                let mut stream = ldap
                    .with_timeout(op_timeout)
                    .streaming_search_with(adapters, base, scope, filter, attrs)
                    .await
                    .map_err(|e| fix_timeout(e, ms))?;
                let mut entries = Vec::new();
                while entries.len() < cap {
                    match stream.next().await.map_err(|e| fix_timeout(e, ms))? {
                        Some(e) => entries.push(SearchEntry::construct(e)),
                        None => break,
                    }
                }
                if entries.len() >= cap && cap > 0 {
                    // Enough read: stop the search on the server too.
                    let id = stream.ldap_handle().last_id();
                    let _ = stream.finish().await;
                    let _ = ldap.abandon(id).await;
                    return Ok(entries);
                }
                let result = stream.finish().await;
                match result.rc {
                    0 => Ok(entries),
                    SIZE_LIMIT_EXCEEDED => {
                        tracing::warn!("the LDAP server's size limit cut a search short");
                        Ok(entries)
                    }
                    rc => Err(DirectoryError::Result { op: "search", rc, text: result.text }),
                }
            }
        })
        .await
    }
}

fn fix_timeout(e: ldap3::LdapError, ms: u64) -> DirectoryError {
    match DirectoryError::from(e) {
        DirectoryError::Timeout { .. } => DirectoryError::Timeout { ms },
        other => other,
    }
}
