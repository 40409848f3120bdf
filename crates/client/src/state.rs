//! Connection states, as the shell shows them ("Offline since 14:02 —
//! retrying in 8 s").

use serde::Serialize;

/// Where the connection stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ConnectionState {
    /// Opening the socket and authenticating.
    Connecting,
    /// Authenticated and receiving events.
    #[serde(rename_all = "camelCase")]
    Online {
        /// Unix milliseconds.
        since_ms: i64,
    },
    /// Not connected; another attempt follows.
    #[serde(rename_all = "camelCase")]
    Offline {
        /// When the connection was lost, Unix milliseconds.
        since_ms: i64,
        /// Milliseconds until the next attempt.
        retry_in_ms: u64,
        /// Why, for people.
        reason: String,
    },
    /// The token was refused or expired: no more attempts until a new one.
    #[serde(rename_all = "camelCase")]
    SignedOut {
        /// Why, for people.
        reason: String,
    },
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
