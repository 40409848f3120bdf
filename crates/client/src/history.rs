//! History over HTTP, for a first start (older items are not replayed) and
//! after `resync-required` (retention removed what a replay would need);
//! the user's bookings, which live events only ever update.

use crate::config::ClientConfig;
use serde_json::Value;

/// The user's newest notifications (at most `limit`, newest first), as the
/// server's `GET /api/v1/notifications` items: the `notification` payload
/// plus `seq` and `read`.
pub async fn recent_notifications(config: &ClientConfig, limit: usize) -> Result<Vec<Value>, String> {
    items(config, &format!("/api/v1/notifications?limit={}", limit.clamp(1, 200)), "history").await
}

/// The user's bookings, latest activity first (at most `limit`), as the
/// server's `GET /api/v1/bookings` items: names, status, and the moves the
/// server allows this user.
pub async fn my_bookings(config: &ClientConfig, limit: usize) -> Result<Vec<Value>, String> {
    items(config, &format!("/api/v1/bookings?limit={}", limit.clamp(1, 200)), "bookings").await
}

/// The `items` of one page of a user API list; `what` names it in errors.
async fn items(config: &ClientConfig, path: &str, what: &str) -> Result<Vec<Value>, String> {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", config.http_url()))
        .bearer_auth(&config.token)
        .timeout(config.connect_timeout)
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    let body: Value = response.json().await.map_err(|e| format!("unreadable {what}: {e}"))?;
    Ok(body["items"].as_array().cloned().unwrap_or_default())
}
