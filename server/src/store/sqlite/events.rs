//! Bookings, chats, events, replay and chat history.

use super::super::*;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Rooms whose events a scope may read: its own rooms (`?1`, a JSON array)
/// plus the booking and chat rooms of the user (`?2`).
pub(super) const SCOPE: &str = "WITH scope(audience) AS (
    SELECT value FROM json_each(?1)
    UNION SELECT 'booking-' || id FROM bookings WHERE host_id = ?2 OR renter_id = ?2
    UNION SELECT 'chat-' || id FROM chats WHERE user_a = ?2 OR user_b = ?2
)";

/// The scope's own rooms as the JSON array bound to `?1`.
pub(super) fn scope_rooms(scope: &Scope) -> String {
    let mut rooms = vec![format!("user-{}", scope.user_id), format!("role-{}", scope.role)];
    rooms.extend(scope.rooms.iter().cloned());
    serde_json::to_string(&rooms).expect("strings serialize")
}

/// Columns read by [`event_from_row`], prefixed by the table alias `e`.
pub(super) const EVENT_COLUMNS: &str = "e.seq, e.id, e.audience, e.event, e.data, e.created_at";

/// Reads the six [`EVENT_COLUMNS`] starting at column `at`.
pub(super) fn event_from_row(row: &Row, at: usize) -> rusqlite::Result<StoredEvent> {
    let data: String = row.get(at + 4)?;
    let data = RawValue::from_string(data).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(at + 4, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(StoredEvent {
        seq: row.get(at)?,
        event: NewEvent {
            id: row.get(at + 1)?,
            audience: row.get(at + 2)?,
            event: row.get(at + 3)?,
            data,
            created_at: row.get(at + 5)?,
            route: Route::default(),
        },
    })
}

pub(super) fn insert_events(
    conn: &Connection,
    new: Vec<NewEvent>,
    stored: &mut Vec<StoredEvent>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (id, audience, event, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut mine = Vec::with_capacity(new.len());
    for event in new {
        insert.execute(params![event.id, event.audience, event.event, event.data.get(), event.created_at])?;
        mine.push(StoredEvent { seq: conn.last_insert_rowid(), event });
    }
    stored.extend(mine.iter().cloned());
    Ok(mine)
}

pub(super) fn read_booking(conn: &Connection, id: &str) -> Result<Option<Booking>, StoreError> {
    Ok(read_booking_record(conn, id)?.map(|record| record.booking))
}

pub(super) fn upsert_booking(conn: &Connection, booking: &Booking) -> Result<Option<Booking>, StoreError> {
    let before = read_booking(conn, &booking.id)?;
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
            crate::clock::now_ms()
        ],
    )?;
    Ok(before)
}

/// Compare-and-set of a booking's status.
pub(super) fn set_booking_status(
    conn: &Connection,
    id: &str,
    from: BookingStatus,
    to: BookingStatus,
    changed_by: &str,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE bookings SET status = ?3, updated_at = ?4, changed_by = ?5 WHERE id = ?1 AND status = ?2",
        )?
        .execute(params![id, from.as_str(), to.as_str(), crate::clock::now_ms(), changed_by])?;
    Ok(changed == 1)
}

/// Columns read by [`record_from_row`].
const RECORD_COLUMNS: &str = "id, host_id, renter_id, status, title, changed_by, updated_at";

fn record_from_row(r: &Row) -> rusqlite::Result<BookingRecord> {
    let status: String = r.get(3)?;
    let status = BookingStatus::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            3,
            rusqlite::types::Type::Text,
            format!("status {status}").into(),
        )
    })?;
    Ok(BookingRecord {
        booking: Booking {
            id: r.get(0)?,
            host_id: r.get(1)?,
            renter_id: r.get(2)?,
            status,
            title: r.get(4)?,
        },
        changed_by: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub(super) fn read_booking_record(conn: &Connection, id: &str) -> Result<Option<BookingRecord>, StoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM bookings WHERE id = ?1"))?
        .query_row([id], record_from_row)
        .optional()?)
}

pub(super) fn bookings_of(
    conn: &Connection,
    user_id: &str,
    query: &BookingQuery,
) -> Result<Vec<BookingRecord>, StoreError> {
    let side = match query.side {
        None => "any",
        Some(BookingSide::Host) => "host",
        Some(BookingSide::Renter) => "renter",
    };
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS} FROM bookings
         WHERE ((?2 IN ('any', 'host') AND host_id = ?1) OR (?2 IN ('any', 'renter') AND renter_id = ?1))
           AND (?3 IS NULL OR status = ?3)
           AND (?4 IS NULL OR (updated_at, id) < (?4, ?5))
         ORDER BY updated_at DESC, id DESC LIMIT ?6"
    ))?;
    let after = query.after.as_ref();
    let rows = statement.query_map(
        params![
            user_id,
            side,
            query.status.map(BookingStatus::as_str),
            after.map(|c| c.updated_at),
            after.map(|c| c.id.as_str()),
            query.limit as i64
        ],
        record_from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn booking_changes(
    conn: &Connection,
    id: &str,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e
         WHERE e.audience = 'booking-' || ?1 AND e.event = 'booking-status-changed'
         ORDER BY e.seq DESC LIMIT ?2"
    ))?;
    let rows = statement.query_map(params![id, limit as i64], |row| event_from_row(row, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn read_chat(conn: &Connection, id: &str) -> Result<Option<Chat>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id, user_a, user_b FROM chats WHERE id = ?1")?
        .query_row([id], |r| Ok(Chat { id: r.get(0)?, user_a: r.get(1)?, user_b: r.get(2)? }))
        .optional()?)
}

