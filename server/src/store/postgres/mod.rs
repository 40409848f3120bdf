//! PostgreSQL storage: the clustered [`Store`]. Several nodes share one
//! database; the database is the durable log and the way events reach the
//! other nodes.
//!
//! - [`writer`]: appends, committed in groups by one task per node, their
//!   positions taken from the sequencer row last in each transaction.
//! - [`tailer`]: one task per node reads the log in position order from its
//!   cursor (woken by `NOTIFY`, and by a short poll as a safety net) and
//!   calls the commit hook, so every node delivers every event in order.
//! - [`events`]: bookings, chats, events, replay and chat history.
//! - [`read_state`]: unread counts, read marks and notification history.
//! - [`retention`]: pruning, one node at a time (an advisory lock).
//! - [`users`]: display names.
//! - [`import`]: moving an SQLite database into an empty cluster database.
//!
//! Why positions come from one row taken last, with numbers, is in
//! `docs/architecture.md` ("Scale-out on PostgreSQL").

mod events;
pub(crate) mod import;
mod read_state;
mod retention;
mod tailer;
mod users;
mod writer;

use super::*;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The schema, versioned: append, never edit.
const MIGRATIONS: &[&str] = &[include_str!("../../../migrations/postgres/0001_init.sql")];

/// Serializes schema changes when several nodes start at once.
const MIGRATION_LOCK: i64 = 0x7274_5f73_6368_656d; // "rt_schem"

/// Connections each node keeps to the database for reads and writes.
const POOL_SIZE: usize = 16;

/// Session settings on every connection, so a node that stops mid-request
/// (crashed, paused, cut off) cannot hold locks the others wait for beyond
/// a bounded time: PostgreSQL ends a transaction left idle for 5 s, and a
/// write waits at most 15 s for a lock (longer than that, so the others
/// outwait a stopped node's transaction instead of failing first).
const SESSION_OPTIONS: &str =
    "-c idle_in_transaction_session_timeout=5000 -c lock_timeout=15000 -c statement_timeout=30000";

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // By SQLSTATE class ("40": serialization or deadlock, "55": lock
        // timeout, "57": admin shutdown, "08": connection), or how it failed.
        let kind = match e.code() {
            Some(state) => format!("sqlstate-{}", &state.code()[..2]),
            None if e.is_closed() => "closed".to_owned(),
            None => "io".to_owned(),
        };
        metrics::counter!("realtime_store_errors_total", "kind" => kind).increment(1);
        StoreError::Database(Box::new(e))
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        metrics::counter!("realtime_store_errors_total", "kind" => "pool").increment(1);
        StoreError::Database(Box::new(e))
    }
}

/// Names and explains the clustered store's metrics once.
fn describe_metrics() {
    metrics::describe_counter!(
        "realtime_store_errors_total",
        "Database errors, by kind (SQLSTATE class, closed, io, pool)"
    );
    metrics::describe_counter!("realtime_store_events_total", "Events stored by this node");
    metrics::describe_histogram!(
        "realtime_store_commit_seconds",
        "Time to store and commit a group of appends, waiting for other nodes' commits on the sequencer included"
    );
    metrics::describe_histogram!("realtime_store_group_events", "Events per committed group of appends");

    metrics::describe_gauge!(
        "realtime_cluster_tail_lag_events",
        "Events committed in the cluster that this node has not delivered yet"
    );
    metrics::describe_gauge!(
        "realtime_cluster_tail_lag_seconds",
        "Age of the last event this node delivered, when it delivered it"
    );
    metrics::describe_gauge!(
        "realtime_cluster_fenced",
        "1 while this node is fenced (cut off from the database)"
    );
}

/// Why a database URL or its CA cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseUrlError {
    /// Not a PostgreSQL connection string.
    #[error("not a PostgreSQL URL: {0}")]
    Syntax(#[source] tokio_postgres::Error),
    /// The CA file could not be read.
    #[error("reading the database CA {path}: {source}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The CA file holds no usable certificate.
    #[error("the database CA file holds no usable PEM certificate: {0}")]
    CaPem(String),
    /// rustls refused its configuration.
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
}

