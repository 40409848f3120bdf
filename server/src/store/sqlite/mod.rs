//! SQLite storage: the default [`Store`].
//!
//! - [`worker`]: the writer thread (group commit, commit hook) and readers.
//! - [`gathered_wal`]: the writer's VFS, one write call per commit's frames.
//! - [`events`]: bookings, chats, events, replay and chat history.
//! - [`read_state`]: unread counts, read marks and notification history.
//! - [`retention`]: pruning old events in small steps.
//! - [`users`]: display names.

mod events;
mod gathered_wal;
mod read_state;
mod retention;
mod users;
mod worker;

use super::*;
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{mpsc, Arc};
use tokio::sync::oneshot;
use worker::{ReadJob, WriteJob};

/// Reader threads; reads are short, two keep one long replay from
/// stalling the rest.
const READERS: usize = 2;

/// Size the WAL file is cut back to when it starts over.
const WAL_KEPT_BYTES: i64 = 64 << 20;

/// The schema, versioned: append, never edit.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/0001_init.sql")),
        M::up(include_str!("../../../migrations/0002_read_state_and_retention.sql")),
        M::up(include_str!("../../../migrations/0003_users.sql")),
        M::up(include_str!("../../../migrations/0004_events_without_time_index.sql")),
        M::up(include_str!("../../../migrations/0005_booking_changes.sql")),
        M::up(include_str!("../../../migrations/0006_names_from_the_backend.sql")),
    ])
}

/// SQLite-backed [`Store`].
pub(crate) struct SqliteStore {
    writes: mpsc::Sender<WriteJob>,
    reads: mpsc::Sender<ReadJob>,
    /// Keeps the checkpoint thread running while the store lives.
    _checkpoints: mpsc::Sender<()>,
    /// Newest acknowledged position; set by the writer before it answers.
    committed: Arc<AtomicI64>,
    /// Held while the store is open: a second server on the same file
    /// would deliver only what it writes itself, so it is refused.
    _in_use: std::fs::File,
}

/// Locks `<db>-lock` beside the database for this process (released when
/// it exits, however it exits).
fn claim(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push("-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::Database(Box::new(e)))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse { path: path.display().to_string() }),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Database(Box::new(e))),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database, then starts the
    /// worker threads. `fsync` selects `synchronous=FULL` over `NORMAL`;
    /// both survive a process crash, only FULL survives a power cut.
    pub(crate) fn open(path: &Path, fsync: bool, hook: CommitHook) -> Result<SqliteStore, StoreError> {
        let in_use = claim(path)?;
        let mut conn = worker::connect_writer(path, fsync)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", if fsync { "FULL" } else { "NORMAL" })?;
        migrations().to_latest(&mut conn)?;
        // Checkpoints run on their own thread, not inside the writer's commits.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // A WAL that one burst made large shrinks back once it starts over.
        conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
        let reads = worker::spawn_readers(path, READERS)?;
        let finish_checkpoint = Arc::new(AtomicBool::new(false));
        let checkpoints =
            worker::spawn_checkpointer(path, worker::CHECKPOINT_EVERY, finish_checkpoint.clone())?;
        let committed = Arc::new(AtomicI64::new(events::events_head(&conn)?));
        let writes = worker::spawn_writer(conn, hook, committed.clone(), finish_checkpoint)?;
        Ok(SqliteStore { writes, reads, _checkpoints: checkpoints, committed, _in_use: in_use })
    }

    /// Runs `f` on the writer, inside a group-commit transaction; `f` pushes
    /// the events it stored so the commit hook sees them.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut Vec<StoredEvent>) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteJob = Box::new(move |conn, stored| {
            let result = f(conn, stored);
            let ok = result.is_ok();
            let finish: worker::Finish = Box::new(move |commit| {
                let _ = reply.send(commit.map_err(|e| StoreError::Commit(e)).and(result));
            });
            (ok, finish)
        });
        self.writes.send(job).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a reader.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = reply.send(f(conn));
        });
        self.reads.send(job).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

#[async_trait]
impl EventLog for SqliteStore {
    async fn append(&self, new: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        self.write(move |conn, stored| events::insert_events(conn, new, stored)).await
    }

    async fn head_seq(&self) -> Result<i64, StoreError> {
        self.read(events::events_head).await
    }

    fn committed_head(&self) -> i64 {
        self.committed.load(Ordering::Acquire)
    }

