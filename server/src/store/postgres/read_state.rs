//! Per-user read state, as in SQLite: a watermark plus individual reads
//! above it.

use super::super::*;
use super::events::{event_from_row, events_head, scope_rooms, EVENT_COLUMNS, SCOPE};
use deadpool_postgres::{GenericClient, Transaction};
use std::collections::HashMap;
use tokio_postgres::types::ToSql;

/// Notifications of the scope that are neither read nor cleared.
const UNREAD: &str = "e.audience = ANY(ARRAY(SELECT audience FROM scope)) AND e.event = 'notification'
    AND e.seq > COALESCE((SELECT GREATEST(read_upto, cleared_upto) FROM read_marks WHERE user_id = $2), 0)
    AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = $2 AND r.seq = e.seq)";

/// Where a message notification names its chat, and its type.
const CHAT_OF: &str = "(e.data::json -> 'data' ->> 'chatId')";
const KIND_OF: &str = "(e.data::json ->> 'type')";

pub(super) async fn unread_count(client: &impl GenericClient, scope: &Scope) -> Result<i64, StoreError> {
    Ok(client
        .query_one(
            &client.prepare_cached(&format!("{SCOPE} SELECT COUNT(*) FROM events e WHERE {UNREAD}")).await?,
            &[&scope_rooms(scope), &scope.user_id],
        )
        .await?
        .try_get(0)?)
}

pub(super) async fn unread_by_chat(
    client: &impl GenericClient,
    scope: &Scope,
) -> Result<HashMap<String, i64>, StoreError> {
    let rows = client
        .query(
            &client
                .prepare_cached(&format!(
                    "{SCOPE} SELECT {CHAT_OF} AS chat, COUNT(*) FROM events e
                 WHERE {UNREAD} AND {KIND_OF} = 'message' AND {CHAT_OF} IS NOT NULL
                 GROUP BY chat"
                ))
                .await?,
            &[&scope_rooms(scope), &scope.user_id],
        )
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Raises the user's watermarks to `upto` and forgets the individual reads below.
async fn raise_marks(tx: &Transaction<'_>, user_id: &str, upto: i64, clear: bool) -> Result<(), StoreError> {
    tx.execute(
        &tx.prepare_cached("INSERT INTO read_marks (user_id, read_upto, cleared_upto)
         VALUES ($1, $2::bigint, CASE WHEN $3::boolean THEN $2::bigint ELSE 0 END)
         ON CONFLICT (user_id) DO UPDATE SET
            read_upto = GREATEST(read_marks.read_upto, $2),
            cleared_upto = CASE WHEN $3 THEN GREATEST(read_marks.cleared_upto, $2) ELSE read_marks.cleared_upto END").await?,
        &[&user_id, &upto, &clear],
    )
    .await?;
    tx.execute(
        &tx.prepare_cached("DELETE FROM notification_reads WHERE user_id = $1 AND seq <= $2").await?,
        &[&user_id, &upto],
    )
    .await?;
    Ok(())
}

/// Marks read each notification `find` selects (`seq`, `id`; parameters:
/// the scope's rooms, its user, `arg`); returns their ids.
async fn mark_found(
    tx: &Transaction<'_>,
    scope: &Scope,
    find: &str,
    arg: &(dyn ToSql + Sync),
) -> Result<Vec<String>, StoreError> {
    let found =
        tx.query(&tx.prepare_cached(find).await?, &[&scope_rooms(scope), &scope.user_id, arg]).await?;
    let seqs: Vec<i64> = found.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    tx.execute(
        &tx.prepare_cached("INSERT INTO notification_reads (user_id, seq) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING").await?,
        &[&scope.user_id, &seqs],
    )
    .await?;
    Ok(found.iter().map(|r| r.try_get(1)).collect::<Result<_, _>>()?)
}

pub(super) async fn change(
    tx: &Transaction<'_>,
    scope: &Scope,
    change: ReadChange,
) -> Result<ReadOutcome, StoreError> {
    let head = events_head(tx).await?;
    let mut outcome = ReadOutcome { ids: Vec::new(), up_to: None, cleared: false, unread_count: 0 };
    match change {
        ReadChange::Ids(ids) => {
            let find = format!(
                "{SCOPE} SELECT e.seq, e.id FROM events e
                 WHERE e.id = ANY($3::text[]) AND e.event = 'notification'
                   AND e.audience = ANY(ARRAY(SELECT audience FROM scope))"
            );
            outcome.ids = mark_found(tx, scope, &find, &ids).await?;
        }
        ReadChange::Chat(chat_id) => {
            let find = format!(
                "{SCOPE} SELECT e.seq, e.id FROM events e
                 WHERE {UNREAD} AND {KIND_OF} = 'message' AND {CHAT_OF} = $3::text"
            );
            outcome.ids = mark_found(tx, scope, &find, &chat_id).await?;
        }
        ReadChange::UpTo(upto) => {
            let upto = upto.min(head);
            raise_marks(tx, &scope.user_id, upto, false).await?;
            outcome.up_to = Some(upto);
        }
        ReadChange::All => {
            raise_marks(tx, &scope.user_id, head, false).await?;
            outcome.up_to = Some(head);
        }
        ReadChange::Clear => {
            raise_marks(tx, &scope.user_id, head, true).await?;
            outcome.up_to = Some(head);
            outcome.cleared = true;
        }
    }
    Ok(outcome)
}

pub(super) async fn history(
    client: &impl GenericClient,
    scope: &Scope,
    query: &HistoryQuery,
) -> Result<Vec<NotificationRecord>, StoreError> {
    let rows = client
        .query(
            &client
                .prepare_cached(&format!(
                    "{SCOPE} SELECT {EVENT_COLUMNS}, is_read FROM (
                    SELECT e.*, (e.seq <= COALESCE(m.read_upto, 0) OR EXISTS (
                        SELECT 1 FROM notification_reads r WHERE r.user_id = $2 AND r.seq = e.seq)) AS is_read
                    FROM events e LEFT JOIN read_marks m ON m.user_id = $2
                    WHERE e.audience = ANY(ARRAY(SELECT audience FROM scope)) AND e.event = 'notification'
                      AND e.seq > COALESCE(m.cleared_upto, 0)
                      AND ($3::bigint IS NULL OR e.seq < $3)
                      AND ($4::text IS NULL OR {KIND_OF} = $4)
                 ) e WHERE NOT ($5 AND is_read) ORDER BY e.seq DESC LIMIT $6"
                ))
                .await?,
            &[
                &scope_rooms(scope),
                &scope.user_id,
                &query.before,
                &query.kind,
                &query.unread_only,
                &(query.limit as i64),
            ],
        )
        .await?;
    rows.iter()
        .map(|row| Ok(NotificationRecord { stored: event_from_row(row, 0)?, read: row.try_get(6)? }))
        .collect()
}
