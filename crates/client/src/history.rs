//! History over HTTP, for a first start (older items are not replayed) and
//! after `resync-required` (retention removed what a replay would need);
//! the user's bookings, which live events only ever update; the user's
//! chats and their messages, page by page as the user scrolls back.

use crate::config::ClientConfig;
use serde_json::Value;

/// Why a user API call gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// No answer: network down, server gone, timeout.
    #[error("cannot reach the server: {0}")]
    Unreachable(#[source] reqwest::Error),
    /// The server refused (403 for a chat that is not the user's, 429...).
    #[error("the server answered {0}")]
    Refused(reqwest::StatusCode),
    /// The answer was not the JSON the API documents.
    #[error("unreadable {what}: {source}")]
    Unreadable {
        /// What was asked for.
        what: &'static str,
        /// The decoding failure.
        #[source]
        source: reqwest::Error,
    },
}

/// One page of a user API list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The items, in the list's order.
    pub items: Vec<Value>,
    /// What to pass as `before` for the next page; `None` at the end.
    pub next_before: Option<String>,
}

/// The user's newest notifications (at most `limit`, newest first), as the
/// server's `GET /api/v1/notifications` items: the `notification` payload
/// plus `seq` and `read`.
pub async fn recent_notifications(config: &ClientConfig, limit: usize) -> Result<Vec<Value>, HistoryError> {
    let path = format!("/api/v1/notifications?limit={}", limit.clamp(1, 200));
    Ok(page(config, &path, "history").await?.items)
}

/// The user's bookings, latest activity first (at most `limit`), as the
/// server's `GET /api/v1/bookings` items: names, status, and the moves the
/// server allows this user.
pub async fn my_bookings(config: &ClientConfig, limit: usize) -> Result<Vec<Value>, HistoryError> {
    let path = format!("/api/v1/bookings?limit={}", limit.clamp(1, 200));
    Ok(page(config, &path, "bookings").await?.items)
}

/// One booking with its latest status changes (`changes`, newest first).
pub async fn booking(config: &ClientConfig, booking_id: &str) -> Result<Value, HistoryError> {
    let path = format!("/api/v1/bookings/{}", encode(booking_id));
    get(config, &path, "booking").await
}

/// A page of the user's chats, most recently active first: participants
/// with names, the last message and the user's unread count of each.
pub async fn my_chats(
    config: &ClientConfig,
    before: Option<&str>,
    limit: usize,
) -> Result<Page, HistoryError> {
    let mut path = format!("/api/v1/chats?limit={}", limit.clamp(1, 200));
    if let Some(before) = before {
        path.push_str(&format!("&before={}", encode(before)));
    }
    page(config, &path, "chats").await
}

/// A page of one chat's messages, newest first, older than `before`.
pub async fn chat_messages(
    config: &ClientConfig,
    chat_id: &str,
    before: Option<&str>,
    limit: usize,
) -> Result<Page, HistoryError> {
    let mut path = format!("/api/v1/chats/{}/messages?limit={}", encode(chat_id), limit.clamp(1, 200));
    if let Some(before) = before {
        path.push_str(&format!("&before={}", encode(before)));
    }
    page(config, &path, "messages").await
}

/// Ids and cursors are short and plain; anything else is percent-encoded
/// so a strange id cannot change the path.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One page of a user API list; `what` names it in errors.
async fn page(config: &ClientConfig, path: &str, what: &'static str) -> Result<Page, HistoryError> {
    let body = get(config, path, what).await?;
    let next_before = match &body["nextBefore"] {
        Value::String(cursor) => Some(cursor.clone()),
        Value::Number(seq) => Some(seq.to_string()),
        _ => None,
    };
    let items = match body {
        Value::Object(mut fields) => match fields.remove("items") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    Ok(Page { items, next_before })
}

async fn get(config: &ClientConfig, path: &str, what: &'static str) -> Result<Value, HistoryError> {
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

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn ids_and_cursors_cannot_leave_their_path_segment() {
        assert_eq!(encode("dm-0a1b"), "dm-0a1b");
        assert_eq!(encode("1700:dm-x"), "1700%3Adm-x");
        assert_eq!(encode("../../admin?x=1"), "..%2F..%2Fadmin%3Fx%3D1");
    }
}
