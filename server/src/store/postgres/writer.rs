//! Appends, committed in groups: one task per node takes every append
//! queued while the previous commit was under way and stores them in one
//! statement (its own transaction). The sequencer row is held from its update to `COMMIT`, so
//! one transaction per commit flush is all a node (or the cluster) could
//! otherwise do; a group shares both.

use super::super::*;
use deadpool_postgres::GenericClient;
use deadpool_postgres::Pool;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{mpsc, oneshot, Notify};

/// Appends waiting for the writer; a full queue makes callers wait.
const QUEUE: usize = 4096;

/// Most appends committed together.
const MAX_GROUP: usize = 256;

/// The channel `NOTIFY` wakes other nodes' tailers on.
pub(super) const CHANNEL: &str = "rt_events";

/// One caller's events and where its answer goes.
pub(super) struct AppendJob {
    events: Vec<NewEvent>,
    reply: oneshot::Sender<Result<Vec<StoredEvent>, StoreError>>,
}

/// Starts the writer task.
pub(super) fn spawn(
    pool: Pool,
    committed: Arc<AtomicI64>,
    tail_wake: Arc<Notify>,
    node: Arc<str>,
) -> mpsc::Sender<AppendJob> {
    let (queue, jobs) = mpsc::channel(QUEUE);
    tokio::spawn(writer_loop(pool, jobs, committed, tail_wake, node));
    queue
}

/// Queues `events` and waits for their commit.
pub(super) async fn append(
    queue: &mpsc::Sender<AppendJob>,
    events: Vec<NewEvent>,
) -> Result<Vec<StoredEvent>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let (reply, answer) = oneshot::channel();
    queue.send(AppendJob { events, reply }).await.map_err(|_| StoreError::Closed)?;
    answer.await.map_err(|_| StoreError::Closed)?
}

async fn writer_loop(
    pool: Pool,
    mut jobs: mpsc::Receiver<AppendJob>,
    committed: Arc<AtomicI64>,
    tail_wake: Arc<Notify>,
    node: Arc<str>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
        let counts: Vec<usize> = group.iter().map(|job| job.events.len()).collect();
        let events: Vec<NewEvent> =
            group.iter_mut().flat_map(|job| std::mem::take(&mut job.events)).collect();
        metrics::counter!("realtime_store_commits_total").increment(1);
        metrics::counter!("realtime_store_writes_total").increment(group.len() as u64);
        match commit_group(&pool, events, &node).await {
            Ok((stored, client)) => {
                let last = stored.last().map_or(0, |s| s.seq);
                let mut stored = stored.into_iter();
                for (job, count) in group.drain(..).zip(counts) {
                    let _ = job.reply.send(Ok(stored.by_ref().take(count).collect()));
                }
                announce(client, &committed, &tail_wake, &node, last).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, appends = group.len(), "append group failed");
                let shared: Arc<dyn std::error::Error + Send + Sync> = Arc::new(e);
                for job in group.drain(..) {
                    let _ = job.reply.send(Err(StoreError::Commit(shared.clone())));
                }
            }
        }
    }
}

async fn commit_group(
    pool: &Pool,
    events: Vec<NewEvent>,
    node: &str,
) -> Result<(Vec<StoredEvent>, deadpool_postgres::Object), StoreError> {
    let client = pool.get().await?;
    // One statement outside an explicit transaction is its own: taking the
    // positions, storing the events and committing cost one round trip.
    let committing = std::time::Instant::now();
    let stored = insert_events(&client, events, node).await?;
    metrics::histogram!("realtime_store_commit_seconds").record(committing.elapsed().as_secs_f64());
    metrics::histogram!("realtime_store_group_events").record(stored.len() as f64);
    metrics::counter!("realtime_store_events_total").increment(stored.len() as u64);
    Ok((stored, client))
}

/// Stores `events` in order at the next positions, in one statement that
/// takes the sequencer row and inserts at the positions it took. Inside a
/// transaction, call it last: the row stays locked until `COMMIT`.
pub(super) async fn insert_events(
    client: &impl GenericClient,
    events: Vec<NewEvent>,
    node: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let count = events.len() as i64;
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let audiences: Vec<&str> = events.iter().map(|e| e.audience.as_str()).collect();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    let data: Vec<&str> = events.iter().map(|e| e.data.get()).collect();
    let created: Vec<i64> = events.iter().map(|e| e.created_at).collect();
    let rooms: Vec<Option<String>> = events
        .iter()
        .map(|e| {
            (!e.route.rooms.is_empty())
                .then(|| serde_json::to_string(&e.route.rooms).expect("strings serialize"))
        })
        .collect();
    let except_node: Vec<Option<&str>> = events.iter().map(|e| e.route.except.map(|_| node)).collect();
    let except_conn: Vec<Option<i64>> =
        events.iter().map(|e| e.route.except.map(|conn| conn as i64)).collect();
    let statement = client
        .prepare_cached(
            "WITH taken AS (UPDATE rt_sequencer SET head = head + $1 RETURNING head)
             INSERT INTO events (seq, id, audience, event, data, created_at, route_rooms, except_node, except_conn)
             SELECT taken.head - $1 + e.n, e.id, e.audience, e.event, e.data, e.created_at,
                    e.rooms, e.except_node, e.except_conn
             FROM taken, UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
                                $8::text[], $9::bigint[])
                  WITH ORDINALITY AS e(id, audience, event, data, created_at, rooms, except_node, except_conn, n)
             RETURNING seq",
        )
        .await?;
    let rows = client
        .query(
            &statement,
            &[&count, &ids, &audiences, &names, &data, &created, &rooms, &except_node, &except_conn],
        )
        .await?;
    let first =
        rows.iter().map(|r| r.try_get::<_, i64>(0)).try_fold(i64::MAX, |low, seq| seq.map(|s| low.min(s)))?;
    Ok(events.into_iter().zip(first..).map(|(event, seq)| StoredEvent { seq, event }).collect())
}

/// After a commit up to `last_seq`: this node's tailer is woken at once,
/// and the others by a `NOTIFY` sent outside the writing transaction (a
/// `NOTIFY` inside it would take the database-wide notify lock at every
/// commit). A lost `NOTIFY` costs the other nodes one poll interval.
pub(super) async fn announce(
    client: deadpool_postgres::Object,
    committed: &AtomicI64,
    tail_wake: &Notify,
    node: &str,
    last_seq: i64,
) {
    committed.fetch_max(last_seq, Ordering::AcqRel);
    tail_wake.notify_one();
    // Named by its node, whose own tailer skips it (it was woken above).
    // Not waited for: the next group need not queue behind it.
    let notify = format!("NOTIFY {CHANNEL}, '{node}'");
    tokio::spawn(async move {
        if let Err(e) = client.batch_execute(&notify).await {
            tracing::debug!(error = %e, "NOTIFY failed; other nodes will poll");
        }
    });
}