    async fn replay(&self, scope: Scope, after: i64, limit: usize) -> Result<ReplayPage, StoreError> {
        self.read(move |conn| events::replay(conn, &scope, after, limit)).await
    }

    async fn prune(&self, retention: Retention) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            // One short transaction per step, so writes queued meanwhile
            // (and their delivery) wait for one step at most.
            let removed = self.write(move |conn, _| retention::prune_step(conn, retention)).await?;
            total += removed;
            if removed == 0 {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }
}

#[async_trait]
impl BookingStore for SqliteStore {
    async fn upsert_booking(&self, booking: Booking) -> Result<Option<Booking>, StoreError> {
        self.write(move |conn, _| events::upsert_booking(conn, &booking)).await
    }

    async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| events::read_booking(conn, &id)).await
    }

    async fn change_booking_status(
        &self,
        id: &str,
        from: BookingStatus,
        to: BookingStatus,
        changed_by: &str,
        new: Vec<NewEvent>,
    ) -> Result<Option<Vec<StoredEvent>>, StoreError> {
        let (id, changed_by) = (id.to_owned(), changed_by.to_owned());
        self.write(move |conn, stored| {
            if !events::set_booking_status(conn, &id, from, to, &changed_by)? {
                return Ok(None);
            }
            events::insert_events(conn, new, stored).map(Some)
        })
        .await
    }

    async fn booking_record(&self, id: &str) -> Result<Option<BookingRecord>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| events::read_booking_record(conn, &id)).await
    }

    async fn bookings_of(
        &self,
        user_id: &str,
        query: BookingQuery,
    ) -> Result<Vec<BookingRecord>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| events::bookings_of(conn, &user_id, &query)).await
    }

    async fn booking_changes(&self, id: &str, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| events::booking_changes(conn, &id, limit)).await
    }

    async fn share_booking(&self, one: &str, other: &str) -> Result<bool, StoreError> {
        let (one, other) = (one.to_owned(), other.to_owned());
        self.read(move |conn| events::share_booking(conn, &one, &other)).await
    }
}

#[async_trait]
impl ChatStore for SqliteStore {
    async fn chat(&self, id: &str) -> Result<Option<Chat>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| events::read_chat(conn, &id)).await
    }

    async fn create_chat(&self, chat: Chat) -> Result<Chat, StoreError> {
        self.write(move |conn, _| events::create_chat(conn, &chat)).await
    }

    async fn chats_of(
        &self,
        user_id: &str,
        after: Option<ChatCursor>,
        limit: usize,
    ) -> Result<Vec<ChatSummary>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| events::chats_of(conn, &user_id, after.as_ref(), limit)).await
    }

    async fn messages(
        &self,
        chat_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let chat_id = chat_id.to_owned();
        self.read(move |conn| events::messages(conn, &chat_id, before, limit)).await
    }
}

#[async_trait]
impl ReadStateStore for SqliteStore {
    async fn unread_count(&self, scope: Scope) -> Result<i64, StoreError> {
        self.read(move |conn| read_state::unread_count(conn, &scope)).await
    }

    async fn unread_by_chat(&self, scope: Scope) -> Result<HashMap<String, i64>, StoreError> {
        self.read(move |conn| read_state::unread_by_chat(conn, &scope)).await
    }

    async fn change_read_state(&self, scope: Scope, change: ReadChange) -> Result<ReadOutcome, StoreError> {
        let for_write = scope.clone();
        let mut outcome = self.write(move |conn, _| read_state::change(conn, &for_write, change)).await?;
        // Counted after the commit, on a reader, so the writer (and every
        // publish queued behind it) does not wait for the count.
        outcome.unread_count = self.read(move |conn| read_state::unread_count(conn, &scope)).await?;
        Ok(outcome)
    }

    async fn notifications(
        &self,
        scope: Scope,
        query: HistoryQuery,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        self.read(move |conn| read_state::history(conn, &scope, &query)).await
    }
}

#[async_trait]
impl NameStore for SqliteStore {
    async fn set_display_name(
        &self,
        user_id: &str,
        name: &str,
        source: NameSource,
    ) -> Result<RecordedName, StoreError> {
        let (user_id, name) = (user_id.to_owned(), name.to_owned());
        let now = crate::clock::now_ms();
        self.write(move |conn, _| users::set_display_name(conn, &user_id, &name, source, now)).await
    }

    async fn display_name(&self, user_id: &str) -> Result<Option<RecordedName>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| users::display_name(conn, &user_id)).await
    }
}
