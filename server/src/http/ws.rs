//! `GET /ws`: the upgrade. A bearer header is verified here, before the
//! upgrade completes; clients without one authenticate with their first frame.

use super::{bearer, ApiError};
use crate::app::App;
use crate::serve::ConnectionSlot;
use crate::session::connect;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::sync::Arc;

pub(super) async fn upgrade(
    State(app): State<Arc<App>>,
    slot: Option<Extension<ConnectionSlot>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    if app.shutdown.is_cancelled() {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting-down", "server is shutting down")
            .into_response();
    }
    if app.fenced() {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "node-fenced",
            "this node cannot reach its database; connect to another",
        )
        .into_response();
    }
    // Tokens in URLs end up in proxy logs and browser history.
    if query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("token=") || kv.starts_with("access_token=")))
    {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "token-in-url",
            "send the token in the Authorization header or an authenticate frame, never in the URL",
        )
        .into_response();
    }
    // `after` (a position, not a secret) asks for a replay before anything live.
    let after = query.as_deref().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("after=")));
    let resume_after = match after.map(str::parse::<i64>) {
        None => None,
        Some(Ok(after)) if after >= 0 => Some(after),
        Some(_) => {
            return ApiError::invalid("`after` must be 0 or a seq the server sent").into_response();
        }
    };
    let header_auth = match bearer(&headers) {
        Some(token) => Some(app.verifier.verify(token).await),
        None => None,
    };
    let max = app.config.limits.max_frame_bytes;
    let guard = app.tracker.token();
    // Small buffers keep idle connections cheap; they grow for big frames.
    // The read chunk is zeroed before every read attempt, and the loop
    // attempts one after each burst of writes: 1 KiB holds any usual client
    // frame and keeps that zeroing (and idle memory) small.
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |socket| async move {
            connect::serve(app, socket, header_auth, resume_after).await;
            drop(guard);
            // The socket counted against its client IP's cap until now.
            drop(slot);
        })
}
