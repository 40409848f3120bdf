//! SQLite storage. One thread owns the connection; requests queue up and
//! each batch runs in a single transaction (group commit), so an fsync per
//! commit does not cap throughput. Each request gets its own savepoint, so
//! one failing request does not undo the others in its batch.

use super::{Booking, Chat, NewEvent, Store, StoreError, StoredEvent};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use std::path::Path;
use std::sync::mpsc;
use tokio::sync::oneshot;
use urutibiz_protocol::BookingStatus;

/// Most requests committed together.
const MAX_BATCH: usize = 512;

/// Runs after the batch's commit with its outcome, to answer the caller.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A request: runs inside the batch's transaction; `true` if it succeeded.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

/// The schema, versioned: append, never edit.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(include_str!("../../migrations/0001_init.sql"))])
}

/// SQLite-backed [`Store`].
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database, then starts the
    /// writer thread. `fsync` selects `synchronous=FULL` over `NORMAL`.
    pub fn open(path: &Path, fsync: bool) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", if fsync { "FULL" } else { "NORMAL" })?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations().to_latest(&mut conn).map_err(|e| StoreError::Database(e.to_string()))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, queue))
            .map_err(|e| StoreError::Database(format!("starting writer thread: {e}")))?;
        Ok(SqliteStore { jobs })
    }

    /// Runs `f` on the writer thread, inside a group-commit transaction.
    async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |commit| {
                let outcome = match commit {
                    Ok(()) => result,
                    Err(e) => Err(StoreError::Database(e)),
                };
                let _ = reply.send(outcome);
            });
            (ok, finish)
        });
        self.jobs.send(job).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

fn writer_loop(mut conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut finishers = Vec::with_capacity(batch.len());
        let outcome = run_batch(&mut conn, batch, &mut finishers);
        for finish in finishers {
            finish(outcome.clone());
        }
    }
}

fn run_batch(conn: &mut Connection, batch: Vec<Job>, finishers: &mut Vec<Finish>) -> Result<(), String> {
    let mut tx = conn.transaction().map_err(|e| e.to_string())?;
    for job in batch {
        let mut savepoint = tx.savepoint().map_err(|e| e.to_string())?;
        let (ok, finish) = job(&savepoint);
        if ok {
            savepoint.commit().map_err(|e| e.to_string())?;
        } else {
            let _ = savepoint.rollback();
        }
        finishers.push(finish);
    }
    tx.commit().map_err(|e| e.to_string())
}

fn read_booking(conn: &Connection, id: &str) -> Result<Option<Booking>, StoreError> {
    let row = conn
        .query_row("SELECT id, host_id, renter_id, status, title FROM bookings WHERE id = ?1", [id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .optional()?;
    row.map(|(id, host_id, renter_id, status, title)| {
        let status = BookingStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("booking {id} has unknown status {status}")))?;
        Ok(Booking { id, host_id, renter_id, status, title })
    })
    .transpose()
}

fn read_chat(conn: &Connection, id: &str) -> Result<Option<Chat>, StoreError> {
    Ok(conn
        .query_row("SELECT id, user_a, user_b FROM chats WHERE id = ?1", [id], |r| {
            Ok(Chat { id: r.get(0)?, user_a: r.get(1)?, user_b: r.get(2)? })
        })
        .optional()?)
}

fn insert_events(conn: &Connection, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (id, audience, event, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut stored = Vec::with_capacity(events.len());
    for event in events {
        insert.execute(params![event.id, event.audience, event.event, event.data.get(), event.created_at])?;
        stored.push(StoredEvent { seq: conn.last_insert_rowid(), event });
    }
    Ok(stored)
}

fn now_ms() -> i64 {
    crate::clock::now_ms()
}

#[async_trait]
impl Store for SqliteStore {
    async fn upsert_booking(&self, booking: Booking) -> Result<Option<Booking>, StoreError> {
        self.call(move |conn| {
            let before = read_booking(conn, &booking.id)?;
            let now = now_ms();
            conn.execute(
                "INSERT INTO bookings (id, host_id, renter_id, status, title, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (id) DO UPDATE SET host_id = ?2, renter_id = ?3,
                    title = COALESCE(?5, title), updated_at = ?6",
                params![
                    booking.id,
                    booking.host_id,
                    booking.renter_id,
                    booking.status.as_str(),
                    booking.title,
                    now
                ],
            )?;
            Ok(before)
        })
        .await
    }

    async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| read_booking(conn, &id)).await
    }

    async fn change_booking_status(
        &self,
        id: &str,
        from: BookingStatus,
        to: BookingStatus,
        events: Vec<NewEvent>,
    ) -> Result<Option<Vec<StoredEvent>>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let changed = conn.execute(
                "UPDATE bookings SET status = ?3, updated_at = ?4 WHERE id = ?1 AND status = ?2",
                params![id, from.as_str(), to.as_str(), now_ms()],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            insert_events(conn, events).map(Some)
        })
        .await
    }

    async fn chat(&self, id: &str) -> Result<Option<Chat>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| read_chat(conn, &id)).await
    }

    async fn create_chat(&self, chat: Chat) -> Result<Chat, StoreError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO chats (id, user_a, user_b, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO NOTHING",
                params![chat.id, chat.user_a, chat.user_b, now_ms()],
            )?;
            read_chat(conn, &chat.id)?
                .ok_or_else(|| StoreError::Database("chat vanished after insert".into()))
        })
        .await
    }

    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        self.call(move |conn| insert_events(conn, events)).await
    }
}
