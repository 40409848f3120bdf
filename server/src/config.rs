//! Runtime configuration of the server, built from flags and env by
//! [`crate::cli`], or directly by embedders.

use crate::auth::JwtSettings;
use crate::quotas::QuotaSettings;
use crate::serve::ConnectionLimits;
use std::path::PathBuf;
use std::time::Duration;

/// Limits and timings of the WebSocket side.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted frame; bigger closes with 1009.
    pub max_frame_bytes: usize,
    /// Frames queued for one connection before it counts as slow and is
    /// closed with 4008.
    pub outbound_queue: usize,
    /// Rooms one connection may be in, its own two included.
    pub max_rooms: usize,
    /// Sustained client frames per second.
    pub rate_per_sec: u32,
    /// Burst of client frames above the sustained rate.
    pub rate_burst: u32,
    /// Rate-limited frames in a row after which the connection closes with 1008.
    pub abuse_strikes: u32,
    /// Time allowed for the first `authenticate` frame.
    pub auth_timeout: Duration,
    /// Interval between server pings.
    pub ping_interval: Duration,
    /// Time allowed for a pong before the connection is dropped.
    pub pong_timeout: Duration,
    /// Time given to clients to receive their close frame on shutdown.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: 64 * 1024,
            outbound_queue: 256,
            max_rooms: 100,
            rate_per_sec: 20,
            rate_burst: 40,
            abuse_strikes: 100,
            auth_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(25),
            pong_timeout: Duration::from_secs(20),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// How long stored events are kept.
#[derive(Debug, Clone)]
pub struct RetentionConfig {
    /// Events older than this are removed; `None` keeps them.
    pub max_age: Option<Duration>,
    /// Events kept per `user-` room; `None` keeps all.
    pub per_user: Option<usize>,
    /// Time between pruning runs.
    pub interval: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            max_age: Some(Duration::from_secs(90 * 24 * 3600)),
            per_user: Some(10_000),
            interval: Duration::from_secs(60),
        }
    }
}

/// Everything [`crate::run`] needs besides the listener.
#[derive(Debug, Clone)]
pub struct Config {
    /// SQLite database file, created on first run (unless clustered).
    pub db_path: PathBuf,
    /// Clustered mode: a `postgres://` URL every node of the cluster shares,
    /// instead of the SQLite file.
    pub database_url: Option<String>,
    /// A PEM CA the database's TLS certificate may chain to, besides the
    /// system's roots.
    pub database_ca: Option<PathBuf>,
    /// Whether SQLite syncs to disk on every commit (`synchronous=FULL`).
    pub fsync: bool,
    /// Token checks.
    pub jwt: JwtSettings,
    /// Socket limits and timings.
    pub limits: Limits,
    /// Retention of stored events.
    pub retention: RetentionConfig,
    /// Timeouts and caps on HTTP connections.
    pub connections: ConnectionLimits,
    /// Per-user quotas across connections.
    pub quotas: QuotaSettings,
    /// Chats between users who share no booking and no backend-created
    /// chat: off unless the marketplace wants strangers to write first.
    pub first_contact_chats: bool,
    /// Whether the Socket.IO endpoint offers HTTP long-polling besides
    /// WebSocket (for networks that block WebSocket).
    pub socketio_polling: bool,
    /// Web origins allowed to call the HTTP API from a browser (CORS).
    pub cors_origins: Vec<String>,
}
