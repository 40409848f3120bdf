//! A user's notifications over HTTP: paged history, unread count, read
//! state and clear. Changes reach the user's sockets as
//! `notifications-read`, as if made from a socket.

use super::{json_body, page_limit, ApiError, ApiQuery, User};
use crate::app::App;
use crate::publish::{announce_read, read_payload};
use crate::store::{HistoryQuery, ReadChange};
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use urutibiz_protocol::api::{Cursor, NotificationItem, Page};
use urutibiz_protocol::room::is_valid_id;
use urutibiz_protocol::server::NotificationsRead;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    before: Option<i64>,
    limit: Option<usize>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    unread: bool,
}

/// `GET /api/v1/notifications`: newest first; `nextBefore` pages on.
pub(super) async fn list(
    State(app): State<Arc<App>>,
    user: User,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<NotificationItem>>, ApiError> {
    let limit = page_limit(q.limit)?;
    let query = HistoryQuery { before: q.before, limit, kind: q.kind, unread_only: q.unread };
    let records = app.store.notifications(user.scope(), query).await?;
    let next_before = (records.len() == limit).then(|| records.last().map(|r| r.stored.seq)).flatten();
    // A stored notification this version cannot read is left out rather
    // than sent as `null`.
    let items = records
        .into_iter()
        .filter_map(|r| {
            let notification = serde_json::from_str(r.stored.event.data.get()).ok()?;
            Some(NotificationItem { notification, seq: r.stored.seq, read: r.read })
        })
        .collect();
    Ok(Json(Page { items, next_before: next_before.map(Cursor::Position) }))
}

/// `GET /api/v1/notifications/unread-count`.
pub(super) async fn unread_count(State(app): State<Arc<App>>, user: User) -> Result<Json<Value>, ApiError> {
    let count = app.store.unread_count(user.scope()).await?;
    Ok(Json(json!({ "unreadCount": count })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReadRequest {
    ids: Option<Vec<String>>,
    up_to: Option<i64>,
    chat_id: Option<String>,
    #[serde(default)]
    all: bool,
}

/// `POST /api/v1/notifications/read` with `{"ids": [..]}`, `{"upTo": seq}`,
/// `{"chatId": id}` or `{"all": true}`.
pub(super) async fn mark_read(
    State(app): State<Arc<App>>,
    user: User,
    body: Bytes,
) -> Result<Json<NotificationsRead>, ApiError> {
    let req: ReadRequest = json_body(&body)?;
    let change = match (req.ids, req.up_to, req.chat_id, req.all) {
        (Some(ids), None, None, false) if !ids.is_empty() && ids.len() <= 500 => ReadChange::Ids(ids),
        (None, Some(up_to), None, false) if up_to >= 0 => ReadChange::UpTo(up_to),
        (None, None, Some(chat_id), false) if is_valid_id(&chat_id) => ReadChange::Chat(chat_id),
        (None, None, None, true) => ReadChange::All,
        _ => {
            return Err(ApiError::invalid(
                "give exactly one of `ids` (1 to 500), `upTo`, `chatId` or `all: true`",
            ))
        }
    };
    apply(&app, &user, change).await
}

/// `DELETE /api/v1/notifications`: clear history.
pub(super) async fn clear(
    State(app): State<Arc<App>>,
    user: User,
) -> Result<Json<NotificationsRead>, ApiError> {
    apply(&app, &user, ReadChange::Clear).await
}

async fn apply(app: &App, user: &User, change: ReadChange) -> Result<Json<NotificationsRead>, ApiError> {
    let outcome = app.store.change_read_state(user.scope(), change).await?;
    let payload = read_payload(outcome);
    announce_read(app, &user.0.user_id, &payload, None).await;
    Ok(Json(payload))
}
