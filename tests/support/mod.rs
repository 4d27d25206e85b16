//! Test databases: a fresh SQLite file, or a fresh schema in the PostgreSQL
//! at `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test).
//! Without a reachable PostgreSQL the PostgreSQL tests print that they were
//! skipped and pass, except under `CI=true`, where they fail.
#![allow(dead_code)]

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::path::PathBuf;

use frontline::ranking::Thresholds;
use frontline::store::SqlStore;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection as _, PgPool};

/// The fixture FAQ the engine and Discord scenarios answer from.
pub fn faq_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faq")
}

/// Thresholds with clear gaps between answer, did you mean and hand-over on
/// the fixture FAQ, so that scenarios do not hinge on calibration.
pub fn thresholds() -> Thresholds {
    Thresholds {
        answer: 0.42,
        margin: 0.1,
        suggest: 0.25,
        fix_text: 0.6,
        other_language: 0.8,
    }
}

/// The PostgreSQL the tests use unless `TEST_DATABASE_URL` says otherwise.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub store: Arc<SqlStore>,
    place: Place,
}

enum Place {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin: PgPool,
        options: Box<PgConnectOptions>,
        schema: String,
    },
}

/// Logs go to the test output only when TEST_LOG is set.
pub fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_test_writer()
            .try_init();
    }
}

impl TestDb {
    /// A database on `backend`; `None` when PostgreSQL is not reachable outside CI.
    pub async fn on(backend: Backend) -> Option<TestDb> {
        init_logs();
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite().await),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// A fresh SQLite file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqlStore::sqlite(sqlite_options(&dir))
            .await
            .expect("SQLite opens and migrates");
        TestDb {
            store: Arc::new(store),
            place: Place::Sqlite(dir),
        }
    }

    /// A fresh schema in the test PostgreSQL, or `None` (skipped) if it is
    /// unreachable and CI is not set.
    pub async fn postgres() -> Option<TestDb> {
        Self::postgres_at(None).await
    }

    /// The address of the test PostgreSQL (for a proxy in front of it).
    pub fn postgres_addr() -> std::net::SocketAddr {
        let url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into());
        let options = PgConnectOptions::from_str(&url).expect("a valid URL");
        let host = match options.get_host() {
            "localhost" => "127.0.0.1",
            host => host,
        };
        format!("{host}:{}", options.get_port())
            .parse()
            .expect("the test PostgreSQL is at an IP address")
    }

    /// [`TestDb::postgres`], the store connecting on loopback `port`
    /// instead (a proxy that can cut the connection).
    pub async fn postgres_at(port: Option<u16>) -> Option<TestDb> {
        let url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into());
        // One plain connection first: refused at once when nothing listens,
        // where a pool would keep retrying until its timeout.
        if let Err(e) = sqlx::PgConnection::connect(&url).await {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but PostgreSQL at {url} is not reachable: {e}");
            }
            eprintln!("skipped: PostgreSQL at {url} is not reachable ({e})");
            return None;
        }
        let admin = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(30))
            .connect(&url)
            .await
            .expect("PostgreSQL answered a moment ago");
        let schema = unique_schema();
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("creating a test schema");
        let mut options = PgConnectOptions::from_str(&url)
            .expect("a valid URL")
            .options([("search_path", schema.as_str())]);
        if let Some(port) = port {
            options = options.host("127.0.0.1").port(port);
        }
        let store = SqlStore::postgres(options.clone())
            .await
            .expect("PostgreSQL migrates");
        Some(TestDb {
            store: Arc::new(store),
            place: Place::Postgres {
                admin,
                options: Box::new(options),
                schema,
            },
        })
    }

    /// A second, independent connection pool on the same database: another
    /// bot instance.
    pub async fn another_instance(&self) -> Arc<SqlStore> {
        let store = match &self.place {
            Place::Sqlite(dir) => SqlStore::sqlite(sqlite_options(dir)).await,
            Place::Postgres { options, .. } => SqlStore::postgres((**options).clone()).await,
        };
        Arc::new(store.expect("a second instance connects"))
    }

    /// Drops the PostgreSQL schema (the SQLite file goes with its directory).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Place::Postgres { admin, schema, .. } = self.place {
            let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin)
                .await;
        }
    }
}

fn sqlite_options(dir: &tempfile::TempDir) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(dir.path().join("test.db"))
        .create_if_missing(true)
}

fn unique_schema() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Declares `mod $name { sqlite, postgres }`: the async test `$body(Backend)`
/// run once on each database.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name($crate::support::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$name($crate::support::Backend::Postgres).await;
                }
            }
        )*
    };
}
