//! A fresh database per test: a SQLite file in a temporary directory, or a PostgreSQL
//! database `beh_test_<random>` created on the test server and dropped afterwards.

use beh_store::sql::{CredentialKeys, SqlStore, StoreConfig};
use std::sync::atomic::{AtomicU64, Ordering};

pub const FIRST: u64 = 36539;

pub fn keys() -> CredentialKeys {
    CredentialKeys::single("k1", [7u8; 32])
}

pub fn pg_url() -> String {
    std::env::var("BEH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub fn config(url: &str) -> StoreConfig {
    let mut c = StoreConfig::new(url, keys());
    c.first_order_number = FIRST;
    c
}

fn unique() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let t =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}_{}_{}", std::process::id(), t, N.fetch_add(1, Ordering::SeqCst))
}

/// A test database and the store on it.
pub struct Db {
    pub store: SqlStore,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<String>,
}

impl Db {
    pub async fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("beh.db").display());
        let store = SqlStore::connect(&config(&url)).await.expect("SQLite store");
        Db { store, url, _dir: Some(dir), pg: None }
    }

    pub async fn postgres() -> Db {
        let admin_url = pg_url();
        let mut admin_config = config(&admin_url);
        admin_config.run_migrations = false;
        admin_config.max_connections = 1;
        let admin = SqlStore::connect(&admin_config)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL unreachable at {admin_url}: {e}"));
        let name = format!("beh_test_{}", unique());
        admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
        admin.close().await;
        let base = admin_url.split('?').next().unwrap();
        let (server, _) = base.rsplit_once('/').unwrap();
        let url = format!("{server}/{name}");
        let store = SqlStore::connect(&config(&url)).await.expect("PostgreSQL store");
        Db { store, url, _dir: None, pg: Some(name) }
    }

    /// Closes the store and drops a PostgreSQL database.
    pub async fn done(self) {
        self.store.close().await;
        if let Some(name) = self.pg {
            let mut c = config(&pg_url());
            c.run_migrations = false;
            c.max_connections = 1;
            let admin = SqlStore::connect(&c).await.unwrap();
            admin
                .execute_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            admin.close().await;
        }
    }

    /// Another store on the same database (another "node").
    pub async fn reopen(&self) -> SqlStore {
        let mut c = config(&self.url);
        c.run_migrations = false;
        SqlStore::connect(&c).await.unwrap()
    }
}
