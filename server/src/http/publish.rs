//! `POST /api/v1/publish`: a backend stores an event for a room and it is
//! delivered to everyone in the room.

use super::{json_body, ApiError, Service};
use crate::app::App;
use crate::clock::now_ms;
use crate::notification_input::{check_notification, NotificationInput};
use crate::publish::{new_event, new_id, notification};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use urutibiz_protocol::{event, Room};

#[derive(Deserialize)]
struct PublishRequest {
    room: String,
    event: String,
    #[serde(default)]
    data: Value,
}

fn is_event_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(super) async fn publish(
    State(app): State<Arc<App>>,
    _service: Service,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: PublishRequest = json_body(&body)?;
    let room = Room::parse(&req.room)
        .ok_or_else(|| ApiError::invalid("`room` is not a valid room name"))?
        .to_string();
    if !is_event_name(&req.event) {
        return Err(ApiError::invalid(
            "`event` must be 1-64 characters of a-z, 0-9 and -, starting with a letter",
        ));
    }
    if event::RESERVED_FOR_SERVER.contains(&req.event.as_str()) {
        return Err(ApiError::invalid(format!("`{}` is sent by the server only", req.event)));
    }
    let new = if req.event == event::NOTIFICATION {
        let input: NotificationInput = serde_json::from_value(req.data)
            .map_err(|e| ApiError::invalid(format!("notification data: {e}")))?;
        let n = check_notification(input).map_err(ApiError::invalid)?;
        notification(room, &n.kind, &n.title, &n.body, n.data.unwrap_or_else(|| serde_json::json!({})))
    } else {
        new_event(room, &req.event, new_id(), now_ms(), &req.data)
    };
    let stored = app.store.append(vec![new]).await?;
    app.metrics.published.increment(1);
    let body = serde_json::json!({ "id": stored[0].event.id, "seq": stored[0].seq });
    Ok((StatusCode::ACCEPTED, Json(body)))
}
