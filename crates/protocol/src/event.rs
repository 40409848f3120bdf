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
    ERROR,
];
