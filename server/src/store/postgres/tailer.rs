//! Following the log: one task per node reads events after its cursor, in
//! position order, and hands them to the commit hook, whichever node wrote
//! them. Positions become visible in commit order (the sequencer row), so
//! reading `seq > cursor` never skips an event that commits later.
//!
//! It is woken by this node's commits, by other nodes' `NOTIFY`, and by a
//! short poll in case a notification is lost; after any lost connection it
//! reconnects and reads again from its cursor.

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

/// Starts following the log from position `from` (exclusive).
pub(super) fn spawn(
    config: tokio_postgres::Config,
    hook: CommitHook,
    from: i64,
    wake: Arc<Notify>,
    delivered: Arc<AtomicI64>,
    node: Arc<str>,
) {
    tokio::spawn(async move {
        let mut hook = hook;
        let mut cursor = from;
        let mut backoff = Duration::from_millis(100);
        loop {
            match follow(&config, &mut hook, &mut cursor, &wake, &delivered, &node).await {
                Ok(()) => tracing::warn!(cursor, "lost the database connection that follows the log"),
                Err(e) => tracing::warn!(cursor, error = %e, "following the log failed"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    });
}

/// Connects, listens, and follows until the connection is lost.
async fn follow(
    config: &tokio_postgres::Config,
    hook: &mut CommitHook,
    cursor: &mut i64,
    wake: &Arc<Notify>,
    delivered: &AtomicI64,
    node: &str,
) -> Result<(), StoreError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (lost, connection_lost) = tokio::sync::oneshot::channel::<()>();
    let notified = wake.clone();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => notified.notify_one(),
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "log listener connection ended");
                    break;
                }
            }
        }
        drop(lost);
    });
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
        if let Some(last) = batch.last().map(|e| e.seq) {
            hook(&batch);
            *cursor = last;
            delivered.fetch_max(last, Ordering::AcqRel);
            continue;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = &mut connection_lost => return Ok(()),
        }
    }
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
