//! The `data` of a notification, by its `type`: what the server writes for
//! `booking` and `message` notifications, read back by clients as types
//! instead of keys. A backend may publish notifications of its own kinds
//! (or of these kinds, shaped its own way) with any JSON object as `data`:
//! those read as [`NotificationData::Other`], never as an error.

use crate::BookingStatus;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The `data` of a `booking` notification: a booking moved along its life
/// cycle (or was requested).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct BookingNotificationData {
    /// The booking (empty when a backend left it out).
    pub booking_id: String,
    /// Its status now; `None` for a status this version does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<BookingStatus>,
    /// Its status before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<BookingStatus>,
    /// What is rented, e.g. "Canon EOS R6".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Who made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    /// The other party of the booking, for the notified person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_party_id: Option<String>,
    /// Their display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_party_name: Option<String>,
}

/// The `data` of a `message` notification: a chat message arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "camelCase")]
pub struct MessageNotificationData {
    /// The conversation (empty when a backend left it out).
    #[serde(default)]
    pub chat_id: String,
    /// The message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Who wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_user_id: Option<String>,
    /// Their display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
}

/// What a notification is about, from its `type` and `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationData {
    /// A booking's news.
    Booking(BookingNotificationData),
    /// A chat message.
    Message(MessageNotificationData),
    /// Anything else: a system notice, a backend's own kind, or data of a
    /// known kind in a shape of its own (not an object, a field of another
    /// type).
    Other,
}

impl NotificationData {
    /// Reads `data` as its `kind` says.
    pub fn read(kind: &str, data: &Value) -> NotificationData {
        let typed = match kind {
            "booking" => BookingNotificationData::deserialize(data).ok().map(NotificationData::Booking),
            "message" => MessageNotificationData::deserialize(data).ok().map(NotificationData::Message),
            _ => None,
        };
        typed.unwrap_or(NotificationData::Other)
    }

    /// The booking's news, when it is a booking notification.
    pub fn booking(&self) -> Option<&BookingNotificationData> {
        match self {
            NotificationData::Booking(booking) => Some(booking),
            _ => None,
        }
    }

    /// The booking it is about (a booking notification with its id).
    pub fn booking_id(&self) -> Option<&str> {
        self.booking().map(|b| b.booking_id.as_str()).filter(|id| !id.trim().is_empty())
    }

    /// The conversation it is about (a message notification with its id).
    pub fn chat_id(&self) -> Option<&str> {
        match self {
            NotificationData::Message(message) => {
                Some(message.chat_id.as_str()).filter(|id| !id.trim().is_empty())
            }
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for BookingNotificationData {
    /// Lenient where a backend may differ: a missing id reads as empty, a
    /// status this version does not know (a newer server's, or a backend's
    /// own word) as `None`; a field of another type is still an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            #[serde(default)]
            booking_id: String,
            #[serde(default)]
            status: Option<Value>,
            #[serde(default)]
            previous_status: Option<Value>,
            #[serde(default)]
            item: Option<String>,
            #[serde(default)]
            changed_by: Option<String>,
            #[serde(default)]
            other_party_id: Option<String>,
            #[serde(default)]
            other_party_name: Option<String>,
        }
        let known = |status: Option<Value>| status.and_then(|v| BookingStatus::deserialize(v).ok());
        let wire = Wire::deserialize(deserializer)?;
        Ok(BookingNotificationData {
            booking_id: wire.booking_id,
            status: known(wire.status),
            previous_status: known(wire.previous_status),
            item: wire.item,
            changed_by: wire.changed_by,
            other_party_id: wire.other_party_id,
            other_party_name: wire.other_party_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_servers_booking_and_message_data_read_as_types() {
        let booking = json!({"bookingId": "b1", "status": "pending", "previousStatus": "pending",
            "item": "Canon EOS R6", "changedBy": "r1", "otherPartyId": "r1", "otherPartyName": "Jean"});
        let read = NotificationData::read("booking", &booking);
        let expected = BookingNotificationData {
            booking_id: "b1".into(),
            status: Some(BookingStatus::Pending),
            previous_status: Some(BookingStatus::Pending),
            item: Some("Canon EOS R6".into()),
            changed_by: Some("r1".into()),
            other_party_id: Some("r1".into()),
            other_party_name: Some("Jean".into()),
        };
        assert_eq!(read, NotificationData::Booking(expected.clone()));
        assert_eq!(serde_json::to_value(&expected).unwrap(), booking, "written as read");
        let message = json!({"chatId": "dm-1", "messageId": "m1", "fromUserId": "h1", "fromName": "Amina"});
        assert_eq!(NotificationData::read("message", &message).chat_id(), Some("dm-1"));
    }

    #[test]
    fn other_shapes_and_kinds_are_other_never_an_error() {
        for (kind, data) in [
            ("booking", json!({"bookingId": 7})),
            ("booking", json!("not an object")),
            ("message", json!({"chatId": ["dm-1"]})),
            ("system", json!({"bookingId": "b1", "chatId": "dm-1"})),
            ("payout", Value::Null),
        ] {
            assert_eq!(NotificationData::read(kind, &data), NotificationData::Other, "{kind} {data}");
        }
        // Without an id a booking or message notification is about nothing
        // in particular; its other fields still read.
        let no_id = NotificationData::read("booking", &json!({"status": "pending", "item": "Tent"}));
        assert_eq!(no_id.booking_id(), None);
        assert_eq!(no_id.booking().and_then(|b| b.item.as_deref()), Some("Tent"));
        assert_eq!(NotificationData::read("booking", &json!({"bookingId": "  "})).booking_id(), None);
        assert_eq!(NotificationData::read("message", &json!({})).chat_id(), None);
        // An unknown status is no status; the rest still reads.
        let newer = NotificationData::read("booking", &json!({"bookingId": "b1", "status": "disputed"}));
        assert_eq!(newer.booking().map(|b| (b.booking_id.as_str(), b.status)), Some(("b1", None)));
    }
}
