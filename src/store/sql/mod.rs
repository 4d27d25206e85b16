//! [`SqlStore`]: the store on SQLite or PostgreSQL through sqlx.
//!
//! One implementation, two concrete pools. The SQL is shared (both accept
//! `$1` placeholders, `RETURNING` and `ON CONFLICT DO NOTHING`); the
//! [`on_pool!`] and [`on_tx!`] macros expand the same code once per backend,
//! so each is type-checked against its own driver. What differs is written
//! out where it differs: the schema (`migrations/sqlite`, `migrations/postgres`),
//! `BEGIN IMMEDIATE` on SQLite (one writer at a time, no upgrade deadlocks)
//! and `FOR UPDATE SKIP LOCKED` when taking outbox rows on PostgreSQL.
//!
//! SQLite allows one writer at a time. Writers that find the lock taken
//! would wait in SQLite's busy handler, which sleeps and polls (up to 100 ms
//! a time) — under load, most of a reply's latency. So every write of this
//! process (transactions, outbox takes and finishes) goes through one
//! connection of its own, [`on_writer!`], whose waiters tokio wakes in turn
//! the moment it is free; reads use the other connections, which the
//! write-ahead log never blocks. The busy timeout is left for other
//! processes on the same file. On PostgreSQL both are the same pool.
//! `sqlx::Any` was not used: it has no date-time types and hides the
//! per-backend connection options this relies on.
//!
//! A SQLite file is created when it is missing, whichever way the URL is
//! written (`sqlite:x.db`, `sqlite://x.db`, `sqlite:///abs/x.db`), unless the
//! URL asks for a `mode` of its own (`ro`, `rw`). Its directory is not
//! created: a missing one is an error that names it.

mod notices;
mod openings;
mod outbox;
mod posted;
mod reads;
mod rows;
mod tickets;
mod tokens;
mod tx;
mod web;

pub use posted::Posted;
pub use web::{Found, GivenAnswer, Listed, WebSession, WebStaff};

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{
    AnswerRecord, DuePing, Event, Finish, Lease, NewOpening, OutboxItem, Scope, Store, StoreError,
    Ticket, TicketState, Tx,
};
use crate::domain::{
    Conversation, ConversationId, OutboxId, SourceKey, ThreadRef, TicketId, UserId,
};
use crate::ranking::feedback::EntryFeedback;

