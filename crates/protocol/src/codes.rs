//! Error codes carried by `error` frames, and WebSocket close codes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The `code` of an `error` frame. Each bad input has its own code so a
/// client can react without parsing the human-readable message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The frame is not valid JSON.
    InvalidJson,
    /// The frame is JSON but not an object with a string `event`.
    InvalidFrame,
    /// The `event` is not one a client may send.
    UnknownEvent,
    /// `data` is missing a field, has a wrongly typed field or a bad value.
    InvalidPayload,
    /// Binary frames are not part of the protocol.
    BinaryUnsupported,
    /// Authentication failed or is missing; the connection closes with 4401.
    Unauthorized,
    /// The token's `exp` passed without a fresh `authenticate`; closes with 4401.
    TokenExpired,
    /// Re-authentication named another user or role.
    UserMismatch,
    /// Not allowed for this user. Never reveals whether the target exists.
    Forbidden,
    /// The room name has no known prefix or a malformed id.
    InvalidRoom,
    /// The connection is already in the maximum number of rooms.
    RoomLimit,
    /// The booking cannot move from its status to the requested one.
    InvalidTransition,
    /// Too many frames; persistent abuse closes the connection with 1008.
    RateLimited,
    /// The server failed; the request may be retried.
    Internal,
    /// Storage could not be reached or failed: nothing was stored; retry
    /// (in a cluster, another node may serve it).
    StoreUnavailable,
}

impl ErrorCode {
    /// Every code, for documentation and metrics.
    pub const ALL: [ErrorCode; 15] = [
        Self::InvalidJson,
        Self::InvalidFrame,
        Self::UnknownEvent,
        Self::InvalidPayload,
        Self::BinaryUnsupported,
        Self::Unauthorized,
        Self::TokenExpired,
        Self::UserMismatch,
        Self::Forbidden,
        Self::InvalidRoom,
        Self::RoomLimit,
        Self::InvalidTransition,
        Self::RateLimited,
        Self::Internal,
        Self::StoreUnavailable,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid-json",
            Self::InvalidFrame => "invalid-frame",
            Self::UnknownEvent => "unknown-event",
            Self::InvalidPayload => "invalid-payload",
            Self::BinaryUnsupported => "binary-unsupported",
            Self::Unauthorized => "unauthorized",
            Self::TokenExpired => "token-expired",
            Self::UserMismatch => "user-mismatch",
            Self::Forbidden => "forbidden",
            Self::InvalidRoom => "invalid-room",
            Self::RoomLimit => "room-limit",
            Self::InvalidTransition => "invalid-transition",
            Self::RateLimited => "rate-limited",
            Self::Internal => "internal",
            Self::StoreUnavailable => "store-unavailable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// WebSocket close codes the server uses.
pub mod close {
    /// Server shutting down; reconnect later.
    pub const GOING_AWAY: u16 = 1001;
    /// Persistent abuse (flooding past the rate limit).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame exceeded the size cap.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The server could not serve the connection (storage unavailable).
    pub const INTERNAL: u16 = 1011;
    /// This node of a cluster lost its database and stepped aside;
    /// reconnect (the load balancer sends you to a healthy node).
    pub const SERVICE_RESTART: u16 = 1012;
    /// A quota is used up (replays on connect); reconnect after a while.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// Pong not received within the heartbeat timeout.
    pub const HEARTBEAT_TIMEOUT: u16 = 4000;
    /// The client did not read fast enough and its outbound queue overflowed.
    /// Nothing is lost: stored events can be fetched again after reconnecting.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// Authentication failed, timed out or the token expired.
    pub const UNAUTHORIZED: u16 = 4401;
}
