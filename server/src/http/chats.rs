//! A user's chats and their message history.

use super::{not_yours, page_limit, ApiError, ApiQuery, User};
use crate::auth::Role;
use crate::App;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

fn message_json(stored: &crate::store::StoredEvent) -> Value {
    let mut item: Value = serde_json::from_str(stored.event.data.get()).unwrap_or_default();
    if let Some(object) = item.as_object_mut() {
        object.insert("seq".into(), stored.seq.into());
    }
    item
}

/// `GET /api/v1/chats`: most recently active first.
pub async fn list(State(app): State<Arc<App>>, User(user): User) -> Result<Json<Value>, ApiError> {
    let chats = app.store.chats_of(&user.user_id).await?;
    let mut items = Vec::with_capacity(chats.len());
    for c in &chats {
        let mut participants = Vec::with_capacity(2);
        for id in [&c.chat.user_a, &c.chat.user_b] {
            participants.push(json!({ "id": id, "name": app.names.name_of(id).await }));
        }
        items.push(json!({
            "id": c.chat.id,
            "participants": participants,
            "lastMessage": c.last.as_ref().map(message_json),
        }));
    }
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
pub struct MessagesQuery {
    before: Option<i64>,
    limit: Option<usize>,
}

/// `GET /api/v1/chats/{id}/messages`: newest first, for participants and admins.
pub async fn messages(
    State(app): State<Arc<App>>,
    User(user): User,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<MessagesQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = page_limit(q.limit)?;
    let chat = app.store.chat(&id).await?.ok_or_else(not_yours)?;
    if !(user.role == Role::Admin || chat.is_participant(&user.user_id)) {
        return Err(not_yours());
    }
    let messages = app.store.messages(&id, q.before, limit).await?;
    let next_before = (messages.len() == limit).then(|| messages.last().map(|m| m.seq)).flatten();
    let items: Vec<Value> = messages.iter().map(message_json).collect();
    Ok(Json(json!({ "items": items, "nextBefore": next_before })))
}
