//! Moving from the embedded default to a cluster: copies an SQLite database
//! (bookings, chats, events with their positions, read state, pruning
//! marks, names) into an empty PostgreSQL database in one transaction, and
//! sets the sequencer to the SQLite file's last position, so clients keep
//! theirs: a resume from a position of the old server goes on where it was.

use super::{connection_config, migrate, DatabaseUrlError};
use deadpool_postgres::Pool;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use tokio_postgres::types::ToSql;

/// Rows copied per statement.
const CHUNK: usize = 2000;

/// What was copied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Bookings.
    pub bookings: usize,
    /// Chats.
    pub chats: usize,
    /// Events, positions kept.
    pub events: usize,
    /// Users' read watermarks, individual reads and names.
    pub read_marks: usize,
    /// Individual reads above the watermarks.
    pub reads: usize,
    /// Display names.
    pub names: usize,
    /// The position the cluster goes on from.
    pub head: i64,
}

/// Why the move failed; nothing was written to the target unless it says
/// otherwise (the copy is one transaction).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The SQLite file could not be read.
    #[error("reading {path}: {source}")]
    Source {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The database URL is not usable.
    #[error("--database-url: {0}")]
    Url(#[from] DatabaseUrlError),
    /// PostgreSQL refused or failed.
    #[error("PostgreSQL: {0}")]
    Target(#[from] tokio_postgres::Error),
    /// The schema could not be brought up to date.
    #[error("PostgreSQL schema: {0}")]
    Schema(#[from] crate::store::StoreError),
    /// The target already holds data: the move never merges.
    #[error("the target database already holds {0}; a move goes into an empty database only")]
    NotEmpty(&'static str),
    /// A pooled connection could not be made.
    #[error("connecting to PostgreSQL: {0}")]
    Connect(String),
}

/// Copies the SQLite database at `from` into the empty PostgreSQL database
/// at `url`. Stop the server on `from` first: what it writes during the
/// copy would not be moved.
pub async fn import_sqlite(from: &Path, url: &str, ca: Option<&Path>) -> Result<Imported, ImportError> {
    let source_error = |source| ImportError::Source { path: from.display().to_string(), source };
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(source_error)?;
    let config = connection_config(url)?;
    let manager = super::DatabaseTls::for_config(&config, ca)?.manager(config);
    let pool = Pool::builder(manager).max_size(1).build().map_err(|e| ImportError::Connect(e.to_string()))?;
    migrate(&pool).await?;
    let mut client = pool.get().await.map_err(|e| ImportError::Connect(e.to_string()))?;
    let tx = client.transaction().await?;
    // Nobody writes while the copy runs, and a second move finds it full.
    tx.batch_execute("LOCK TABLE rt_sequencer, events, bookings, chats IN EXCLUSIVE MODE").await?;
    let head: i64 = tx.query_one("SELECT head FROM rt_sequencer", &[]).await?.get(0);
    let has_bookings: bool = tx.query_one("SELECT EXISTS (SELECT 1 FROM bookings)", &[]).await?.get(0);
    let has_chats: bool = tx.query_one("SELECT EXISTS (SELECT 1 FROM chats)", &[]).await?.get(0);
    if head > 0 {
        return Err(ImportError::NotEmpty("events"));
    }
    if has_bookings || has_chats {
        return Err(ImportError::NotEmpty("bookings or chats"));
    }
    // One read transaction on the source: a consistent snapshot.
    source.execute_batch("BEGIN").map_err(source_error)?;
    let mut imported = Imported::default();

    let rows = read_all(
        &source,
        "SELECT id, host_id, renter_id, status, title, created_at, updated_at, changed_by FROM bookings",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        },
    )
    .map_err(source_error)?;
    for chunk in rows.chunks(CHUNK) {
        let columns: (Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>) = (
            chunk.iter().map(|r| r.0.as_str()).collect(),
            chunk.iter().map(|r| r.1.as_str()).collect(),
            chunk.iter().map(|r| r.2.as_str()).collect(),
            chunk.iter().map(|r| r.3.as_str()).collect(),
            chunk.iter().map(|r| r.4.as_deref()).collect(),
            chunk.iter().map(|r| r.5).collect(),
            chunk.iter().map(|r| r.6).collect(),
            chunk.iter().map(|r| r.7.as_deref()).collect(),
        );
        let columns: [&(dyn ToSql + Sync); 8] =
            [&columns.0, &columns.1, &columns.2, &columns.3, &columns.4, &columns.5, &columns.6, &columns.7];
        tx.execute(
            "INSERT INTO bookings (id, host_id, renter_id, status, title, created_at, updated_at, changed_by)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                                  $7::bigint[], $8::text[])",
            &columns,
        )
        .await?;
    }
    imported.bookings = rows.len();

    let rows = read_all(&source, "SELECT id, user_a, user_b, created_at FROM chats", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })
    .map_err(source_error)?;
    for chunk in rows.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let a: Vec<&str> = chunk.iter().map(|r| r.1.as_str()).collect();
        let b: Vec<&str> = chunk.iter().map(|r| r.2.as_str()).collect();
        let at: Vec<i64> = chunk.iter().map(|r| r.3).collect();
        tx.execute(
            "INSERT INTO chats (id, user_a, user_b, created_at)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[])",
            &[&ids, &a, &b, &at],
        )
        .await?;
    }
    imported.chats = rows.len();

    // Events in position order, a chunk at a time (they can be many).
    let mut after = 0_i64;
    loop {
        let mut statement = source
            .prepare_cached("SELECT seq, id, audience, event, data, created_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(source_error)?;
        let rows = statement
            .query_map(rusqlite::params![after, CHUNK as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(source_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(source_error)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let ids: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        let audiences: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        let names: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
        let data: Vec<&str> = rows.iter().map(|r| r.4.as_str()).collect();
        let created: Vec<i64> = rows.iter().map(|r| r.5).collect();
        tx.execute(
            "INSERT INTO events (seq, id, audience, event, data, created_at)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])",
            &[&seqs, &ids, &audiences, &names, &data, &created],
        )
        .await?;
        imported.events += rows.len();
    }

    let rows = read_all(&source, "SELECT user_id, read_upto, cleared_upto FROM read_marks", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    })
    .map_err(source_error)?;
    for chunk in rows.chunks(CHUNK) {
        let users: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let read: Vec<i64> = chunk.iter().map(|r| r.1).collect();
        let cleared: Vec<i64> = chunk.iter().map(|r| r.2).collect();
        tx.execute(
            "INSERT INTO read_marks (user_id, read_upto, cleared_upto)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[])",
            &[&users, &read, &cleared],
        )
        .await?;
    }
    imported.read_marks = rows.len();

    let rows = read_all(&source, "SELECT user_id, seq FROM notification_reads", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })
    .map_err(source_error)?;
    for chunk in rows.chunks(CHUNK) {
        let users: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let seqs: Vec<i64> = chunk.iter().map(|r| r.1).collect();
        tx.execute(
            "INSERT INTO notification_reads (user_id, seq) SELECT * FROM UNNEST($1::text[], $2::bigint[])",
            &[&users, &seqs],
        )
        .await?;
    }
    imported.reads = rows.len();

    let rows = read_all(&source, "SELECT audience, upto_seq FROM pruned", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })
    .map_err(source_error)?;
    for chunk in rows.chunks(CHUNK) {
        let rooms: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let seqs: Vec<i64> = chunk.iter().map(|r| r.1).collect();
        tx.execute(
            "INSERT INTO pruned (audience, upto_seq) SELECT * FROM UNNEST($1::text[], $2::bigint[])",
            &[&rooms, &seqs],
        )
        .await?;
    }

    let rows =
        read_all(&source, "SELECT user_id, display_name, updated_at, set_by_backend FROM users", |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, bool>(3)?))
        })
        .map_err(source_error)?;
    for chunk in rows.chunks(CHUNK) {
        let users: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let names: Vec<&str> = chunk.iter().map(|r| r.1.as_str()).collect();
        let at: Vec<i64> = chunk.iter().map(|r| r.2).collect();
        let backend: Vec<bool> = chunk.iter().map(|r| r.3).collect();
        tx.execute(
            "INSERT INTO users (user_id, display_name, updated_at, set_by_backend)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::boolean[])",
            &[&users, &names, &at, &backend],
        )
        .await?;
    }
    imported.names = rows.len();

    // The highest position ever handed out, even if retention removed it.
    let handed_out: Option<i64> = source
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'events'", [], |r| r.get(0))
        .optional()
        .map_err(source_error)?;
    imported.head = handed_out.unwrap_or(0).max(after);
    tx.execute("UPDATE rt_sequencer SET head = $1", &[&imported.head]).await?;
    tx.commit().await?;
    source.execute_batch("COMMIT").map_err(source_error)?;
    Ok(imported)
}

fn read_all<T>(
    source: &Connection,
    sql: &str,
    row: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    source.prepare(sql)?.query_map([], row)?.collect()
}
