//! Event names as they appear in the `event` field of a frame.

/// Client → server: authenticate, or re-authenticate with a fresh token.
pub const AUTHENTICATE: &str = "authenticate";
/// Client → server: join a room.
pub const JOIN: &str = "join";
/// Client → server: leave a room.
pub const LEAVE: &str = "leave";
/// Client → server: send a chat message.
pub const MESSAGE: &str = "message";
/// Client → server: change a booking's status.
pub const BOOKING_UPDATE: &str = "booking-update";
/// Client → server: send a notification to a user (admins only).
pub const SEND_NOTIFICATION: &str = "send-notification";

/// Client → server: replay what was missed after a position.
pub const RESUME: &str = "resume";
/// Client → server: mark notifications read, by ids or up to a position.
pub const MARK_READ: &str = "mark-read";
/// Client → server: mark every notification read.
pub const MARK_ALL_READ: &str = "mark-all-read";
/// Client → server: remove every notification from history.
pub const CLEAR: &str = "clear";

/// Server → client: authentication succeeded.
pub const AUTHENTICATED: &str = "authenticated";
/// Server → client: a stored notification.
pub const NOTIFICATION: &str = "notification";
/// Server → client: a chat message from someone else.
pub const NEW_MESSAGE: &str = "new-message";
/// Server → client: the sender's own message was stored.
pub const MESSAGE_SENT: &str = "message-sent";
/// Server → client: a booking changed status.
pub const BOOKING_STATUS_CHANGED: &str = "booking-status-changed";
/// Server → client: reply to `booking-update`.
pub const BOOKING_UPDATED: &str = "booking-updated";
/// Server → client: reply to `send-notification`.
pub const NOTIFICATION_SENT: &str = "notification-sent";
/// Server → client: reply to `join`.
pub const JOINED: &str = "joined";
/// Server → client: reply to `leave`.
pub const LEFT: &str = "left";
/// Server → client: a replay is complete; live events follow.
pub const RESUMED: &str = "resumed";
/// Server → client: the position is older than retention keeps.
pub const RESYNC_REQUIRED: &str = "resync-required";
/// Server → client: read state changed (here or on another device).
pub const NOTIFICATIONS_READ: &str = "notifications-read";
/// Server → client: an error, echoing the `ref` of the frame that caused it.
pub const ERROR: &str = "error";

/// Events a backend may not publish, because clients trust them to come
/// from the server's own logic.
pub const RESERVED_FOR_SERVER: &[&str] = &[
    AUTHENTICATED,
    NEW_MESSAGE,
    MESSAGE_SENT,
    BOOKING_STATUS_CHANGED,
    BOOKING_UPDATED,
    NOTIFICATION_SENT,
    JOINED,
    LEFT,
    RESUMED,
    RESYNC_REQUIRED,
    NOTIFICATIONS_READ,
    ERROR,
];
