//! Display names of users.

use crate::store::{NameSource, RecordedName, StoreError};
use rusqlite::{params, Connection, OptionalExtension};

/// Records `name` for `user_id` from `source` and returns what is recorded
/// now. A token's name never replaces one the backend set; an unchanged
/// name is not written again.
pub(super) fn set_display_name(
    conn: &Connection,
    user_id: &str,
    name: &str,
    source: NameSource,
    now_ms: i64,
) -> Result<RecordedName, StoreError> {
    let by_backend = source == NameSource::Backend;
    conn.execute(
        "INSERT INTO users (user_id, display_name, updated_at, set_by_backend) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE
         SET display_name = excluded.display_name, updated_at = excluded.updated_at,
             set_by_backend = excluded.set_by_backend
         WHERE (excluded.set_by_backend OR NOT users.set_by_backend)
           AND (users.display_name IS NOT excluded.display_name
                OR users.set_by_backend IS NOT excluded.set_by_backend)",
        params![user_id, name, now_ms, by_backend],
    )?;
    display_name(conn, user_id)?.ok_or_else(|| StoreError::Inconsistent("a recorded name vanished"))
}

/// The recorded name of `user_id`.
pub(super) fn display_name(conn: &Connection, user_id: &str) -> Result<Option<RecordedName>, StoreError> {
    Ok(conn
        .query_row("SELECT display_name, set_by_backend FROM users WHERE user_id = ?1", [user_id], |row| {
            let by_backend: bool = row.get(1)?;
            Ok(RecordedName {
                name: row.get(0)?,
                source: if by_backend { NameSource::Backend } else { NameSource::Token },
            })
        })
        .optional()?)
}
