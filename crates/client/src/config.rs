//! Client settings.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Where to connect and how patient to be.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Server base URL, `http://host:port` or `ws://host:port`; `/ws` is appended.
    pub server: String,
    /// The user's JWT, sent in the `Authorization` header.
    pub token: String,
    /// Interval of the client's own pings.
    pub ping_every: Duration,
    /// A connection with no frame at all for this long is dead. The server
    /// pings every 25 s, so 40 s means a dead network is noticed within 45 s.
    pub dead_after: Duration,
    /// First reconnect delay ceiling; doubles per failed attempt.
    pub backoff_base: Duration,
    /// Largest reconnect delay.
    pub backoff_cap: Duration,
    /// A connection that lasted this long resets the backoff.
    pub stable_after: Duration,
    /// Time allowed to connect and authenticate.
    pub connect_timeout: Duration,
    /// A wall-clock jump larger than this between two checks means the
    /// machine slept: reconnect at once.
    pub sleep_jump: Duration,
    /// Set when a refresher renews the token ([`crate::auth::spawn_refresher`]):
    /// before reconnecting with an expired token, the session pokes it and
    /// waits for a fresh one instead of being refused.
    pub token_refresh: Option<Arc<Notify>>,
}

impl ClientConfig {
    /// Defaults for a desktop app.
    pub fn new(server: impl Into<String>, token: impl Into<String>) -> ClientConfig {
        ClientConfig {
            server: server.into(),
            token: token.into(),
            ping_every: Duration::from_secs(15),
            dead_after: Duration::from_secs(40),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(30),
            stable_after: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            sleep_jump: Duration::from_secs(10),
            token_refresh: None,
        }
    }

    /// The HTTP base URL.
    pub fn http_url(&self) -> String {
        let base = self.server.trim_end_matches('/');
        if let Some(rest) = base.strip_prefix("ws://") {
            format!("http://{rest}")
        } else if let Some(rest) = base.strip_prefix("wss://") {
            format!("https://{rest}")
        } else {
            base.to_owned()
        }
    }

    /// The WebSocket URL.
    pub fn ws_url(&self) -> String {
        let base = self.server.trim_end_matches('/');
        let base = if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else {
            base.to_owned()
        };
        format!("{base}/ws")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_url_from_http_base() {
        assert_eq!(ClientConfig::new("http://h:1/", "t").ws_url(), "ws://h:1/ws");
        assert_eq!(ClientConfig::new("https://h", "t").ws_url(), "wss://h/ws");
        assert_eq!(ClientConfig::new("ws://h:2", "t").ws_url(), "ws://h:2/ws");
        assert_eq!(ClientConfig::new("wss://h/", "t").http_url(), "https://h");
    }
}
