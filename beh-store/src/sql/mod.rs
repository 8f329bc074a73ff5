//! Orders, audit log, holdings, outbox and challenges in SQLite (the embedded default) or
//! PostgreSQL (several nodes), behind beh-core's [`OrderStore`] and [`Outbox`] ports.
//!
//! Both backends run the same statements where SQL agrees (`$n` placeholders work on both);
//! the schema and the few differing statements are per backend. See `docs/storage.md`.

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once per
/// backend, so the same sqlx calls serve both without `sqlx::Any`.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::sql::Pool::Sqlite($pool) => $body,
            $crate::sql::Pool::Postgres($pool) => $body,
        }
    };
}

mod config;
mod crypto;
mod error;
mod row;
mod verify;

pub use config::{CredentialKeys, StoreConfig};
pub use verify::{AuditVerification, BrokenChain};

use beh_core::audit::{chain, AuditEntry};
use beh_core::error::{Code, Error, Result};
use beh_core::id::{HsaId, OrderNumber};
use beh_core::order::{apply_completed, Holding, Order, OrderStatus};
use beh_core::outbox::OutboxItem;
use beh_core::ports::{
    Challenge, Change, OrderPage, OrderQuery, OrderStore, Outbox, TakenChallenge,
};
use chrono::{DateTime, Utc};
use error::db;
use row::{us, OrderColumns, Param};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;
use std::str::FromStr;

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, one process.
    Sqlite,
    /// PostgreSQL, one or more nodes.
    Postgres,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store: orders, audit log, holdings, outbox and challenges in SQLite or PostgreSQL.
/// Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct SqlStore {
    pool: Pool,
    config: StoreConfig,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite takes the write lock up front, so
/// a read-then-write transaction never fails to upgrade its lock (it waits `busy_timeout`
/// instead); PostgreSQL's row locks do that job there.
macro_rules! begin_write {
    ($store:expr, $pool:ident) => {
        match $store.backend() {
            Backend::Sqlite => $pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?,
            Backend::Postgres => $pool.begin().await.map_err(db)?,
        }
    };
}

const INSERT_ORDER: &str = "INSERT INTO orders (number, version, status, kind, orderer_hsa, \
     attestant_hsa, end_user_hsa, end_user_hsa_lc, end_user_vgr, end_user_name_lc, ordered_at_us, \
     ordered_day, body, cred_key_id, cred_nonce, cred_ciphertext) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
     ON CONFLICT (number) DO NOTHING";

const OUTBOX_COLUMNS: &str = "id, order_number, kind, recipient, idempotency_key, state, \
     attempts, next_attempt_at_us, last_error";

