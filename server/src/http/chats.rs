//! A user's chats and their message history; chats the backend opens.

use super::{json_body, not_yours, page_limit, ApiError, ApiQuery, PageCursor, Service, User};
use crate::app::App;
use crate::auth::Role;
use crate::store::{Chat, ChatCursor};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use urutibiz_protocol::api::{ChatSummary, Cursor, MessageItem, Page, Participant};
use urutibiz_protocol::room::is_valid_id;

/// A stored `new-message` as a list item; `None` for one this version
/// cannot read (the item is left out rather than sent as `null`).
fn message_item(stored: &crate::store::StoredEvent) -> Option<MessageItem> {
    let message = serde_json::from_str(stored.event.data.get()).ok()?;
    Some(MessageItem { message, seq: stored.seq })
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    before: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/chats`: most recently active first, paged.
pub(super) async fn list(
    State(app): State<Arc<App>>,
    caller: User,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<ChatSummary>>, ApiError> {
    let limit = page_limit(q.limit)?;
    let before = q
        .before
        .as_deref()
        .map(PageCursor::parse)
        .transpose()?
        .map(|c| ChatCursor { activity: c.number, id: c.id });
    let chats = app.store.chats_of(&caller.0.user_id, before, limit).await?;
    let unread = app.store.unread_by_chat(caller.scope()).await?;
    let mut items = Vec::with_capacity(chats.len());
    for c in &chats {
        let mut participants = Vec::with_capacity(2);
        for id in [&c.chat.user_a, &c.chat.user_b] {
            participants.push(Participant { id: id.clone(), name: app.names.name_of(id).await });
        }
        items.push(ChatSummary {
            id: c.chat.id.clone(),
            participants,
            last_message: c.last.as_ref().and_then(message_item),
            unread_count: unread.get(&c.chat.id).copied().unwrap_or(0),
        });
    }
    let next_before = PageCursor::next(&chats, limit, |c| {
        let cursor = c.cursor();
        PageCursor { number: cursor.activity, id: cursor.id }
    });
    Ok(Json(Page { items, next_before: next_before.map(Cursor::Text) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct PutChat {
    participants: Vec<String>,
}

/// `PUT /api/v1/chats/{id}`: the backend opens a chat between two users
/// (a support thread, an enquiry it allows). Idempotent; a chat id already
/// used by another pair is a conflict, never a takeover.
pub(super) async fn put_chat(
    State(app): State<Arc<App>>,
    Service(_): Service,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !is_valid_id(&id) {
        return Err(ApiError::invalid("chat ids are 1-128 characters of letters, digits, _ - . : @"));
    }
    let req: PutChat = json_body(&body)?;
    let [a, b] = req.participants.as_slice() else {
        return Err(ApiError::invalid("`participants` must be two user ids"));
    };
    if !is_valid_id(a) || !is_valid_id(b) || a == b {
        return Err(ApiError::invalid("`participants` must be two different, valid user ids"));
    }
    let existed = app.chats.get(&id).await?.is_some();
    let wanted = Chat { id: id.clone(), user_a: a.clone(), user_b: b.clone() };
    let stored = app.chats.create(wanted).await?;
    if !(stored.is_participant(a) && stored.is_participant(b)) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "this chat id is already used by other participants",
        ));
    }
    let status = if existed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(json!({ "id": stored.id, "participants": [stored.user_a, stored.user_b] }))))
}

#[derive(Deserialize)]
pub(super) struct MessagesQuery {
    before: Option<i64>,
    limit: Option<usize>,
}

/// `GET /api/v1/chats/{id}/messages`: newest first, for participants and admins.
pub(super) async fn messages(
    State(app): State<Arc<App>>,
    User(user): User,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<MessagesQuery>,
) -> Result<Json<Page<MessageItem>>, ApiError> {
    let limit = page_limit(q.limit)?;
    let chat = app.chats.get(&id).await?.ok_or_else(not_yours)?;
    if !(user.role == Role::Admin || chat.is_participant(&user.user_id)) {
        return Err(not_yours());
    }
    let messages = app.store.messages(&id, q.before, limit).await?;
    let next_before = (messages.len() == limit).then(|| messages.last().map(|m| m.seq)).flatten();
    let items = messages.iter().filter_map(message_item).collect();
    Ok(Json(Page { items, next_before: next_before.map(Cursor::Position) }))
}