pub(super) fn create_chat(conn: &Connection, chat: &Chat) -> Result<Chat, StoreError> {
    conn.execute(
        "INSERT INTO chats (id, user_a, user_b, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO NOTHING",
        params![chat.id, chat.user_a, chat.user_b, crate::clock::now_ms()],
    )?;
    read_chat(conn, &chat.id)?.ok_or_else(|| StoreError::Inconsistent("a chat vanished after its insert"))
}

pub(super) fn events_head(conn: &Connection) -> Result<i64, StoreError> {
    // AUTOINCREMENT remembers the highest seq ever used, even once pruned.
    Ok(conn
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'events'", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub(super) fn replay(
    conn: &Connection,
    scope: &Scope,
    after: i64,
    limit: usize,
) -> Result<ReplayPage, StoreError> {
    let rooms = scope_rooms(scope);
    let pruned_upto: i64 = conn
        .prepare_cached(&format!(
            "{SCOPE} SELECT COALESCE(MAX(upto_seq), 0) FROM pruned WHERE audience IN scope"
        ))?
        .query_row(params![rooms, scope.user_id], |r| r.get(0))?;
    if pruned_upto > after {
        return Ok(ReplayPage::ResyncRequired { pruned_upto });
    }
    // One index range per room, each cut at the page size and at the
    // page's current last position, merged here. A single query over all
    // the scope's rooms sorts every remaining row to return the first page,
    // so each page of a long replay would cost the whole remainder again.
    let mut in_scope = conn.prepare_cached(&format!("{SCOPE} SELECT audience FROM scope"))?;
    let audiences = in_scope
        .query_map(params![rooms, scope.user_id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut range = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS},
            e.event = 'booking-status-changed' AND EXISTS (
                SELECT 1 FROM events l WHERE l.audience = e.audience AND l.event = e.event AND l.seq > e.seq)
         FROM events e WHERE e.audience = ?1 AND e.seq > ?2 AND e.seq < ?3 ORDER BY e.seq LIMIT ?4"
    ))?;
    let mut page: Vec<Replayed> = Vec::new();
    let mut below = i64::MAX;
    for audience in &audiences {
        let rows = range.query_map(params![audience, after, below, limit as i64], |row| {
            Ok(Replayed { stored: event_from_row(row, 0)?, superseded: row.get(6)? })
        })?;
        for row in rows {
            page.push(row?);
        }
        if limit > 0 && page.len() >= limit {
            page.sort_unstable_by_key(|r| r.stored.seq);
            page.truncate(limit);
            // Later rooms only matter below the page's last position.
            below = page[limit - 1].stored.seq;
        }
    }
    page.sort_unstable_by_key(|r| r.stored.seq);
    Ok(ReplayPage::Events(page))
}

pub(super) fn share_booking(conn: &Connection, one: &str, other: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM bookings WHERE host_id = ?1 AND renter_id = ?2)
                 OR EXISTS (SELECT 1 FROM bookings WHERE host_id = ?2 AND renter_id = ?1)",
        )?
        .query_row([one, other], |r| r.get(0))?)
}

pub(super) fn chats_of(
    conn: &Connection,
    user_id: &str,
    after: Option<&ChatCursor>,
    limit: usize,
) -> Result<Vec<ChatSummary>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT * FROM (
            SELECT c.id AS chat_id, c.user_a, c.user_b, COALESCE(e.seq, 0) AS activity, {EVENT_COLUMNS}
            FROM chats c LEFT JOIN events e ON e.seq = (
                SELECT MAX(seq) FROM events WHERE audience = 'chat-' || c.id AND event = 'new-message')
            WHERE c.user_a = ?1 OR c.user_b = ?1
         ) WHERE ?2 IS NULL OR (activity, chat_id) < (?2, ?3)
         ORDER BY activity DESC, chat_id DESC LIMIT ?4"
    ))?;
    let rows = statement.query_map(
        params![user_id, after.map(|c| c.activity), after.map(|c| c.id.as_str()), limit as i64],
        |row| {
            let chat = Chat { id: row.get(0)?, user_a: row.get(1)?, user_b: row.get(2)? };
            let last = match row.get::<_, Option<i64>>(4)? {
                Some(_) => Some(event_from_row(row, 4)?),
                None => None,
            };
            Ok(ChatSummary { chat, last })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn messages(
    conn: &Connection,
    chat_id: &str,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e
         WHERE e.audience = 'chat-' || ?1 AND e.event = 'new-message' AND (?2 IS NULL OR e.seq < ?2)
         ORDER BY e.seq DESC LIMIT ?3"
    ))?;
    let rows = statement.query_map(params![chat_id, before, limit as i64], |row| event_from_row(row, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