impl SqlStore {
    /// Connects (and migrates when `config.run_migrations`). `sqlite:` URLs open or create the
    /// file in WAL mode with `synchronous=FULL`, foreign keys and a busy timeout;
    /// `postgres:`/`postgresql:` URLs connect a pool. A database that cannot be reached is
    /// `unavailable`.
    pub async fn connect(config: &StoreConfig) -> Result<SqlStore> {
        let url = config.url.as_str();
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| {
                    tracing::error!(error = %e, "bad SQLite URL");
                    Error::code(Code::Internal)
                })?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before it is reported, so an order the user saw as
                // stored survives a power loss too (NORMAL in WAL mode only survives a crash of
                // the process). Orders are legal records; one fsync per commit is cheap at the
                // rate people order.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(config.timeout);
            let pool = SqlitePoolOptions::new()
                .max_connections(config.max_connections.max(1))
                .acquire_timeout(config.timeout)
                .connect_with(options)
                .await
                .map_err(db)?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(|e| {
                tracing::error!(error = %e, "bad PostgreSQL URL");
                Error::code(Code::Internal)
            })?;
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections.max(1))
                .acquire_timeout(config.timeout)
                .connect_with(options)
                .await
                .map_err(db)?;
            Pool::Postgres(pool)
        } else {
            tracing::error!(url = %config::redact_url(url), "unknown database URL scheme");
            return Err(Error::code(Code::Internal));
        };
        let store = SqlStore { pool, config: config.clone() };
        if config.run_migrations {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs the embedded migrations of the backend (idempotent; `beh migrate`), then sets the
    /// first order number if no number was handed out yet.
    pub async fn migrate(&self) -> Result<()> {
        let migrated = match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await,
            Pool::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await,
        };
        migrated.map_err(|e| {
            tracing::error!(error = %e, "migration failed");
            match e {
                sqlx::migrate::MigrateError::Execute(e) => db(e),
                _ => Error::code(Code::Internal),
            }
        })?;
        let first = i64::try_from(self.config.first_order_number.max(1))
            .map_err(|_| Error::code(Code::Internal))?;
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query(
                    "INSERT INTO order_counter (id, next_number) VALUES (1, $1) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(first)
                .execute(p)
                .await
                .map_err(db)?;
            }
            Pool::Postgres(p) => {
                // Only before the first nextval; afterwards the sequence is the truth. The
                // primary key on orders.number backs this up.
                sqlx::query(
                    "SELECT setval('order_number_seq', GREATEST($1, last_value), false) \
                     FROM order_number_seq WHERE NOT is_called",
                )
                .bind(first)
                .execute(p)
                .await
                .map_err(db)?;
            }
        }
        Ok(())
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }

    /// Verifies the audit chain of every order (for `beh audit verify`): names the first
    /// broken entry of each order whose chain does not verify, and orders without entries.
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        verify::verify_all(self).await
    }

    /// The outbox rows of one order, oldest first, in every state (operators, tests).
    pub async fn outbox_of(&self, number: OrderNumber) -> Result<Vec<OutboxItem>> {
        let sql =
            format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE order_number = $1 ORDER BY id");
        let n = row::num(number)?;
        with_pool!(self, p => {
            let rows = sqlx::query(&sql).bind(n).fetch_all(p).await.map_err(db)?;
            rows.iter().map(row::outbox_item).collect()
        })
    }

    /// Puts a dead message back in the queue, due at `now`, with its attempts reset
    /// (operators, after fixing the cause). `false` when no dead message has that id.
    pub async fn requeue_dead(&self, id: u64, now: DateTime<Utc>) -> Result<bool> {
        let id = i64::try_from(id).map_err(|_| Error::code(Code::BadRequest))?;
        with_pool!(self, p => {
            let done = sqlx::query(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_us = $2, \
                 claimed_by = NULL, claimed_until_us = NULL WHERE id = $1 AND state = 'dead'",
            )
            .bind(id)
            .bind(us(now))
            .execute(p)
            .await
            .map_err(db)?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Re-encrypts every stored credential that is not under the active key (key rotation);
    /// returns how many were rewritten. Each order is rewritten in its own statement.
    pub async fn reencrypt_credentials(&self) -> Result<u64> {
        let active = self.config.credential_keys.active_id().to_owned();
        let mut done = 0u64;
        with_pool!(self, p => {
            loop {
                let rows = sqlx::query(
                    "SELECT number, cred_key_id, cred_nonce, cred_ciphertext FROM orders \
                     WHERE cred_key_id IS NOT NULL AND cred_key_id <> $1 ORDER BY number LIMIT 100",
                )
                .bind(&active)
                .fetch_all(p)
                .await
                .map_err(db)?;
                if rows.is_empty() {
                    break;
                }
                for r in &rows {
                    let n: i64 = r.try_get("number").map_err(db)?;
                    let number = row::order_number(n)?;
                    let kid: String = r.try_get("cred_key_id").map_err(db)?;
                    let nonce: Vec<u8> = r.try_get("cred_nonce").map_err(db)?;
                    let ct: Vec<u8> = r.try_get("cred_ciphertext").map_err(db)?;
                    let plain = crypto::open(&self.config.credential_keys, number, &kid, &nonce, &ct)?;
                    let sealed = crypto::seal(&self.config.credential_keys, number, &plain)?;
                    sqlx::query(
                        "UPDATE orders SET cred_key_id = $2, cred_nonce = $3, cred_ciphertext = $4 \
                         WHERE number = $1 AND cred_key_id = $5",
                    )
                    .bind(n)
                    .bind(&sealed.key_id)
                    .bind(&sealed.nonce)
                    .bind(&sealed.ciphertext)
                    .bind(&kid)
                    .execute(p)
                    .await
                    .map_err(db)?;
                    done += 1;
                }
            }
            Ok(done)
        })
    }

    /// Inserts orders without audit entries or messages, many per transaction: only for
    /// filling a benchmark database (feature `testing`; not for application code).
    #[cfg(feature = "testing")]
    pub async fn bulk_insert_orders(&self, orders: &[Order]) -> Result<()> {
        with_pool!(self, p => {
            let mut tx = begin_write!(self, p);
            for order in orders {
                let c = OrderColumns::of(order)?;
                sqlx::query(INSERT_ORDER)
                    .bind(c.number)
                    .bind(c.version)
                    .bind(c.status)
                    .bind(c.kind)
                    .bind(&c.orderer)
                    .bind(&c.attestant)
                    .bind(&c.end_user)
                    .bind(&c.end_user_lc)
                    .bind(&c.end_user_vgr)
                    .bind(&c.end_user_name_lc)
                    .bind(c.ordered_at_us)
                    .bind(&c.ordered_day)
                    .bind(&c.body)
                    .bind(None::<String>)
                    .bind(None::<Vec<u8>>)
                    .bind(None::<Vec<u8>>)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            Ok(())
        })
    }

    /// One bare INSERT of an order row in its own transaction, without anything else the
    /// store does (the bench's baseline; feature `testing`; not for application code).
    #[cfg(feature = "testing")]
    pub async fn bare_insert_order(&self, order: &Order) -> Result<()> {
        let c = OrderColumns::of(order)?;
        with_pool!(self, p => {
            sqlx::query(INSERT_ORDER)
                .bind(c.number)
                .bind(c.version)
                .bind(c.status)
                .bind(c.kind)
                .bind(&c.orderer)
                .bind(&c.attestant)
                .bind(&c.end_user)
                .bind(&c.end_user_lc)
                .bind(&c.end_user_vgr)
                .bind(&c.end_user_name_lc)
                .bind(c.ordered_at_us)
                .bind(&c.ordered_day)
                .bind(&c.body)
                .bind(None::<String>)
                .bind(None::<Vec<u8>>)
                .bind(None::<Vec<u8>>)
                .execute(p)
                .await
                .map_err(db)?;
            Ok(())
        })
    }

    /// Runs a raw statement (tests and the bench use it to tamper, create databases and
    /// `ANALYZE`; feature `testing`; not for application code).
    #[cfg(feature = "testing")]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        with_pool!(self, p => {
            let done = sqlx::raw_sql(sql).execute(p).await.map_err(db)?;
            Ok(done.rows_affected())
        })
    }

    fn decrypt(
        &self,
        number: OrderNumber,
        r: &row::CredRow,
    ) -> Result<Option<beh_core::order::Credentials>> {
        match (&r.key_id, &r.nonce, &r.ciphertext) {
            (Some(k), Some(n), Some(c)) => {
                crypto::open(&self.config.credential_keys, number, k, n, c).map(Some)
            }
            _ => Ok(None),
        }
    }
}

