//! Per-user read state: a watermark (`read_upto`, `cleared_upto`) plus
//! individual reads above it, so marking everything read is one row write
//! whatever the number of notifications, and role-wide notifications stored
//! once still have a read flag per user.

use super::super::*;
use super::events::{event_from_row, events_head, scope_rooms, EVENT_COLUMNS, SCOPE};
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// Notifications of the scope that are neither read nor cleared.
const UNREAD: &str = "e.audience IN scope AND e.event = 'notification'
    AND e.seq > COALESCE((SELECT MAX(read_upto, cleared_upto) FROM read_marks WHERE user_id = ?2), 0)
    AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ?2 AND r.seq = e.seq)";

/// Where a message notification names its chat.
const CHAT_OF: &str = "json_extract(e.data, '$.data.chatId')";

pub(super) fn unread_count(conn: &Connection, scope: &Scope) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached(&format!("{SCOPE} SELECT COUNT(*) FROM events e WHERE {UNREAD}"))?
        .query_row(params![scope_rooms(scope), scope.user_id], |r| r.get(0))?)
}

/// Unread message notifications of the scope, counted per chat.
pub(super) fn unread_by_chat(conn: &Connection, scope: &Scope) -> Result<HashMap<String, i64>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "{SCOPE} SELECT {CHAT_OF} AS chat, COUNT(*) FROM events e
         WHERE {UNREAD} AND json_extract(e.data, '$.type') = 'message' AND chat IS NOT NULL
         GROUP BY chat"
    ))?;
    let rows =
        statement.query_map(params![scope_rooms(scope), scope.user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Raises the user's watermarks to `upto` and forgets the individual reads below.
fn raise_marks(conn: &Connection, user_id: &str, upto: i64, clear: bool) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO read_marks (user_id, read_upto, cleared_upto) VALUES (?1, ?2, CASE WHEN ?3 THEN ?2 ELSE 0 END)
         ON CONFLICT (user_id) DO UPDATE SET
            read_upto = MAX(read_upto, ?2),
            cleared_upto = CASE WHEN ?3 THEN MAX(cleared_upto, ?2) ELSE cleared_upto END",
        params![user_id, upto, clear],
    )?;
    conn.execute("DELETE FROM notification_reads WHERE user_id = ?1 AND seq <= ?2", params![user_id, upto])?;
    Ok(())
}

/// Marks read each notification `find` selects (`seq`, `id`; parameters:
/// the scope's rooms, its user, `arg`); returns their ids.
fn mark_found(conn: &Connection, scope: &Scope, find: &str, arg: &str) -> Result<Vec<String>, StoreError> {
    let found = conn
        .prepare_cached(find)?
        .query_map(params![scope_rooms(scope), scope.user_id, arg], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut mark = conn.prepare_cached(
        "INSERT INTO notification_reads (user_id, seq) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    let mut ids = Vec::with_capacity(found.len());
    for (seq, id) in found {
        mark.execute(params![scope.user_id, seq])?;
        ids.push(id);
    }
    Ok(ids)
}

pub(super) fn change(
    conn: &Connection,
    scope: &Scope,
    change: ReadChange,
) -> Result<ReadOutcome, StoreError> {
    let head = events_head(conn)?;
    let mut outcome = ReadOutcome { ids: Vec::new(), up_to: None, cleared: false, unread_count: 0 };
    match change {
        ReadChange::Ids(ids) => {
            let ids_json = serde_json::to_string(&ids).expect("strings serialize");
            let find = format!(
                "{SCOPE} SELECT e.seq, e.id FROM events e
                 WHERE e.id IN (SELECT value FROM json_each(?3)) AND e.event = 'notification'
                   AND e.audience IN scope"
            );
            outcome.ids = mark_found(conn, scope, &find, &ids_json)?;
        }
        ReadChange::Chat(chat_id) => {
            let find = format!(
                "{SCOPE} SELECT e.seq, e.id FROM events e
                 WHERE {UNREAD} AND json_extract(e.data, '$.type') = 'message' AND {CHAT_OF} = ?3"
            );
            outcome.ids = mark_found(conn, scope, &find, &chat_id)?;
        }
        ReadChange::UpTo(upto) => {
            let upto = upto.min(head);
            raise_marks(conn, &scope.user_id, upto, false)?;
            outcome.up_to = Some(upto);
        }
        ReadChange::All => {
            raise_marks(conn, &scope.user_id, head, false)?;
            outcome.up_to = Some(head);
        }
        ReadChange::Clear => {
            raise_marks(conn, &scope.user_id, head, true)?;
            outcome.up_to = Some(head);
            outcome.cleared = true;
        }
    }
    // The count is the caller's to take on a reader: counting is a scan of
    // the user's notifications, and the writer must not stall on it.
    Ok(outcome)
}

pub(super) fn history(
    conn: &Connection,
    scope: &Scope,
    query: &HistoryQuery,
) -> Result<Vec<NotificationRecord>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "{SCOPE} SELECT {EVENT_COLUMNS}, is_read FROM (
            SELECT e.*, (e.seq <= COALESCE(m.read_upto, 0) OR EXISTS (
                SELECT 1 FROM notification_reads r WHERE r.user_id = ?2 AND r.seq = e.seq)) AS is_read
            FROM events e LEFT JOIN read_marks m ON m.user_id = ?2
            WHERE e.audience IN scope AND e.event = 'notification'
              AND e.seq > COALESCE(m.cleared_upto, 0)
              AND (?3 IS NULL OR e.seq < ?3)
              AND (?4 IS NULL OR json_extract(e.data, '$.type') = ?4)
         ) e WHERE NOT (?5 AND is_read) ORDER BY e.seq DESC LIMIT ?6"
    ))?;
    let rows = statement.query_map(
        params![
            scope_rooms(scope),
            scope.user_id,
            query.before,
            query.kind,
            query.unread_only,
            query.limit as i64
        ],
        |row| Ok(NotificationRecord { stored: event_from_row(row, 0)?, read: row.get(6)? }),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