/// TLS to the database, used when the URL's `sslmode` asks for it
/// (`prefer`, the default, uses it when the server offers it; `require`
/// insists): rustls checks the certificate against the system's roots and
/// `ca` (a PEM file: a private CA), and the host name. Unix sockets never
/// use TLS.
pub(crate) fn tls(ca: Option<&std::path::Path>) -> Result<MakeRustlsConnect, DatabaseUrlError> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        // A system root rustls cannot parse is skipped, as browsers do.
        let _ = roots.add(cert);
    }
    if let Some(path) = ca {
        let pem = std::fs::read(path)
            .map_err(|source| DatabaseUrlError::CaFile { path: path.display().to_string(), source })?;
        let mut added = 0;
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
            roots.add(cert.map_err(|e| DatabaseUrlError::CaPem(e.to_string()))?)?;
            added += 1;
        }
        if added == 0 {
            return Err(DatabaseUrlError::CaPem(format!("no certificate in {}", path.display())));
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// How a node talks to its database: plainly over a Unix socket (TLS does
/// not apply there) or with `sslmode=disable`, through rustls otherwise.
#[derive(Clone)]
pub(crate) enum DatabaseTls {
    /// No TLS.
    Plain,
    /// rustls, checking the certificate and host name.
    Rustls(MakeRustlsConnect),
}

impl DatabaseTls {
    /// The TLS `config` calls for, with `ca` besides the system's roots.
    pub(crate) fn for_config(
        config: &tokio_postgres::Config,
        ca: Option<&std::path::Path>,
    ) -> Result<DatabaseTls, DatabaseUrlError> {
        // A URL naming a socket directory (`?host=/run/postgresql`) also
        // carries its netloc's host: the socket is what is meant, and the
        // TLS connector would refuse a path as a server name.
        let socket = config.get_hosts().iter().any(is_unix_socket);
        if socket || config.get_ssl_mode() == tokio_postgres::config::SslMode::Disable {
            return Ok(DatabaseTls::Plain);
        }
        Ok(DatabaseTls::Rustls(tls(ca)?))
    }

    /// A pool manager for `config`.
    pub(crate) fn manager(&self, config: tokio_postgres::Config) -> Manager {
        let recycling = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        match self {
            DatabaseTls::Plain => Manager::from_config(config, tokio_postgres::NoTls, recycling),
            DatabaseTls::Rustls(tls) => Manager::from_config(config, tls.clone(), recycling),
        }
    }
}

#[cfg(unix)]
fn is_unix_socket(host: &tokio_postgres::config::Host) -> bool {
    matches!(host, tokio_postgres::config::Host::Unix(_))
}

#[cfg(not(unix))]
fn is_unix_socket(_: &tokio_postgres::config::Host) -> bool {
    false
}

/// Reads a `postgres://` URL (a Unix socket is `?host=/run/postgresql`),
/// adding the session settings and keepalives every connection needs.
pub(crate) fn connection_config(url: &str) -> Result<tokio_postgres::Config, DatabaseUrlError> {
    let mut config = tokio_postgres::Config::from_str(url).map_err(DatabaseUrlError::Syntax)?;
    let options = match config.get_options() {
        Some(theirs) => format!("{SESSION_OPTIONS} {theirs}"),
        None => SESSION_OPTIONS.to_owned(),
    };
    config
        .options(&options)
        .application_name("urutibiz-realtime")
        .connect_timeout(Duration::from_secs(5))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(5))
        .keepalives_retries(3);
    Ok(config)
}

/// PostgreSQL-backed [`Store`] of one node.
pub(crate) struct PgStore {
    pool: Pool,
    appends: mpsc::Sender<writer::AppendJob>,
    /// Newest position this node acknowledged or delivered.
    committed: Arc<AtomicI64>,
    /// Wakes this node's tailer after a local commit (other nodes hear the
    /// `NOTIFY`).
    tail_wake: Arc<Notify>,
    /// This node's name in routes (a connection to skip is one of its own).
    node: Arc<str>,
    /// `true` while the node has been cut off from the database for longer
    /// than [`tailer::FENCE_AFTER`].
    fence: tokio::sync::watch::Receiver<bool>,
}

impl PgStore {
    /// Connects, brings the schema up to date, and starts this node's
    /// writer and tailer; `hook` hears every committed event of every node,
    /// in position order, from the newest position at start on.
    pub(crate) async fn open(
        url: &str,
        ca: Option<&std::path::Path>,
        hook: CommitHook,
    ) -> Result<PgStore, StoreError> {
        describe_metrics();
        let config = connection_config(url).map_err(|e| StoreError::Database(Box::new(e)))?;
        let tls = DatabaseTls::for_config(&config, ca).map_err(|e| StoreError::Database(Box::new(e)))?;
        let manager = tls.manager(config.clone());
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(Duration::from_secs(5)))
            .create_timeout(Some(Duration::from_secs(5)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Database(Box::new(e)))?;
        migrate(&pool).await?;
        let head = events::events_head(&pool.get().await?).await?;
        let committed = Arc::new(AtomicI64::new(head));
        let tail_wake = Arc::new(Notify::new());
        let node: Arc<str> = uuid::Uuid::now_v7().to_string().into();
        let appends = writer::spawn(pool.clone(), committed.clone(), tail_wake.clone(), node.clone());
        let fence =
            tailer::spawn(config, tls, hook, head, tail_wake.clone(), committed.clone(), node.clone());
        tracing::info!(node = %node, head, "PostgreSQL store open");
        Ok(PgStore { pool, appends, committed, tail_wake, node, fence })
    }

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// Tells every node (this one first) that positions up to `last_seq`
    /// are committed.
    async fn announce(&self, client: deadpool_postgres::Object, last_seq: i64) {
        writer::announce(client, &self.committed, &self.tail_wake, &self.node, last_seq).await;
    }
}