#[async_trait::async_trait]
impl OrderStore for SqlStore {
    async fn next_order_number(&self) -> Result<OrderNumber> {
        let n: i64 = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_scalar(
                "UPDATE order_counter SET next_number = next_number + 1 WHERE id = 1 \
                 RETURNING next_number - 1",
            )
            .fetch_one(p)
            .await
            .map_err(db)?,
            Pool::Postgres(p) => sqlx::query_scalar("SELECT nextval('order_number_seq')")
                .fetch_one(p)
                .await
                .map_err(db)?,
        };
        row::order_number(n)
    }

    async fn write(&self, change: Change<'_>) -> Result<()> {
        let order = change.order;
        let cols = OrderColumns::of(order)?;
        let sealed = match &order.credentials {
            Some(c) => Some(crypto::seal(&self.config.credential_keys, order.number, c)?),
            None => None,
        };
        // Credentials: set when the order carries them, kept when it only says it has some
        // (an order read without them), cleared otherwise.
        let keep_credentials = sealed.is_none() && order.has_credentials;
        let (kid, nonce, ct) = match sealed {
            Some(s) => (Some(s.key_id), Some(s.nonce), Some(s.ciphertext)),
            None => (None, None, None),
        };
        let expected = match change.expected_version {
            Some(v) => Some(i64::try_from(v).map_err(|_| Error::code(Code::Conflict))?),
            None => None,
        };
        // The time of the change: messages are due from then.
        let changed_at = change
            .events
            .iter()
            .map(|e| e.at)
            .chain([order.ordered_at])
            .chain(order.completed_at)
            .max()
            .unwrap_or(order.ordered_at);
        let holdings_person = order.end_user.hsa_id.as_str().to_owned();

        with_pool!(self, p => {
            let mut tx = begin_write!(self, p);
            let written = match expected {
                None => sqlx::query(INSERT_ORDER)
                .bind(cols.number)
                .bind(cols.version)
                .bind(cols.status)
                .bind(cols.kind)
                .bind(&cols.orderer)
                .bind(&cols.attestant)
                .bind(&cols.end_user)
                .bind(&cols.end_user_lc)
                .bind(&cols.end_user_vgr)
                .bind(&cols.end_user_name_lc)
                .bind(cols.ordered_at_us)
                .bind(&cols.ordered_day)
                .bind(&cols.body)
                .bind(&kid)
                .bind(&nonce)
                .bind(&ct)
                .execute(&mut *tx)
                .await
                .map_err(db)?,
                Some(v) => sqlx::query(
                    "UPDATE orders SET version = $2, status = $3, kind = $4, orderer_hsa = $5, \
                     attestant_hsa = $6, end_user_hsa = $7, end_user_hsa_lc = $8, end_user_vgr = $9, \
                     end_user_name_lc = $10, ordered_at_us = $11, ordered_day = $12, body = $13, \
                     cred_key_id = CASE WHEN $17 THEN cred_key_id ELSE $14 END, \
                     cred_nonce = CASE WHEN $17 THEN cred_nonce ELSE $15 END, \
                     cred_ciphertext = CASE WHEN $17 THEN cred_ciphertext ELSE $16 END \
                     WHERE number = $1 AND version = $18",
                )
                .bind(cols.number)
                .bind(cols.version)
                .bind(cols.status)
                .bind(cols.kind)
                .bind(&cols.orderer)
                .bind(&cols.attestant)
                .bind(&cols.end_user)
                .bind(&cols.end_user_lc)
                .bind(&cols.end_user_vgr)
                .bind(&cols.end_user_name_lc)
                .bind(cols.ordered_at_us)
                .bind(&cols.ordered_day)
                .bind(&cols.body)
                .bind(&kid)
                .bind(&nonce)
                .bind(&ct)
                .bind(keep_credentials)
                .bind(v)
                .execute(&mut *tx)
                .await
                .map_err(db)?,
            };
            if written.rows_affected() != 1 {
                // Dropping the transaction rolls it back.
                return Err(Error::code(Code::Conflict));
            }

            // The audit chain continues after the order's last entry; the row lock taken by
            // the UPDATE above (or the new row) keeps writers of this order in line.
            let mut prev: Option<AuditEntry> = None;
            if expected.is_some() {
                let last = sqlx::query(
                    "SELECT seq, hash FROM audit_log WHERE order_number = $1 \
                     ORDER BY seq DESC LIMIT 1",
                )
                .bind(cols.number)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
                if let (Some(last), Some(first_event)) = (last, change.events.first()) {
                    let seq: i64 = last.try_get("seq").map_err(db)?;
                    let hash: String = last.try_get("hash").map_err(db)?;
                    // `chain` reads only `seq` and `hash` of the previous entry.
                    let mut e = chain(None, first_event.clone());
                    e.seq = u64::try_from(seq).map_err(|_| error::corrupt("audit seq"))?;
                    e.hash = hash;
                    prev = Some(e);
                }
            }
            for event in change.events {
                let entry = chain(prev.as_ref(), event);
                sqlx::query(
                    "INSERT INTO audit_log (order_number, seq, at_us, actor, action, details, \
                     prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(row::num(entry.order_number)?)
                .bind(i64::try_from(entry.seq).map_err(|_| Error::code(Code::Internal))?)
                .bind(us(entry.at))
                .bind(entry.actor.as_str())
                .bind(row::action_str(entry.action)?)
                .bind(serde_json::to_string(&entry.details).map_err(|_| Error::code(Code::Internal))?)
                .bind(&entry.prev_hash)
                .bind(&entry.hash)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                prev = Some(entry);
            }

            if order.status() == OrderStatus::Completed {
                let rows = sqlx::query("SELECT body FROM holdings WHERE person_hsa = $1")
                    .bind(&holdings_person)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db)?;
                let mut held = Vec::with_capacity(rows.len());
                for r in &rows {
                    let body: String = r.try_get("body").map_err(db)?;
                    held.push(
                        serde_json::from_str::<Holding>(&body)
                            .map_err(|_| error::corrupt("holding"))?,
                    );
                }
                apply_completed(&mut held, order);
                sqlx::query("DELETE FROM holdings WHERE person_hsa = $1")
                    .bind(&holdings_person)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                for h in &held {
                    sqlx::query(
                        "INSERT INTO holdings (person_hsa, permission, body, since_order) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&holdings_person)
                    .bind(&h.permission)
                    .bind(serde_json::to_string(h).map_err(|_| Error::code(Code::Internal))?)
                    .bind(row::num(h.since_order)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                }
            }

            for m in &change.outbox {
                sqlx::query(
                    "INSERT INTO outbox (order_number, kind, recipient, idempotency_key, \
                     next_attempt_at_us, created_at_us) VALUES ($1, $2, $3, $4, $5, $5) \
                     ON CONFLICT (idempotency_key) DO NOTHING",
                )
                .bind(row::num(m.order_number)?)
                .bind(m.kind.as_str())
                .bind(m.recipient.as_ref().map(HsaId::as_str))
                .bind(&m.idempotency_key)
                .bind(us(changed_at))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            Ok(())
        })
    }

    async fn get(&self, number: OrderNumber) -> Result<Option<Order>> {
        let n = row::num(number)?;
        let found = with_pool!(self, p => sqlx::query(
            "SELECT body, cred_key_id, cred_nonce, cred_ciphertext FROM orders WHERE number = $1",
        )
        .bind(n)
        .fetch_optional(p)
        .await
        .map_err(db)?
        .map(|r| row::order_with_credentials(&r))
        .transpose()?);
        let Some((mut order, cred)) = found else {
            return Ok(None);
        };
        order.credentials = self.decrypt(number, &cred)?;
        Ok(Some(order))
    }

    async fn search(&self, query: &OrderQuery) -> Result<OrderPage<Order>> {
        let (filter, params) = row::filter(query, self.backend());
        let per = i64::from(query.per_page.clamp(1, 100));
        let offset = i64::from(query.page.max(1) - 1) * per;
        // The total: a lookup in `order_counts` for "my orders" (a role, at most a status),
        // else a COUNT over the filter.
        let (count_sql, count_params) = match row::counter(query) {
            Some((sql, params)) => (sql, params),
            None => (format!("SELECT COUNT(*) FROM orders WHERE {filter}"), params.clone()),
        };
        let n = params.len();
        // Deferred join: the page's numbers come from the index alone (every history index
        // ends in `ordered_at_us, number`), then the bodies by primary key. Past the middle the
        // index is read from the oldest end, so the last page skips as little as the first.
        let page_sql = |dir: &str| {
            format!(
                "SELECT body FROM orders WHERE number IN (\
                 SELECT number FROM orders WHERE {filter} \
                 ORDER BY ordered_at_us {dir}, number {dir} LIMIT ${} OFFSET ${}) \
                 ORDER BY ordered_at_us DESC, number DESC",
                n + 1,
                n + 2
            )
        };
        // One snapshot for the total and the page, so they agree under concurrent writes.
        let (total, bodies) = with_pool!(self, p => {
            let mut tx = match self.backend() {
                Backend::Sqlite => p.begin().await.map_err(db)?,
                Backend::Postgres => p
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
                    .map_err(db)?,
            };
            let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
            for param in &count_params {
                count = match param {
                    Param::Text(s) => count.bind(s.clone()),
                    Param::Int(i) => count.bind(*i),
                };
            }
            let total = count.fetch_one(&mut *tx).await.map_err(db)?.max(0);
            let mut bodies = Vec::new();
            if offset < total {
                let take = per.min(total - offset);
                let from_end = total - offset - take;
                let (sql, skip) = if from_end < offset {
                    (page_sql("ASC"), from_end)
                } else {
                    (page_sql("DESC"), offset)
                };
                let mut page = sqlx::query(&sql);
                for param in &params {
                    page = match param {
                        Param::Text(s) => page.bind(s.clone()),
                        Param::Int(i) => page.bind(*i),
                    };
                }
                let rows = page.bind(take).bind(skip).fetch_all(&mut *tx).await.map_err(db)?;
                bodies.reserve(rows.len());
                for r in &rows {
                    bodies.push(r.try_get::<String, _>("body").map_err(db)?);
                }
            }
            tx.commit().await.map_err(db)?;
            (total, bodies)
        });
        let items = bodies
            .iter()
            .map(|b| serde_json::from_str::<Order>(b).map_err(|_| error::corrupt("order")))
            .collect::<Result<Vec<_>>>()?;
        let total = u64::try_from(total).unwrap_or(0);
        Ok(OrderPage {
            total,
            page: query.page,
            pages: OrderPage::<Order>::pages_for(total, query.per_page),
            items,
        })
    }

    async fn holdings(&self, person: &HsaId) -> Result<Vec<Holding>> {
        let bodies: Vec<String> = with_pool!(self, p => sqlx::query_scalar(
            "SELECT body FROM holdings WHERE person_hsa = $1 ORDER BY permission",
        )
        .bind(person.as_str())
        .fetch_all(p)
        .await
        .map_err(db)?);
        let mut held = bodies
            .iter()
            .map(|b| serde_json::from_str::<Holding>(b).map_err(|_| error::corrupt("holding")))
            .collect::<Result<Vec<_>>>()?;
        // The same order as apply_completed leaves them in (byte order of the slug).
        held.sort_by(|a, b| a.permission.cmp(&b.permission));
        Ok(held)
    }

    async fn audit(&self, number: OrderNumber) -> Result<Vec<AuditEntry>> {
        let n = row::num(number)?;
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT order_number, seq, at_us, actor, action, details, prev_hash, hash \
                 FROM audit_log WHERE order_number = $1 ORDER BY seq",
            )
            .bind(n)
            .fetch_all(p)
            .await
            .map_err(db)?;
            rows.iter().map(|r| row::audit_entry(r).map_err(|_| error::corrupt("audit entry"))).collect()
        })
    }

    async fn save_challenge(&self, challenge: &Challenge) -> Result<()> {
        let body = serde_json::to_string(challenge).map_err(|_| Error::code(Code::Internal))?;
        let n = row::num(challenge.order_number)?;
        with_pool!(self, p => {
            sqlx::query(
                "INSERT INTO challenges (id, order_number, body, used, expires_at_us) \
                 VALUES ($1, $2, $3, FALSE, $4)",
            )
            .bind(&challenge.id)
            .bind(n)
            .bind(&body)
            .bind(us(challenge.expires_at))
            .execute(p)
            .await
            .map_err(db)?;
            Ok(())
        })
    }

    async fn take_challenge(&self, id: &str) -> Result<TakenChallenge> {
        let (taken, exists): (Option<String>, bool) = with_pool!(self, p => {
            let taken: Option<String> = sqlx::query_scalar(
                "UPDATE challenges SET used = TRUE WHERE id = $1 AND used = FALSE RETURNING body",
            )
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(db)?;
            let exists = if taken.is_some() {
                true
            } else {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM challenges WHERE id = $1")
                    .bind(id)
                    .fetch_one(p)
                    .await
                    .map_err(db)?
                    > 0
            };
            (taken, exists)
        });
        Ok(match (taken, exists) {
            (Some(body), _) => TakenChallenge::Fresh(
                serde_json::from_str(&body).map_err(|_| error::corrupt("challenge"))?,
            ),
            (None, true) => TakenChallenge::Used,
            (None, false) => TakenChallenge::Unknown,
        })
    }

    async fn ping(&self) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await.map_err(db)?;
            Ok(())
        })
    }
}

