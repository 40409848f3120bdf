//! Display names of users.

use crate::store::StoreError;
use rusqlite::{params, Connection, OptionalExtension};

/// Records `name` for `user_id`; a no-op write when it is unchanged.
pub fn set_display_name(conn: &Connection, user_id: &str, name: &str, now_ms: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO users (user_id, display_name, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at
         WHERE display_name IS NOT excluded.display_name",
        params![user_id, name, now_ms],
    )?;
    Ok(())
}

/// The recorded name of `user_id`.
pub fn display_name(conn: &Connection, user_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT display_name FROM users WHERE user_id = ?1", [user_id], |row| row.get(0))
        .optional()?)
}
