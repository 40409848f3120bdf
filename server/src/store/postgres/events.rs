//! Bookings, chats, events, replay and chat history: the SQLite engine's
//! queries in PostgreSQL's dialect.

use super::super::*;
use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;

/// Rooms whose events a scope may read: its own rooms (`$1`) plus the
/// booking and chat rooms of the user (`$2`).
pub(super) const SCOPE: &str = "WITH scope(audience) AS (
    SELECT unnest($1::text[])
    UNION SELECT 'booking-' || id FROM bookings WHERE host_id = $2 OR renter_id = $2
    UNION SELECT 'chat-' || id FROM chats WHERE user_a = $2 OR user_b = $2
)";

/// The scope's own rooms, bound to `$1`.
pub(super) fn scope_rooms(scope: &Scope) -> Vec<String> {
    let mut rooms = vec![format!("user-{}", scope.user_id), format!("role-{}", scope.role)];
    rooms.extend(scope.rooms.iter().cloned());
    rooms
}

/// Columns read by [`event_from_row`], prefixed by the table alias `e`.
pub(super) const EVENT_COLUMNS: &str = "e.seq, e.id, e.audience, e.event, e.data, e.created_at";

/// Reads the six [`EVENT_COLUMNS`] starting at column `at`.
pub(super) fn event_from_row(row: &Row, at: usize) -> Result<StoredEvent, StoreError> {
    let data: String = row.try_get(at + 4)?;
    let data = RawValue::from_string(data).map_err(|e| StoreError::Database(Box::new(e)))?;
    Ok(StoredEvent {
        seq: row.try_get(at)?,
        event: NewEvent {
            id: row.try_get(at + 1)?,
            audience: row.try_get(at + 2)?,
            event: row.try_get(at + 3)?,
            data,
            created_at: row.try_get(at + 5)?,
            route: Route::default(),
        },
    })
}

/// The newest position handed out (0 when none); it never goes back, even
/// once events are pruned.
pub(super) async fn events_head(client: &impl GenericClient) -> Result<i64, StoreError> {
    Ok(client
        .query_one(&client.prepare_cached("SELECT head FROM rt_sequencer").await?, &[])
        .await?
        .try_get(0)?)
}

pub(super) async fn upsert_booking(
    tx: &Transaction<'_>,
    booking: &Booking,
) -> Result<Option<Booking>, StoreError> {
    let before = read_booking_record(tx, &booking.id, true).await?.map(|r| r.booking);
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO bookings (id, host_id, renter_id, status, title, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (id) DO UPDATE SET host_id = EXCLUDED.host_id, renter_id = EXCLUDED.renter_id,
            title = COALESCE(EXCLUDED.title, bookings.title), updated_at = EXCLUDED.updated_at",
        )
        .await?,
        &[
            &booking.id,
            &booking.host_id,
            &booking.renter_id,
            &booking.status.as_str(),
            &booking.title,
            &crate::clock::now_ms(),
        ],
    )
    .await?;
    Ok(before)
}

/// Compare-and-set of a booking's status (a concurrent change waits for
/// the row and then finds the status moved).
pub(super) async fn set_booking_status(
    tx: &Transaction<'_>,
    id: &str,
    from: BookingStatus,
    to: BookingStatus,
    changed_by: &str,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            &tx.prepare_cached("UPDATE bookings SET status = $3, updated_at = $4, changed_by = $5 WHERE id = $1 AND status = $2").await?,
            &[&id, &from.as_str(), &to.as_str(), &crate::clock::now_ms(), &changed_by],
        )
        .await?;
    Ok(changed == 1)
}

/// Columns read by [`record_from_row`].
const RECORD_COLUMNS: &str = "id, host_id, renter_id, status, title, changed_by, updated_at";

fn record_from_row(r: &Row) -> Result<BookingRecord, StoreError> {
    let status: String = r.try_get(3)?;
    let status =
        BookingStatus::parse(&status).ok_or(StoreError::Inconsistent("a booking's status is unknown"))?;
    Ok(BookingRecord {
        booking: Booking {
            id: r.try_get(0)?,
            host_id: r.try_get(1)?,
            renter_id: r.try_get(2)?,
            status,
            title: r.try_get(4)?,
        },
        changed_by: r.try_get(5)?,
        updated_at: r.try_get(6)?,
    })
}

/// A booking with its last change; `lock` holds its row to the end of the
/// transaction.
pub(super) async fn read_booking_record(
    client: &impl GenericClient,
    id: &str,
    lock: bool,
) -> Result<Option<BookingRecord>, StoreError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM bookings WHERE id = $1{lock}"))
                .await?,
            &[&id],
        )
        .await?;
    row.as_ref().map(record_from_row).transpose()
}

pub(super) async fn bookings_of(
    client: &impl GenericClient,
    user_id: &str,
    query: &BookingQuery,
) -> Result<Vec<BookingRecord>, StoreError> {
    let side = match query.side {
        None => "any",
        Some(BookingSide::Host) => "host",
        Some(BookingSide::Renter) => "renter",
    };
    let after = query.after.as_ref();
    let rows = client
        .query(
            &client.prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM bookings
                 WHERE (($2 IN ('any', 'host') AND host_id = $1) OR ($2 IN ('any', 'renter') AND renter_id = $1))
                   AND ($3::text IS NULL OR status = $3)
                   AND ($4::bigint IS NULL OR (updated_at, id) < ($4, $5::text))
                 ORDER BY updated_at DESC, id DESC LIMIT $6"
            )).await?,
            &[
                &user_id,
                &side,
                &query.status.map(BookingStatus::as_str),
                &after.map(|c| c.updated_at),
                &after.map(|c| c.id.as_str()),
                &(query.limit as i64),
            ],
        )
        .await?;
    rows.iter().map(record_from_row).collect()
}