/// Runs `$body` with `$p` bound to the store's pool, once per backend.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::sql::Pool::Sqlite($p) => $body,
            $crate::store::sql::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` with `$p` bound to the pool for writes, once per backend.
macro_rules! on_writer {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.writer {
            $crate::store::sql::Pool::Sqlite($p) => $body,
            $crate::store::sql::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_writer;

/// The pool of one backend.
#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store on a SQL database.
#[derive(Clone)]
pub struct SqlStore {
    /// For reads.
    pool: Pool,
    /// For writes: on SQLite its single connection, on PostgreSQL `pool`.
    writer: Pool,
}

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a PostgreSQL query waits for a connection: when the server is
/// unreachable the engine learns it after this long, and answers from the
/// FAQ while the events wait (see `intake`).
const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections per process on PostgreSQL.
const PG_MAX_CONNECTIONS: u32 = 10;
/// Connections for reads per process on SQLite (writes have one more).
const SQLITE_READERS: u32 = 4;

impl SqlStore {
    /// Connects to `url` (`sqlite:…` or `postgres://…`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Self::sqlite(sqlite_options(url)?).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Self::postgres(PgConnectOptions::from_str(url)?).await
        } else {
            // Only the scheme: the rest may hold a password.
            let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
            Err(StoreError::UnsupportedUrl(scheme.to_string()))
        }
    }

    /// Opens a SQLite database (write-ahead log, foreign keys on) and
    /// migrates it: one connection for writes, a few for reads.
    pub async fn sqlite(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(SQLITE_BUSY_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(SQLITE_READERS)
            .connect_with(options)
            .await?;
        Ok(SqlStore {
            pool: Pool::Sqlite(readers),
            writer: Pool::Sqlite(writer),
        })
    }

    /// Connects to PostgreSQL and migrates the database (or the schema that
    /// `options` puts first on the search path).
    pub async fn postgres(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = match PgPoolOptions::new()
            .max_connections(PG_MAX_CONNECTIONS)
            .acquire_timeout(PG_ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
        {
            Ok(pool) => pool,
            // The pool tries again until its timeout and then says only that
            // it timed out; one plain connection tells why (refused, no such
            // database, a password wrong).
            Err(sqlx::Error::PoolTimedOut) => {
                // Bounded as the pool was: a server that accepts and never
                // answers must not hold the command.
                let probe =
                    tokio::time::timeout(PG_ACQUIRE_TIMEOUT, PgConnection::connect_with(&options));
                return Err(match probe.await {
                    Ok(Err(why)) => why.into(),
                    Ok(Ok(connection)) => {
                        let _ = connection.close().await;
                        sqlx::Error::PoolTimedOut.into()
                    }
                    Err(_) => sqlx::Error::PoolTimedOut.into(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(SqlStore {
            pool: Pool::Postgres(pool.clone()),
            writer: Pool::Postgres(pool),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        on_writer!(self, |p| p.close().await);
        on_pool!(self, |p| p.close().await)
    }
}

/// The options of a `sqlite:` URL: the file is created if missing, unless
/// the URL says how to open it otherwise (`mode=ro`, `mode=rw`,
/// `mode=memory`). [`StoreError::NoDirectory`] if it is to be created in a
/// directory that does not exist (SQLite itself would only say that it
/// cannot open the file).
fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?;
    let (database, query) = url.split_once('?').unwrap_or((url, ""));
    // SQLite would take no file for a memory database of each connection
    // of its own, where the tables the migrations made are not found.
    if database
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .is_empty()
    {
        return Err(StoreError::NoFile(url.to_string()));
    }
    let mode = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("mode="))
        .unwrap_or("rwc");
    if mode != "rwc" || database.ends_with(":memory:") {
        return Ok(options);
    }
    let file = options.get_filename();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(StoreError::NoDirectory(dir.to_path_buf()));
    }
    Ok(options.create_if_missing(true))
}

#[async_trait]
impl Store for SqlStore {
    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError> {
        Ok(Box::new(tx::SqlTx::begin(&self.writer).await?))
    }

    async fn conversation_by_thread(
        &self,
        thread: &ThreadRef,
    ) -> Result<Option<Conversation>, StoreError> {
        self.read_conversation_by_thread(thread).await
    }

    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        self.read_conversation(id).await
    }

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.read_ticket(id).await
    }

    async fn tickets(&self, states: &[TicketState]) -> Result<Vec<Ticket>, StoreError> {
        self.read_tickets(states).await
    }

    async fn latest_ticket_of(&self, thread: &ThreadRef) -> Result<Option<Ticket>, StoreError> {
        self.read_latest_ticket_of(thread).await
    }

    async fn events(&self, conversation: ConversationId) -> Result<Vec<Event>, StoreError> {
        self.read_events(conversation).await
    }

    async fn answers(&self) -> Result<Vec<AnswerRecord>, StoreError> {
        self.read_answers().await
    }

    async fn entry_feedback(&self) -> Result<Vec<(String, EntryFeedback)>, StoreError> {
        self.read_entry_feedback().await
    }

    async fn due_pings(
        &self,
        now: DateTime<Utc>,
        first: chrono::Duration,
        loud: chrono::Duration,
    ) -> Result<Vec<DuePing>, StoreError> {
        self.read_due_pings(now, first, loud).await
    }

    async fn quiet_conversations(
        &self,
        notice_before: DateTime<Utc>,
        close_before: DateTime<Utc>,
    ) -> Result<Vec<Conversation>, StoreError> {
        self.read_quiet_conversations(notice_before, close_before)
            .await
    }

    async fn take_action(
        &self,
        scope: &Scope,
        now: DateTime<Utc>,
        lease: &Lease,
    ) -> Result<Option<OutboxItem>, StoreError> {
        self.take(scope, now, lease).await
    }

    async fn renew_lease(&self, id: OutboxId, lease: &Lease) -> Result<bool, StoreError> {
        self.renew(id, lease).await
    }

    async fn release_leases(&self, holder: &str) -> Result<u64, StoreError> {
        self.release(holder).await
    }

    async fn finish_action(
        &self,
        id: OutboxId,
        attempt: i64,
        finish: Finish,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.finish(id, attempt, finish, now).await
    }

    async fn pending_actions(&self, scope: &Scope) -> Result<i64, StoreError> {
        self.pending(scope).await
    }

    async fn newest_source(
        &self,
        platform: &str,
        before: DateTime<Utc>,
    ) -> Result<Option<u64>, StoreError> {
        self.read_newest_source(platform, before).await
    }

    async fn recorded(&self, source: &SourceKey) -> Result<bool, StoreError> {
        self.read_recorded(source).await
    }

    async fn open_threads(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ThreadRef>, StoreError> {
        self.read_open_threads(since, limit).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    async fn notices(&self) -> Result<Vec<crate::knowledge::Notice>, StoreError> {
        self.read_notices().await
    }

    async fn open_question(
        &self,
        opening: &NewOpening,
        since: DateTime<Utc>,
    ) -> Result<ThreadRef, StoreError> {
        self.claim_opening(opening, since).await
    }

    async fn forget_question(
        &self,
        place: &ThreadRef,
        customer: &UserId,
        thread: &ThreadRef,
    ) -> Result<(), StoreError> {
        self.forget_opening(place, customer, thread).await
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn an_unsupported_url_is_named_by_its_scheme_without_its_password() {
        let Err(err) = super::SqlStore::connect("postgre://bot:s3cret@db/frontline").await else {
            panic!("postgre: is no supported scheme");
        };
        let message = err.to_string();
        assert!(message.contains("`postgre`"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
    }
}