#[async_trait::async_trait]
impl Outbox for SqlStore {
    async fn claim(
        &self,
        worker: &str,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>> {
        let lease = chrono::Duration::from_std(self.config.outbox_lease)
            .unwrap_or(chrono::Duration::minutes(5));
        let until = us(now + lease);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Due, pending and not leased (or the lease ran out: a crashed worker's claims come
        // back). SKIP LOCKED lets several PostgreSQL nodes claim at once without waiting on
        // each other; on SQLite the single statement runs under the database write lock.
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until_us = $2 WHERE id IN (\
             SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at_us <= $3 \
             AND (claimed_until_us IS NULL OR claimed_until_us <= $3) \
             ORDER BY next_attempt_at_us, id LIMIT $4{lock}) RETURNING {OUTBOX_COLUMNS}"
        );
        let mut items = with_pool!(self, p => {
            let rows = sqlx::query(&sql)
                .bind(worker)
                .bind(until)
                .bind(us(now))
                .bind(limit)
                .fetch_all(p)
                .await
                .map_err(db)?;
            rows.iter().map(row::outbox_item).collect::<Result<Vec<_>>>()?
        });
        items.sort_by_key(|i| (i.next_attempt_at, i.id));
        Ok(items)
    }

    async fn delivered(&self, id: u64, now: DateTime<Utc>) -> Result<()> {
        let id = i64::try_from(id).map_err(|_| Error::code(Code::BadRequest))?;
        with_pool!(self, p => {
            sqlx::query(
                "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, \
                 delivered_at_us = $2, claimed_by = NULL, claimed_until_us = NULL \
                 WHERE id = $1 AND state = 'pending'",
            )
            .bind(id)
            .bind(us(now))
            .execute(p)
            .await
            .map_err(db)?;
            Ok(())
        })
    }

    async fn failed(&self, id: u64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let id = i64::try_from(id).map_err(|_| Error::code(Code::BadRequest))?;
        let error: String = error.chars().take(2000).collect();
        let dead = retry_at.is_none();
        let retry = retry_at.map(us).unwrap_or(0);
        with_pool!(self, p => {
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
                 state = CASE WHEN $3 THEN 'dead' ELSE state END, \
                 next_attempt_at_us = CASE WHEN $3 THEN next_attempt_at_us ELSE $4 END, \
                 claimed_by = NULL, claimed_until_us = NULL \
                 WHERE id = $1 AND state = 'pending'",
            )
            .bind(id)
            .bind(&error)
            .bind(dead)
            .bind(retry)
            .execute(p)
            .await
            .map_err(db)?;
            Ok(())
        })
    }

    async fn dead(&self) -> Result<Vec<OutboxItem>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'dead' ORDER BY id");
        with_pool!(self, p => {
            let rows = sqlx::query(&sql).fetch_all(p).await.map_err(db)?;
            rows.iter().map(row::outbox_item).collect()
        })
    }
}
