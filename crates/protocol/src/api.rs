//! The HTTP API's answers (`/api/v1/…`) for users, defined once for the
//! server that writes them and the clients that read them (`docs/protocol.md`
//! and `docs/openapi.json` describe the same shapes).

use crate::server::{NewMessage, Notification};
use crate::BookingStatus;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What stays as it is in a path segment: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// An id or cursor as one path or query segment: anything but unreserved
/// characters is percent-encoded, so a strange id cannot change the path
/// (`../admin` stays inside its segment).
pub fn path_segment(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// One page of a list, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// What to pass as `before` for the next page; `null` at the end.
    pub next_before: Option<Cursor>,
}

/// Where the next page starts: a position (notifications, messages) or
/// an opaque `<number>:<id>` text (bookings, chats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(untagged)]
pub enum Cursor {
    /// A position in the event stream.
    Position(#[cfg_attr(feature = "typescript", ts(type = "number"))] i64),
    /// An opaque text.
    Text(String),
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cursor::Position(seq) => write!(f, "{seq}"),
            Cursor::Text(text) => f.write_str(text),
        }
    }
}

/// `GET /api/v1/notifications` items: the `notification` payload with its
/// position and read state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct NotificationItem {
    /// The notification.
    #[serde(flatten)]
    pub notification: Notification,
    /// Its position.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub seq: i64,
    /// Read on any device.
    pub read: bool,
}

/// `GET /api/v1/chats/{id}/messages` items, and a chat's last message: the
/// `new-message` payload with its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct MessageItem {
    /// The message.
    #[serde(flatten)]
    pub message: NewMessage,
    /// Its position.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub seq: i64,
}

/// A participant of a chat, with a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
pub struct Participant {
    /// The user id.
    pub id: String,
    /// The display name (the id when none is known).
    pub name: String,
}

/// `GET /api/v1/chats` items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct ChatSummary {
    /// The chat.
    pub id: String,
    /// Its two participants.
    pub participants: Vec<Participant>,
    /// The newest message; `null` before the first.
    pub last_message: Option<MessageItem>,
    /// Messages the caller has not read.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub unread_count: i64,
}

/// `GET /api/v1/bookings` items: a booking as the caller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    /// The booking.
    pub id: String,
    /// What is rented, when the backend said.
    pub title: Option<String>,
    /// Its status.
    pub status: BookingStatus,
    /// The host.
    pub host_id: String,
    /// The host's display name.
    pub host_name: String,
    /// The renter.
    pub renter_id: String,
    /// The renter's display name.
    pub renter_name: String,
    /// The caller's other party.
    pub other_party_id: String,
    /// Their display name.
    pub other_party_name: String,
    /// Who changed it last; `null` before any change.
    pub changed_by: Option<String>,
    /// Their display name.
    pub changed_by_name: Option<String>,
    /// Milliseconds since the Unix epoch.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub updated_at: i64,
    /// The moves the caller may make now.
    pub actions: Vec<BookingStatus>,
    /// The participants' chat, where "Message" writes.
    pub chat_id: String,
}

/// One status change of a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct BookingChange {
    /// The status it moved to.
    pub status: BookingStatus,
    /// The status before.
    pub previous_status: BookingStatus,
    /// Who moved it.
    pub changed_by: String,
    /// Their display name.
    pub changed_by_name: String,
    /// Milliseconds since the Unix epoch.
    #[cfg_attr(feature = "typescript", ts(type = "number"))]
    pub at: i64,
}

/// `GET /api/v1/bookings/{id}`: the booking with its latest changes,
/// newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct BookingWithChanges {
    /// The booking.
    #[serde(flatten)]
    pub booking: BookingView,
    /// Its status changes.
    pub changes: Vec<BookingChange>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_cursors_cannot_leave_their_path_segment() {
        assert_eq!(path_segment("dm-0a1b_x.y~z"), "dm-0a1b_x.y~z");
        assert_eq!(path_segment("1700:dm-x"), "1700%3Adm-x");
        assert_eq!(path_segment("../../admin?x=1#y"), "..%2F..%2Fadmin%3Fx%3D1%23y");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn cursors_are_numbers_or_text_and_print_as_sent() {
        let page: Page<NotificationItem> =
            serde_json::from_value(json!({"items": [], "nextBefore": 41})).unwrap();
        assert_eq!(page.next_before, Some(Cursor::Position(41)));
        let page: Page<ChatSummary> =
            serde_json::from_value(json!({"items": [], "nextBefore": "1795:dm-1"})).unwrap();
        assert_eq!(page.next_before.as_ref().map(Cursor::to_string).as_deref(), Some("1795:dm-1"));
        let end: Page<MessageItem> =
            serde_json::from_value(json!({"items": [], "nextBefore": null})).unwrap();
        assert_eq!(end.next_before, None);
    }

    #[test]
    fn a_notification_item_is_the_notification_with_its_position_and_read_state() {
        let wire = json!({"id": "n1", "type": "booking", "title": "Booking requested", "body": "Jean requested a tent.",
            "data": {"bookingId": "b1"}, "createdAt": 1795629550049_i64, "seq": 7, "read": false});
        let item: NotificationItem = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!((item.notification.id.as_str(), item.seq, item.read), ("n1", 7, false));
        assert_eq!(serde_json::to_value(&item).unwrap(), wire);
    }
}
