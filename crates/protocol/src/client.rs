//! Payloads of the frames a client sends.

use crate::booking::BookingStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `authenticate`: first frame for clients that cannot set headers, or a
/// fresh token for the same user mid-session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
pub struct Authenticate {
    /// A JWT.
    pub token: String,
    /// On the first `authenticate` only: resume after this position before
    /// any live event is sent (like a `resume` sent at once, without the
    /// race between live events and the replay).
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, rename = "resumeAfter", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub resume_after: Option<i64>,
}

/// `join`: enter a room the user is entitled to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
pub struct Join {
    /// Room name, e.g. `booking-42`; or, with `type`, the id alone.
    pub room: String,
    /// The room's kind (`booking`, `chat`, ...) when `room` is an id, as
    /// the seed's web app sends it: `joinRoom(bookingId, 'booking')`.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Join {
    /// The full room name.
    pub fn room_name(&self) -> String {
        full_room_name(&self.room, self.kind.as_deref())
    }
}

/// `leave`: stop receiving a room's events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
pub struct Leave {
    /// Room name; or, with `type`, the id alone.
    pub room: String,
    /// The room's kind when `room` is an id.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Leave {
    /// The full room name.
    pub fn room_name(&self) -> String {
        full_room_name(&self.room, self.kind.as_deref())
    }
}

fn full_room_name(room: &str, kind: Option<&str>) -> String {
    match kind {
        Some(kind) => format!("{kind}-{room}"),
        None => room.to_owned(),
    }
}

/// `message`: a chat message, to an existing chat (`chatId`) or to the
/// chat with another user (`toUserId`). Chat ids are the server's: the chat
/// of two users has an id derived from the pair, and the backend creates
/// others; `message-sent` carries the id used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// An existing chat of the sender.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default)]
    pub chat_id: Option<String>,
    /// The text: non-blank, at most 4000 characters.
    pub message: String,
    /// The other participant: with `chatId` it must match the chat; without
    /// it, or when `chatId` names no chat, the pair's chat is used.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default)]
    pub to_user_id: Option<String>,
}

/// `booking-update`: move a booking to another status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct BookingUpdate {
    /// The booking.
    pub booking_id: String,
    /// The status to move to.
    pub status: BookingStatus,
}

/// `send-notification`: admins notify a user over the socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct SendNotification {
    /// Recipient.
    pub to_user_id: String,
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Category, e.g. `system`; defaults to `system`.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Arbitrary JSON for the client, e.g. a link target.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(type = "Record<string, unknown>"))]
    pub data: Option<Value>,
}

/// `resume`: replay every event after `after` that the user may see, then
/// `resumed`. `after` is the largest `seq` the client has seen (0: all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
pub struct Resume {
    /// Last position seen.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub after: i64,
}

/// `mark-read`: one of `ids`, `upTo` or `chatId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct MarkRead {
    /// Notification ids.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// Every notification up to this position.
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub up_to: Option<i64>,
    /// Every message notification of this chat (the user opened it).
    #[cfg_attr(feature = "typescript", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
}

/// `mark-all-read` and `clear` carry no fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}
