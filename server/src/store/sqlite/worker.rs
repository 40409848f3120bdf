//! The threads that own SQLite connections.
//!
//! Writes go to one thread that commits whatever has queued up as a single
//! transaction (group commit), each request in its own savepoint so one
//! failure does not undo the others. After a commit the thread answers the
//! callers, then calls the commit hook with the batch's events in `seq`
//! order. Answering first matters: a caller's task is queued ahead of the
//! thousands of connection tasks a broadcast wakes, so a publisher hears
//! "stored" in the time of an fsync, not of the whole fan-out. Reads go to a small pool of threads with their own connections;
//! WAL lets them run beside the writer.

use super::super::{CommitHook, StoreError, StoredEvent};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

/// Most requests committed together.
const MAX_BATCH: usize = 512;

/// Answers a caller once its batch's commit outcome is known.
pub type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A write request: runs inside the batch's transaction, pushes the events
/// it stored, and says whether it succeeded.
pub type WriteJob = Box<dyn FnOnce(&Connection, &mut Vec<StoredEvent>) -> (bool, Finish) + Send>;
/// A read request.
pub type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// Opens a connection with the pragmas every connection needs.
pub fn connect(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::default()
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Starts the writer thread.
pub fn spawn_writer(conn: Connection, hook: CommitHook) -> Result<mpsc::Sender<WriteJob>, StoreError> {
    let (jobs, queue) = mpsc::channel::<WriteJob>();
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || writer_loop(conn, queue, hook))
        .map_err(|e| StoreError::Database(format!("starting the writer thread: {e}")))?;
    Ok(jobs)
}

fn writer_loop(mut conn: Connection, queue: mpsc::Receiver<WriteJob>, hook: CommitHook) {
    // Requests per commit (their ratio) is how well group commit works.
    metrics::describe_counter!("realtime_store_commits_total", "Write transactions committed");
    metrics::describe_counter!(
        "realtime_store_writes_total",
        "Write requests, committed together in batches"
    );
    let commits = metrics::counter!("realtime_store_commits_total");
    let writes = metrics::counter!("realtime_store_writes_total");
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut finishers = Vec::with_capacity(batch.len());
        let mut events = Vec::new();
        let outcome = run_batch(&mut conn, batch, &mut finishers, &mut events);
        commits.increment(1);
        writes.increment(finishers.len() as u64);
        for finish in finishers {
            finish(outcome.clone());
        }
        if outcome.is_ok() && !events.is_empty() {
            hook(&events);
        }
    }
}

fn run_batch(
    conn: &mut Connection,
    batch: Vec<WriteJob>,
    finishers: &mut Vec<Finish>,
    events: &mut Vec<StoredEvent>,
) -> Result<(), String> {
    let mut tx = conn.transaction().map_err(|e| e.to_string())?;
    for job in batch {
        let mut savepoint = tx.savepoint().map_err(|e| e.to_string())?;
        let before = events.len();
        let (ok, finish) = job(&savepoint, events);
        if ok {
            savepoint.commit().map_err(|e| e.to_string())?;
        } else {
            events.truncate(before);
            let _ = savepoint.rollback();
        }
        finishers.push(finish);
    }
    tx.commit().map_err(|e| e.to_string())
}

/// Time between checkpoints.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Starts the thread that copies the WAL back into the database. SQLite's
/// automatic checkpoint would run inside a commit on the writer thread,
/// stalling every write queued behind it (and their delivery) for the copy
/// and its fsync; here it runs beside the writer (`PASSIVE` never blocks
/// it). The thread ends when the returned sender is dropped.
pub fn spawn_checkpointer(path: &Path) -> Result<mpsc::Sender<()>, StoreError> {
    let conn = connect(path, false)?;
    let (keep_alive, stop) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("sqlite-checkpointer".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
                let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                });
                if let Err(e) = done {
                    tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
                }
            }
        })
        .map_err(|e| StoreError::Database(format!("starting the checkpoint thread: {e}")))?;
    Ok(keep_alive)
}

/// Starts `count` reader threads sharing one queue.
pub fn spawn_readers(path: &Path, count: usize) -> Result<mpsc::Sender<ReadJob>, StoreError> {
    let (jobs, queue) = mpsc::channel::<ReadJob>();
    let queue = Arc::new(Mutex::new(queue));
    for i in 0..count {
        let conn = connect(path, true)?;
        let queue = queue.clone();
        std::thread::Builder::new()
            .name(format!("sqlite-reader-{i}"))
            .spawn(move || loop {
                let job = match queue.lock() {
                    Ok(queue) => queue.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(&conn),
                    Err(_) => return,
                }
            })
            .map_err(|e| StoreError::Database(format!("starting a reader thread: {e}")))?;
    }
    Ok(jobs)
}
