//! Following the log: one task per node reads events after its cursor, in
//! position order, and hands them to the commit hook, whichever node wrote
//! them. Positions become visible in commit order (the sequencer row), so
//! reading `seq > cursor` never skips an event that commits later.
//!
//! It is woken by this node's commits, by other nodes' `NOTIFY`, and by a
//! short poll in case a notification is lost; after any lost connection it
//! reconnects and reads again from its cursor.
//!
//! Its reads are also how a node knows it still reaches the database: after
//! [`FENCE_AFTER`] without one, the node fences itself (its sockets close
//! with 1012 and it refuses new ones) so clients move to a node that does;
//! the fence lifts with the next read.

use super::events::{event_from_row, EVENT_COLUMNS};
use super::writer::CHANNEL;
use super::*;
use futures_util::StreamExt;
use tokio_postgres::{AsyncMessage, Client, Row, Statement};

/// Events handed to the hook at a time.
const BATCH: i64 = 1000;

/// The safety net: a node polls this often when nothing woke it.
const POLL: Duration = Duration::from_millis(500);

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Time without reaching the database after which a node fences itself:
/// long enough that a database restart or a failover does not close every
/// socket of the cluster, short enough that clients do not sit on a node
/// that cannot serve them.
pub(super) const FENCE_AFTER: Duration = Duration::from_secs(10);

/// Starts following the log from position `from` (exclusive); returns the
/// node's fence.
pub(super) fn spawn(
    config: tokio_postgres::Config,
    tls: DatabaseTls,
    hook: CommitHook,
    from: i64,
    wake: Arc<Notify>,
    delivered: Arc<AtomicI64>,
    node: Arc<str>,
) -> tokio::sync::watch::Receiver<bool> {
    let started = tokio::time::Instant::now();
    // Milliseconds since `started` of the last successful read.
    let last_read = Arc::new(AtomicI64::new(0));
    let (fence, fenced) = tokio::sync::watch::channel(false);
    let read_at = last_read.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            let since = started.elapsed().as_millis() as i64 - read_at.load(Ordering::Acquire);
            let cut_off = since > FENCE_AFTER.as_millis() as i64;
            let changed = fence.send_if_modified(|fenced| std::mem::replace(fenced, cut_off) != cut_off);
            metrics::gauge!("realtime_cluster_fenced").set(f64::from(u8::from(cut_off)));
            if changed && cut_off {
                tracing::error!(seconds = since / 1000, "database unreachable: fencing this node");
            } else if changed {
                tracing::warn!("database reachable again: accepting connections");
            }
            if fence.is_closed() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut hook = hook;
        let mut cursor = from;
        const FIRST_BACKOFF: Duration = Duration::from_millis(100);
        let mut backoff = FIRST_BACKOFF;
        loop {
            let reads = Reads { started, last: &last_read };
            let read_before = last_read.load(Ordering::Acquire);
            match follow(&config, &tls, &mut hook, &mut cursor, &wake, &delivered, &node, reads).await {
                Ok(()) => tracing::warn!(cursor, "lost the database connection that follows the log"),
                Err(e) => tracing::warn!(cursor, error = %e, "following the log failed"),
            }
            // A connection that worked for a while starts the waits over.
            if last_read.load(Ordering::Acquire) != read_before {
                backoff = FIRST_BACKOFF;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    });
    fenced
}

/// Where the tailer notes that it reached the database.
#[derive(Clone, Copy)]
struct Reads<'a> {
    started: tokio::time::Instant,
    last: &'a AtomicI64,
}

impl Reads<'_> {
    fn succeeded(&self) {
        self.last.store(self.started.elapsed().as_millis() as i64, Ordering::Release);
    }
}

/// Connects, listens, and follows until the connection is lost.
#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
async fn follow(
    config: &tokio_postgres::Config,
    tls: &DatabaseTls,
    hook: &mut CommitHook,
    cursor: &mut i64,
    wake: &Arc<Notify>,
    delivered: &AtomicI64,
    node: &str,
    reads: Reads<'_>,
) -> Result<(), StoreError> {
    let (client, connection_lost) = match tls {
        DatabaseTls::Plain => {
            let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
            (client, listen(connection, wake.clone(), node.to_owned()))
        }
        DatabaseTls::Rustls(tls) => {
            let (client, connection) = config.connect(tls.clone()).await?;
            (client, listen(connection, wake.clone(), node.to_owned()))
        }
    };
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    let read = client
        .prepare(&format!(
            "SELECT {EVENT_COLUMNS}, e.route_rooms, e.except_node, e.except_conn
             FROM events e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2"
        ))
        .await?;
    tracing::info!(cursor = *cursor, "following the log");
    tokio::pin!(connection_lost);
    loop {
        let batch = read_after(&client, &read, *cursor, node).await?;
        reads.succeeded();
        if let Some(last) = batch.last() {
            let age_ms = crate::clock::now_ms() - last.event.created_at;
            let last = last.seq;
            hook(&batch);
            *cursor = last;
            delivered.fetch_max(last, Ordering::AcqRel);
            metrics::gauge!("realtime_cluster_tail_lag_seconds").set(age_ms.max(0) as f64 / 1000.0);
            let behind = if batch.len() as i64 == BATCH {
                let head: i64 = client.query_one("SELECT head FROM rt_sequencer", &[]).await?.try_get(0)?;
                head - last
            } else {
                0
            };
            metrics::gauge!("realtime_cluster_tail_lag_events").set(behind as f64);
            continue;
        }
        metrics::gauge!("realtime_cluster_tail_lag_events").set(0.0);
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = &mut connection_lost => return Ok(()),
        }
    }
}

/// Drives the connection, waking the tailer for other nodes' `NOTIFY`;
/// the receiver resolves when the connection ends.
fn listen<S, T>(
    connection: tokio_postgres::Connection<S, T>,
    wake: Arc<Notify>,
    me: String,
) -> tokio::sync::oneshot::Receiver<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (lost, connection_lost) = tokio::sync::oneshot::channel::<()>();
    let mut connection = connection;
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                // This node's own commits woke its tailer already.
                Ok(AsyncMessage::Notification(n)) if n.payload() == me => {}
                Ok(AsyncMessage::Notification(_)) => wake.notify_one(),
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "log listener connection ended");
                    break;
                }
            }
        }
        drop(lost);
    });
    connection_lost
}

async fn read_after(
    client: &Client,
    read: &Statement,
    cursor: i64,
    node: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = client.query(read, &[&cursor, &BATCH]).await?;
    rows.iter().map(|row| with_route(row, node)).collect()
}

/// An event with the route it was stored with; a connection to skip counts
/// only on the node it is on.
fn with_route(row: &Row, node: &str) -> Result<StoredEvent, StoreError> {
    let mut stored = event_from_row(row, 0)?;
    let rooms: Option<String> = row.try_get(6)?;
    if let Some(rooms) = rooms {
        stored.event.route.rooms =
            serde_json::from_str(&rooms).map_err(|e| StoreError::Database(Box::new(e)))?;
    }
    let except_node: Option<String> = row.try_get(7)?;
    let except_conn: Option<i64> = row.try_get(8)?;
    if except_node.as_deref() == Some(node) {
        stored.event.route.except = except_conn.map(|conn| conn as u64);
    }
    Ok(stored)
}
