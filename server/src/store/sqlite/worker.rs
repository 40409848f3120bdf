//! The threads that own SQLite connections.
//!
//! Writes go to one thread that commits whatever has queued up as a single
//! transaction (group commit), each request in its own savepoint so one
//! failure does not undo the others. After a commit the thread answers the
//! callers, then calls the commit hook with the batch's events in `seq`
//! order. Answering first matters: a caller's task is queued ahead of the
//! thousands of connection tasks a broadcast wakes, so a publisher hears
//! "stored" in the time of an fsync, not of the whole fan-out. Reads go to a
//! small pool of threads with their own connections; WAL lets them run beside
//! the writer.
//!
//! Checkpoints: a thread copies the WAL back into the database beside the
//! writer, but under steady writes it never catches up (frames keep arriving
//! while it copies), and SQLite starts the WAL over only when a write begins
//! with every frame copied. So when that thread is done, the writer copies
//! the few frames written meanwhile itself, between two batches; its next
//! commit then writes at the start of the WAL again, over blocks the file
//! already has. Without this a busy server's WAL grows without bound and
//! every commit appends to new blocks (measured in bench/RESULTS.md).

use super::super::{CommitHook, StoreError, StoredEvent};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

/// Most requests committed together.
const MAX_BATCH: usize = 512;

/// A batch's commit outcome, shared by every request in it.
pub(super) type CommitOutcome = Result<(), Arc<rusqlite::Error>>;
/// Answers a caller once its batch's commit outcome is known.
pub(super) type Finish = Box<dyn FnOnce(CommitOutcome) + Send>;
/// A write request: runs inside the batch's transaction, pushes the events
/// it stored, and says whether it succeeded.
pub(super) type WriteJob = Box<dyn FnOnce(&Connection, &mut Vec<StoredEvent>) -> (bool, Finish) + Send>;
/// A read request.
pub(super) type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// Opens a connection with the pragmas every connection needs.
pub(super) fn connect(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::default()
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Opens the writer's connection; with `fsync` on Unix, through the VFS
/// that writes each commit's WAL frames in one call (sound only when commits
/// sync; it wraps SQLite's `unix` VFS, which Windows does not have).
pub(super) fn connect_writer(path: &Path, fsync: bool) -> Result<Connection, StoreError> {
    if !fsync || !cfg!(unix) {
        return connect(path, false);
    }
    super::gathered_wal::register()?;
    let conn = Connection::open_with_flags_and_vfs(path, OpenFlags::default(), super::gathered_wal::NAME)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Starts the writer thread.
pub(super) fn spawn_writer(
    conn: Connection,
    hook: CommitHook,
    committed: Arc<AtomicI64>,
    finish_checkpoint: Arc<AtomicBool>,
) -> Result<mpsc::Sender<WriteJob>, StoreError> {
    let (jobs, queue) = mpsc::channel::<WriteJob>();
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || writer_loop(conn, queue, hook, committed, finish_checkpoint))
        .map_err(|source| StoreError::Thread { what: "writer", source })?;
    Ok(jobs)
}

fn writer_loop(
    mut conn: Connection,
    queue: mpsc::Receiver<WriteJob>,
    hook: CommitHook,
    committed: Arc<AtomicI64>,
    finish_checkpoint: Arc<AtomicBool>,
) {
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
        if let (Ok(()), Some(last)) = (&outcome, events.last()) {
            // Before anyone hears of the commit: see `Store::committed_head`.
            committed.fetch_max(last.seq, Ordering::AcqRel);
        }
        for finish in finishers {
            finish(outcome.clone());
        }
        if outcome.is_ok() && !events.is_empty() {
            hook(&events);
        }
        if finish_checkpoint.swap(false, Ordering::AcqRel) {
            if let Err(e) = checkpoint(&conn) {
                tracing::warn!(error = %e, "WAL checkpoint on the writer failed");
            }
        }
    }
}

/// Frames the writer is left to copy: few enough that its pause is short.
const LEFT_FOR_THE_WRITER: i64 = 256;

/// Checkpoints until a run finds few new frames, so what the writer commits
/// meanwhile (and is then asked to copy) is small; returns the WAL's frames.
/// "All copied" in one run means all this connection saw when it began: the
/// writer has usually committed more since.
fn catch_up(conn: &Connection) -> rusqlite::Result<i64> {
    let mut seen = 0;
    for _ in 0..8 {
        let frames = checkpoint(conn)?;
        // Fewer frames than last time: the WAL started over in between.
        let new = if frames >= seen { frames - seen } else { frames };
        seen = frames;
        if new <= LEFT_FOR_THE_WRITER {
            break;
        }
    }
    Ok(seen)
}

/// Copies what it can of the WAL into the database without waiting for
/// anyone; returns the frames in the WAL (as of this connection's view when
/// it began).
fn checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
}