pub(super) async fn booking_changes(
    client: &impl GenericClient,
    id: &str,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e
                 WHERE e.audience = 'booking-' || $1 AND e.event = 'booking-status-changed'
                 ORDER BY e.seq DESC LIMIT $2"
                ))
                .await?,
            &[&id, &(limit as i64)],
        )
        .await?;
    rows.iter().map(|row| event_from_row(row, 0)).collect()
}

pub(super) async fn read_chat(client: &impl GenericClient, id: &str) -> Result<Option<Chat>, StoreError> {
    let row = client
        .query_opt(
            &client.prepare_cached("SELECT id, user_a, user_b FROM chats WHERE id = $1").await?,
            &[&id],
        )
        .await?;
    row.map(|r| Ok(Chat { id: r.try_get(0)?, user_a: r.try_get(1)?, user_b: r.try_get(2)? })).transpose()
}

pub(super) async fn create_chat(tx: &Transaction<'_>, chat: &Chat) -> Result<Chat, StoreError> {
    tx.execute(
        &tx.prepare_cached("INSERT INTO chats (id, user_a, user_b, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING").await?,
        &[&chat.id, &chat.user_a, &chat.user_b, &crate::clock::now_ms()],
    )
    .await?;
    read_chat(tx, &chat.id).await?.ok_or(StoreError::Inconsistent("a chat vanished after its insert"))
}

pub(super) async fn replay(
    client: &impl GenericClient,
    scope: &Scope,
    after: i64,
    limit: usize,
) -> Result<ReplayPage, StoreError> {
    let rooms = scope_rooms(scope);
    let pruned_upto: i64 = client
        .query_one(
            &client.prepare_cached(&format!("{SCOPE} SELECT COALESCE(MAX(upto_seq), 0)::bigint FROM pruned WHERE audience IN (SELECT audience FROM scope)")).await?,
            &[&rooms, &scope.user_id],
        )
        .await?
        .try_get(0)?;
    if pruned_upto > after {
        return Ok(ReplayPage::ResyncRequired { pruned_upto });
    }
    // As in SQLite: one index range per room, each cut at the page size and
    // at the page's current last position, merged here.
    let audiences: Vec<String> = client
        .query(
            &client.prepare_cached(&format!("{SCOPE} SELECT audience FROM scope")).await?,
            &[&rooms, &scope.user_id],
        )
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let range = client
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS},
                e.event = 'booking-status-changed' AND EXISTS (
                    SELECT 1 FROM events l WHERE l.audience = e.audience AND l.event = e.event AND l.seq > e.seq)
             FROM events e WHERE e.audience = $1 AND e.seq > $2 AND e.seq < $3 ORDER BY e.seq LIMIT $4"
        ))
        .await?;
    let mut page: Vec<Replayed> = Vec::new();
    let mut below = i64::MAX;
    for audience in &audiences {
        for row in client.query(&range, &[audience, &after, &below, &(limit as i64)]).await? {
            page.push(Replayed { stored: event_from_row(&row, 0)?, superseded: row.try_get(6)? });
        }
        if limit > 0 && page.len() >= limit {
            page.sort_unstable_by_key(|r| r.stored.seq);
            page.truncate(limit);
            below = page[limit - 1].stored.seq;
        }
    }
    page.sort_unstable_by_key(|r| r.stored.seq);
    Ok(ReplayPage::Events(page))
}

pub(super) async fn share_booking(
    client: &impl GenericClient,
    one: &str,
    other: &str,
) -> Result<bool, StoreError> {
    Ok(client
        .query_one(
            &client
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM bookings WHERE host_id = $1 AND renter_id = $2)
                 OR EXISTS (SELECT 1 FROM bookings WHERE host_id = $2 AND renter_id = $1)",
                )
                .await?,
            &[&one, &other],
        )
        .await?
        .try_get(0)?)
}

pub(super) async fn chats_of(
    client: &impl GenericClient,
    user_id: &str,
    after: Option<&ChatCursor>,
    limit: usize,
) -> Result<Vec<ChatSummary>, StoreError> {
    let rows = client
        .query(
            &client.prepare_cached(&format!(
                "SELECT * FROM (
                    SELECT c.id AS chat_id, c.user_a, c.user_b, COALESCE(e.seq, 0) AS activity, {EVENT_COLUMNS}
                    FROM chats c LEFT JOIN events e ON e.seq = (
                        SELECT MAX(seq) FROM events WHERE audience = 'chat-' || c.id AND event = 'new-message')
                    WHERE c.user_a = $1 OR c.user_b = $1
                 ) listed WHERE $2::bigint IS NULL OR (activity, chat_id) < ($2, $3::text)
                 ORDER BY activity DESC, chat_id DESC LIMIT $4"
            )).await?,
            &[&user_id, &after.map(|c| c.activity), &after.map(|c| c.id.as_str()), &(limit as i64)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let chat = Chat { id: row.try_get(0)?, user_a: row.try_get(1)?, user_b: row.try_get(2)? };
            let last = match row.try_get::<_, Option<i64>>(4)? {
                Some(_) => Some(event_from_row(row, 4)?),
                None => None,
            };
            Ok(ChatSummary { chat, last })
        })
        .collect()
}

pub(super) async fn messages(
    client: &impl GenericClient,
    chat_id: &str,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = client
        .query(
            &client.prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events e
                 WHERE e.audience = 'chat-' || $1 AND e.event = 'new-message' AND ($2::bigint IS NULL OR e.seq < $2)
                 ORDER BY e.seq DESC LIMIT $3"
            )).await?,
            &[&chat_id, &before, &(limit as i64)],
        )
        .await?;
    rows.iter().map(|row| event_from_row(row, 0)).collect()
}
