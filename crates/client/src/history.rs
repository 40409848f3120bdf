//! History over HTTP, for a first start (older items are not replayed) and
//! after `resync-required` (retention removed what a replay would need);
//! the user's bookings, which live events only ever update; the user's
//! chats and their messages, page by page as the user scrolls back.

use crate::config::ClientConfig;
use serde::de::DeserializeOwned;
use urutibiz_protocol::api::{
    path_segment, BookingView, BookingWithChanges, ChatSummary, Cursor, MessageItem, NotificationItem, Page,
};

/// Why a user API call gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// No answer: network down, server gone, timeout.
    #[error("cannot reach the server: {0}")]
    Unreachable(#[source] reqwest::Error),
    /// The server refused (403 for a chat that is not the user's, 429...).
    #[error("the server answered {0}")]
    Refused(reqwest::StatusCode),
    /// The answer was not the JSON the API documents (the types of
    /// `urutibiz_protocol::api`).
    #[error("unreadable {what}: {source}")]
    Unreadable {
        /// What was asked for.
        what: &'static str,
        /// The decoding failure.
        #[source]
        source: reqwest::Error,
    },
}

/// The user's newest notifications (at most `limit`, newest first), as the
/// server's `GET /api/v1/notifications` items: the `notification` payload
/// plus `seq` and `read`.
pub async fn recent_notifications(
    config: &ClientConfig,
    limit: usize,
) -> Result<Vec<NotificationItem>, HistoryError> {
    let path = format!("/api/v1/notifications?limit={}", limit.clamp(1, 200));
    Ok(get::<Page<NotificationItem>>(config, &path, "history").await?.items)
}

/// The user's bookings, latest activity first (at most `limit`), as the
/// server's `GET /api/v1/bookings` items: names, status, and the moves the
/// server allows this user.
pub async fn my_bookings(config: &ClientConfig, limit: usize) -> Result<Vec<BookingView>, HistoryError> {
    let path = format!("/api/v1/bookings?limit={}", limit.clamp(1, 200));
    Ok(get::<Page<BookingView>>(config, &path, "bookings").await?.items)
}

/// One booking with its latest status changes (`changes`, newest first).
pub async fn booking(config: &ClientConfig, booking_id: &str) -> Result<BookingWithChanges, HistoryError> {
    let path = format!("/api/v1/bookings/{}", path_segment(booking_id));
    get(config, &path, "booking").await
}

/// A page of the user's chats, most recently active first: participants
/// with names, the last message and the user's unread count of each.
pub async fn my_chats(
    config: &ClientConfig,
    before: Option<&Cursor>,
    limit: usize,
) -> Result<Page<ChatSummary>, HistoryError> {
    let mut path = format!("/api/v1/chats?limit={}", limit.clamp(1, 200));
    if let Some(before) = before {
        path.push_str(&format!("&before={}", path_segment(&before.to_string())));
    }
    get(config, &path, "chats").await
}

/// A page of one chat's messages, newest first, older than `before`.
pub async fn chat_messages(
    config: &ClientConfig,
    chat_id: &str,
    before: Option<&Cursor>,
    limit: usize,
) -> Result<Page<MessageItem>, HistoryError> {
    let mut path = format!("/api/v1/chats/{}/messages?limit={}", path_segment(chat_id), limit.clamp(1, 200));
    if let Some(before) = before {
        path.push_str(&format!("&before={}", path_segment(&before.to_string())));
    }
    get(config, &path, "messages").await
}

/// A user API answer, read as its type; `what` names it in errors.
async fn get<T: DeserializeOwned>(
    config: &ClientConfig,
    path: &str,
    what: &'static str,
) -> Result<T, HistoryError> {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", config.http_url()))
        .bearer_auth(&config.token)
        .timeout(config.connect_timeout)
        .send()
        .await
        .map_err(HistoryError::Unreachable)?;
    if !response.status().is_success() {
        return Err(HistoryError::Refused(response.status()));
    }
    response.json().await.map_err(|source| HistoryError::Unreadable { what, source })
}
