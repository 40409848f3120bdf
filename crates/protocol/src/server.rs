//! Payloads of the frames the server sends.

use crate::booking::BookingStatus;
use crate::codes::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `authenticated`: the connection is in `rooms` already.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct Authenticated {
    /// The user id from the token.
    pub user_id: String,
    /// `host`, `renter`, `admin` or `service`.
    pub role: String,
    /// Rooms the connection is in.
    pub rooms: Vec<String>,
    /// The token's `exp`, Unix seconds.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub expires_at: i64,
    /// Unread notifications.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub unread_count: i64,
    /// Position of the newest stored event: where a new client starts.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub head_seq: i64,
}

/// `notification`: a stored notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Stored event id.
    pub id: String,
    /// Category: `booking`, `message`, `system`, or a backend's own.
    #[serde(rename = "type")]
    pub kind: String,
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Arbitrary JSON, `{}` when none was given.
    #[cfg_attr(feature = "typescript", ts(type = "Record<string, unknown>"))]
    pub data: Value,
    /// Milliseconds since the Unix epoch.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub created_at: i64,
}

/// `new-message`: a message from the other participant (or another
/// connection of the same user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct NewMessage {
    /// The chat.
    pub chat_id: String,
    /// Stored message id.
    pub message_id: String,
    /// The author.
    pub from_user_id: String,
    /// The author's display name (the id when none is known).
    #[serde(default)]
    pub from_name: String,
    /// The text.
    pub message: String,
    /// Milliseconds since the Unix epoch.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub at: i64,
}

/// `message-sent`: the sender's message is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct MessageSent {
    /// The chat.
    pub chat_id: String,
    /// Stored message id.
    pub message_id: String,
    /// Milliseconds since the Unix epoch.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub at: i64,
}

/// `booking-status-changed`: to both participants and `booking-<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct BookingStatusChanged {
    /// The booking.
    pub booking_id: String,
    /// New status.
    pub status: BookingStatus,
    /// Status before the change.
    pub previous_status: BookingStatus,
    /// User id of who made the change.
    pub changed_by: String,
    /// Display name of who made the change (the id when none is known).
    #[serde(default)]
    pub changed_by_name: String,
    /// The host's display name.
    #[serde(default)]
    pub host_name: String,
    /// The renter's display name.
    #[serde(default)]
    pub renter_name: String,
    /// What is booked, when the backend said.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Milliseconds since the Unix epoch.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub at: i64,
    /// In a replay: how many earlier changes of this booking were folded
    /// into this one (`previousStatus` is then the status before them).
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub collapsed: Option<u32>,
}

/// `booking-updated`: direct reply to a successful `booking-update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct BookingUpdated {
    /// The booking.
    pub booking_id: String,
    /// New status.
    pub status: BookingStatus,
    /// Status before the change.
    pub previous_status: BookingStatus,
    /// The booking already had the status asked for (a second click, or the
    /// same change by someone else): nothing changed, nothing was announced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unchanged: bool,
}

/// `notification-sent`: direct reply to a successful `send-notification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct NotificationSent {
    /// Stored notification id.
    pub id: String,
    /// Recipient.
    pub to_user_id: String,
}

/// `joined` and `left`: direct replies naming the room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
pub struct RoomReply {
    /// Room name.
    pub room: String,
}

/// `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
pub struct Error {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable detail.
    pub message: String,
    /// The `ref` of the frame that caused it.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// `resumed`: the replay is complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct Resumed {
    /// Events sent by the replay.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub replayed: u64,
    /// Booking changes folded into later ones.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub collapsed: u64,
    /// The position the client has now reached.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub seq: i64,
    /// Unread notifications.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub unread_count: i64,
}

/// `resync-required`: events after `after` were removed by retention (or
/// the server's stream is behind `after`). Fetch history over HTTP, then
/// resume from `headSeq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct ResyncRequired {
    /// The position the client asked for.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub after: i64,
    /// Highest removed position the client would have needed.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub pruned_upto: i64,
    /// Position of the newest stored event.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub head_seq: i64,
}

/// `notifications-read`: read state changed. Items whose id is in `ids`,
/// or whose `seq` is at most `upTo`, are read; if `cleared`, those up to
/// `upTo` are gone from history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct NotificationsRead {
    /// Notification ids now read.
    pub ids: Vec<String>,
    /// Everything up to here is read (or cleared).
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub up_to: Option<i64>,
    /// Whether history up to `upTo` was cleared.
    pub cleared: bool,
    /// Unread notifications left.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub unread_count: i64,
}