fn run_batch(
    conn: &mut Connection,
    batch: Vec<WriteJob>,
    finishers: &mut Vec<Finish>,
    events: &mut Vec<StoredEvent>,
) -> CommitOutcome {
    let started = events.len();
    let outcome = run_jobs(conn, batch, finishers, events).map_err(Arc::new);
    if outcome.is_err() {
        events.truncate(started);
        // Whatever failed, the transaction is not left open.
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    outcome
}

/// Runs the jobs in one transaction. Statements are prepared once and
/// cached: at a few commits per message, parsing `BEGIN`/`SAVEPOINT` text
/// every time shows in the profile.
fn run_jobs(
    conn: &Connection,
    batch: Vec<WriteJob>,
    finishers: &mut Vec<Finish>,
    events: &mut Vec<StoredEvent>,
) -> rusqlite::Result<()> {
    let run = |sql: &str| conn.prepare_cached(sql)?.execute([]).map(drop);
    // A lone request needs no savepoint: if it fails, the whole
    // transaction is its own to roll back.
    let alone = batch.len() == 1;
    run("BEGIN")?;
    for job in batch {
        if !alone {
            run("SAVEPOINT job")?;
        }
        let before = events.len();
        let (ok, finish) = job(conn, events);
        finishers.push(finish);
        match (ok, alone) {
            (true, true) => {}
            (true, false) => run("RELEASE job")?,
            (false, true) => {
                events.truncate(before);
                return run("ROLLBACK");
            }
            (false, false) => {
                events.truncate(before);
                run("ROLLBACK TO job")?;
                run("RELEASE job")?;
            }
        }
    }
    run("COMMIT")
}

/// Time between checkpoints.
pub(super) const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Starts the thread that copies the WAL back into the database every
/// `every`. SQLite's automatic checkpoint would run inside a commit on the
/// writer thread, stalling every write queued behind it (and their delivery)
/// for the whole copy and its fsync; here the bulk runs beside the writer
/// (`PASSIVE` never blocks it), and `finish` asks the writer for the
/// remainder (see the module's comment). The thread ends when the returned
/// sender is dropped.
pub(super) fn spawn_checkpointer(
    path: &Path,
    every: std::time::Duration,
    finish: Arc<AtomicBool>,
) -> Result<mpsc::Sender<()>, StoreError> {
    let conn = connect(path, false)?;
    let (keep_alive, stop) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("sqlite-checkpointer".into())
        .spawn(move || {
            metrics::describe_gauge!(
                "realtime_store_wal_frames",
                "Frames in the SQLite WAL at the last checkpoint; falls back each time the WAL starts over"
            );
            while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(every) {
                match catch_up(&conn) {
                    Ok(frames) => {
                        metrics::gauge!("realtime_store_wal_frames").set(frames as f64);
                        if frames > 0 {
                            finish.store(true, Ordering::Release);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retrying"),
                }
            }
        })
        .map_err(|source| StoreError::Thread { what: "checkpoint", source })?;
    Ok(keep_alive)
}

/// Starts `count` reader threads sharing one queue.
pub(super) fn spawn_readers(path: &Path, count: usize) -> Result<mpsc::Sender<ReadJob>, StoreError> {
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
            .map_err(|source| StoreError::Thread { what: "reader", source })?;
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewEvent, Route};
    use std::sync::mpsc::{channel, Receiver, Sender};

    fn stored(seq: i64) -> StoredEvent {
        let data = serde_json::value::RawValue::from_string("{}".into()).unwrap();
        let event = NewEvent {
            id: seq.to_string(),
            audience: "user-u".into(),
            event: "tick".into(),
            data,
            created_at: 0,
            route: Route::default(),
        };
        StoredEvent { seq, event }
    }

    /// A job inserting `x` (failing after the insert when `fail`), that
    /// reports its commit outcome on `done`.
    fn insert(x: i64, fail: bool, done: Sender<(i64, CommitOutcome)>) -> WriteJob {
        Box::new(move |conn, events| {
            conn.execute("INSERT INTO t (x) VALUES (?1)", [x]).unwrap();
            events.push(stored(x));
            let finish: Finish = Box::new(move |outcome| done.send((x, outcome)).unwrap());
            (!fail, finish)
        })
    }

    fn rows(path: &Path) -> Vec<i64> {
        let conn = Connection::open(path).unwrap();
        let mut select = conn.prepare("SELECT x FROM t ORDER BY x").unwrap();
        select.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    fn writer(path: &Path) -> (mpsc::Sender<WriteJob>, Receiver<Vec<i64>>) {
        let conn = connect(path, false).unwrap();
        conn.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER)").unwrap();
        let (hooked, committed) = channel();
        let hook: CommitHook = Box::new(move |events: &[StoredEvent]| {
            hooked.send(events.iter().map(|e| e.seq).collect()).unwrap()
        });
        (spawn_writer(conn, hook, Arc::default(), Arc::default()).unwrap(), committed)
    }

    #[test]
    fn a_failed_request_is_undone_alone_in_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let (jobs, committed) = writer(&path);
        // Hold the writer in its first request while three more queue up.
        let (release, blocked) = channel::<()>();
        let (done, outcomes) = channel();
        let first = done.clone();
        jobs.send(Box::new(move |conn, events| {
            blocked.recv().unwrap();
            insert(1, false, first)(conn, events)
        }))
        .unwrap();
        for (x, fail) in [(2, false), (3, true), (4, false)] {
            jobs.send(insert(x, fail, done.clone())).unwrap();
        }
        release.send(()).unwrap();
        let mut answered: Vec<_> = (0..4).map(|_| outcomes.recv().unwrap()).collect();
        answered.sort_by_key(|(x, _)| *x);
        assert!(answered.iter().all(|(_, outcome)| outcome.is_ok()), "{answered:?}");
        // Requests 2-4 were all queued before the first finished, so 3 was
        // committed beside others (with the first, or with 2 and 4).
        let mut delivered = Vec::new();
        while delivered.len() < 3 {
            delivered.extend(committed.recv().unwrap());
        }
        assert_eq!(delivered, [1, 2, 4], "the failed request's event must not be delivered");
        assert_eq!(rows(&path), [1, 2, 4]);
    }

    /// A writer on a WAL database that checkpoints only when asked, and a
    /// way to ask; the table's rows are a few pages each.
    fn checkpointing_writer(path: &Path) -> (mpsc::Sender<WriteJob>, Arc<AtomicBool>) {
        let conn = connect(path, false).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x INTEGER, pad BLOB)",
        )
        .unwrap();
        let finish = Arc::new(AtomicBool::new(false));
        let hook: CommitHook = Box::new(|_: &[StoredEvent]| {});
        (spawn_writer(conn, hook, Arc::default(), finish.clone()).unwrap(), finish)
    }

    /// Commits one row of a few pages and waits for the commit.
    fn commit_row(jobs: &mpsc::Sender<WriteJob>, x: i64) {
        let (done, outcome) = channel();
        jobs.send(Box::new(move |conn, _events| {
            conn.execute("INSERT INTO t (x, pad) VALUES (?1, zeroblob(10000))", [x]).unwrap();
            let finish: Finish = Box::new(move |outcome| done.send(outcome).unwrap());
            (true, finish)
        }))
        .unwrap();
        outcome.recv().unwrap().unwrap();
    }

    /// Frames in the WAL, as another connection sees it.
    fn wal_frames(path: &Path) -> i64 {
        let other = Connection::open(path).unwrap();
        checkpoint(&other).unwrap()
    }

    #[test]
    fn asked_to_finish_a_checkpoint_the_writer_starts_the_wal_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let (jobs, finish) = checkpointing_writer(&path);
        for x in 0..20 {
            commit_row(&jobs, x);
        }
        let grown = wal_frames(&path);
        assert!(grown >= 60, "20 rows of 3+ pages: {grown} frames");
        finish.store(true, Ordering::Release);
        // The writer checkpoints after this commit, so the next one begins
        // with every frame copied and writes from the WAL's start.
        commit_row(&jobs, 20);
        commit_row(&jobs, 21);
        let frames = wal_frames(&path);
        assert!(frames < 10, "the WAL did not start over: {frames} frames (was {grown})");
        assert!(!finish.load(Ordering::Acquire), "the request was not taken");
        assert_eq!(rows(&path), (0..22).collect::<Vec<_>>());
    }

    #[test]
    fn after_each_checkpoint_of_a_wal_in_use_the_writer_is_asked_to_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let (jobs, _) = checkpointing_writer(&path);
        commit_row(&jobs, 1);
        let finish = Arc::new(AtomicBool::new(false));
        let _running =
            spawn_checkpointer(&path, std::time::Duration::from_millis(5), finish.clone()).unwrap();
        let asked = (0..400).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(5));
            finish.load(Ordering::Acquire)
        });
        assert!(asked, "the checkpointer never asked the writer to finish");
    }

    #[test]
    fn a_lone_failed_request_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let (jobs, committed) = writer(&path);
        let (done, outcomes) = channel();
        jobs.send(insert(7, true, done.clone())).unwrap();
        assert!(outcomes.recv().unwrap().1.is_ok());
        jobs.send(insert(8, false, done)).unwrap();
        assert!(outcomes.recv().unwrap().1.is_ok());
        assert_eq!(committed.recv().unwrap(), [8], "nothing of the failed request is delivered");
        assert_eq!(rows(&path), [8]);
    }
}