/// Applies the migrations not yet applied, one node at a time.
async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS rt_schema (version INTEGER NOT NULL)").await?;
    let applied: i32 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM rt_schema", &[]).await?.get(0);
    if applied as usize > MIGRATIONS.len() {
        return Err(StoreError::NewerSchema { found: applied as usize, known: MIGRATIONS.len() });
    }
    for (at, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO rt_schema (version) VALUES ($1)", &[&(at as i32 + 1)]).await?;
        tracing::info!(version = at + 1, "database schema migrated");
    }
    tx.commit().await?;
    Ok(())
}

#[async_trait]
impl EventLog for PgStore {
    async fn append(&self, new: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        writer::append(&self.appends, new).await
    }

    async fn head_seq(&self) -> Result<i64, StoreError> {
        events::events_head(&self.client().await?).await
    }

    fn committed_head(&self) -> i64 {
        self.committed.load(Ordering::Acquire)
    }

    async fn replay(&self, scope: Scope, after: i64, limit: usize) -> Result<ReplayPage, StoreError> {
        events::replay(&self.client().await?, &scope, after, limit).await
    }

    fn fence(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        Some(self.fence.clone())
    }

    async fn prune(&self, retention: Retention) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let mut client = self.pool.get().await?;
            let tx = client.transaction().await?;
            let removed = retention::prune_step(&tx, retention).await?;
            tx.commit().await?;
            total += removed;
            if removed == 0 {
                return Ok(total);
            }
        }
    }
}

#[async_trait]
impl BookingStore for PgStore {
    async fn upsert_booking(&self, booking: Booking) -> Result<Option<Booking>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let before = events::upsert_booking(&tx, &booking).await?;
        tx.commit().await?;
        Ok(before)
    }

    async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError> {
        Ok(events::read_booking_record(&self.client().await?, id, false).await?.map(|r| r.booking))
    }

    async fn change_booking_status(
        &self,
        id: &str,
        from: BookingStatus,
        to: BookingStatus,
        changed_by: &str,
        new: Vec<NewEvent>,
    ) -> Result<Option<Vec<StoredEvent>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if !events::set_booking_status(&tx, id, from, to, changed_by).await? {
            return Ok(None);
        }
        let stored = writer::insert_events(&tx, new, &self.node).await?;
        tx.commit().await?;
        if let Some(last) = stored.last() {
            self.announce(client, last.seq).await;
        }
        Ok(Some(stored))
    }

    async fn booking_record(&self, id: &str) -> Result<Option<BookingRecord>, StoreError> {
        events::read_booking_record(&self.client().await?, id, false).await
    }

    async fn bookings_of(
        &self,
        user_id: &str,
        query: BookingQuery,
    ) -> Result<Vec<BookingRecord>, StoreError> {
        events::bookings_of(&self.client().await?, user_id, &query).await
    }

    async fn booking_changes(&self, id: &str, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        events::booking_changes(&self.client().await?, id, limit).await
    }

    async fn share_booking(&self, one: &str, other: &str) -> Result<bool, StoreError> {
        events::share_booking(&self.client().await?, one, other).await
    }
}

#[async_trait]
impl ChatStore for PgStore {
    async fn chat(&self, id: &str) -> Result<Option<Chat>, StoreError> {
        events::read_chat(&self.client().await?, id).await
    }

    async fn create_chat(&self, chat: Chat) -> Result<Chat, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let stored = events::create_chat(&tx, &chat).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn chats_of(
        &self,
        user_id: &str,
        after: Option<ChatCursor>,
        limit: usize,
    ) -> Result<Vec<ChatSummary>, StoreError> {
        events::chats_of(&self.client().await?, user_id, after.as_ref(), limit).await
    }

    async fn messages(
        &self,
        chat_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        events::messages(&self.client().await?, chat_id, before, limit).await
    }
}

#[async_trait]
impl ReadStateStore for PgStore {
    async fn unread_count(&self, scope: Scope) -> Result<i64, StoreError> {
        read_state::unread_count(&self.client().await?, &scope).await
    }

    async fn unread_by_chat(&self, scope: Scope) -> Result<HashMap<String, i64>, StoreError> {
        read_state::unread_by_chat(&self.client().await?, &scope).await
    }

    async fn change_read_state(&self, scope: Scope, change: ReadChange) -> Result<ReadOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut outcome = read_state::change(&tx, &scope, change).await?;
        tx.commit().await?;
        outcome.unread_count = read_state::unread_count(&client, &scope).await?;
        Ok(outcome)
    }

    async fn notifications(
        &self,
        scope: Scope,
        query: HistoryQuery,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        read_state::history(&self.client().await?, &scope, &query).await
    }
}

#[async_trait]
impl NameStore for PgStore {
    async fn set_display_name(
        &self,
        user_id: &str,
        name: &str,
        source: NameSource,
    ) -> Result<RecordedName, StoreError> {
        let now = crate::clock::now_ms();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let recorded = users::set_display_name(&tx, user_id, name, source, now).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    async fn display_name(&self, user_id: &str) -> Result<Option<RecordedName>, StoreError> {
        users::display_name(&self.client().await?, user_id).await
    }
}
