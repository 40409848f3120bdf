//! Server frames as types, for clients: the envelope (`id`, `seq`, `ref`)
//! and one [`ServerEvent`] with its payload, so a client matches on
//! variants and a renamed field is a compile error, not a blank popup.

use crate::event;
use crate::server::{
    Authenticated, BookingStatusChanged, BookingUpdated, Error, MessageSent, NewMessage, Notification,
    NotificationsRead, Resumed, ResyncRequired,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// One event the server sends, with its payload.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    /// `authenticated`
    Authenticated(Authenticated),
    /// `resumed`
    Resumed(Resumed),
    /// `resync-required`
    ResyncRequired(ResyncRequired),
    /// `notification`
    Notification(Notification),
    /// `notifications-read`
    NotificationsRead(NotificationsRead),
    /// `new-message`
    NewMessage(NewMessage),
    /// `message-sent`
    MessageSent(MessageSent),
    /// `booking-status-changed`
    BookingStatusChanged(BookingStatusChanged),
    /// `booking-updated`
    BookingUpdated(BookingUpdated),
    /// `error`
    Error(Error),
    /// Any other event: a backend's own (`typing`, ...), a reply this
    /// client has no type for, or a known event whose payload does not
    /// match its type (kept rather than dropped, so nothing is lost).
    Other {
        /// The event name.
        name: String,
        /// Its payload as sent.
        data: Value,
    },
}

/// A frame from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerMessage {
    /// What happened.
    pub event: ServerEvent,
    /// Stored events: their id.
    pub id: Option<String>,
    /// Stored events: their position.
    pub seq: Option<i64>,
    /// Replies: the `ref` of the request.
    pub reference: Option<String>,
}

/// Why a text was not a server frame.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but no string `event`.
    #[error("a frame needs a string `event`")]
    NoEvent,
}

fn typed<T: DeserializeOwned>(data: &Value, wrap: fn(T) -> ServerEvent) -> Option<ServerEvent> {
    serde_json::from_value(data.clone()).ok().map(wrap)
}

impl ServerMessage {
    /// Reads a frame's text.
    pub fn parse(text: &str) -> Result<ServerMessage, ParseError> {
        let frame: Value = serde_json::from_str(text)?;
        ServerMessage::from_value(frame)
    }

    /// Reads a frame already parsed as JSON.
    pub fn from_value(frame: Value) -> Result<ServerMessage, ParseError> {
        let name = frame.get("event").and_then(Value::as_str).ok_or(ParseError::NoEvent)?.to_owned();
        let data = frame.get("data").cloned().unwrap_or(Value::Null);
        let event = match name.as_str() {
            event::AUTHENTICATED => typed(&data, ServerEvent::Authenticated),
            event::RESUMED => typed(&data, ServerEvent::Resumed),
            event::RESYNC_REQUIRED => typed(&data, ServerEvent::ResyncRequired),
            event::NOTIFICATION => typed(&data, ServerEvent::Notification),
            event::NOTIFICATIONS_READ => typed(&data, ServerEvent::NotificationsRead),
            event::NEW_MESSAGE => typed(&data, ServerEvent::NewMessage),
            event::MESSAGE_SENT => typed(&data, ServerEvent::MessageSent),
            event::BOOKING_STATUS_CHANGED => typed(&data, ServerEvent::BookingStatusChanged),
            event::BOOKING_UPDATED => typed(&data, ServerEvent::BookingUpdated),
            event::ERROR => typed(&data, ServerEvent::Error),
            _ => None,
        }
        .unwrap_or(ServerEvent::Other { name, data });
        Ok(ServerMessage {
            event,
            id: frame.get("id").and_then(Value::as_str).map(str::to_owned),
            seq: frame.get("seq").and_then(Value::as_i64),
            reference: frame.get("ref").and_then(Value::as_str).map(str::to_owned),
        })
    }

    /// The event's name on the wire.
    pub fn name(&self) -> &str {
        match &self.event {
            ServerEvent::Authenticated(_) => event::AUTHENTICATED,
            ServerEvent::Resumed(_) => event::RESUMED,
            ServerEvent::ResyncRequired(_) => event::RESYNC_REQUIRED,
            ServerEvent::Notification(_) => event::NOTIFICATION,
            ServerEvent::NotificationsRead(_) => event::NOTIFICATIONS_READ,
            ServerEvent::NewMessage(_) => event::NEW_MESSAGE,
            ServerEvent::MessageSent(_) => event::MESSAGE_SENT,
            ServerEvent::BookingStatusChanged(_) => event::BOOKING_STATUS_CHANGED,
            ServerEvent::BookingUpdated(_) => event::BOOKING_UPDATED,
            ServerEvent::Error(_) => event::ERROR,
            ServerEvent::Other { name, .. } => name,
        }
    }

    /// The payload as JSON.
    pub fn data(&self) -> Value {
        let data = match &self.event {
            ServerEvent::Authenticated(p) => serde_json::to_value(p),
            ServerEvent::Resumed(p) => serde_json::to_value(p),
            ServerEvent::ResyncRequired(p) => serde_json::to_value(p),
            ServerEvent::Notification(p) => serde_json::to_value(p),
            ServerEvent::NotificationsRead(p) => serde_json::to_value(p),
            ServerEvent::NewMessage(p) => serde_json::to_value(p),
            ServerEvent::MessageSent(p) => serde_json::to_value(p),
            ServerEvent::BookingStatusChanged(p) => serde_json::to_value(p),
            ServerEvent::BookingUpdated(p) => serde_json::to_value(p),
            ServerEvent::Error(p) => serde_json::to_value(p),
            ServerEvent::Other { data, .. } => Ok(data.clone()),
        };
        data.expect("payloads serialize")
    }

    /// The frame as JSON, in the wire's shape.
    pub fn to_json(&self) -> Value {
        let mut frame = json!({ "event": self.name(), "data": self.data() });
        if let Some(id) = &self.id {
            frame["id"] = json!(id);
        }
        if let Some(seq) = self.seq {
            frame["seq"] = json!(seq);
        }
        if let Some(reference) = &self.reference {
            frame["ref"] = json!(reference);
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn known_events_are_typed_and_the_rest_kept() {
        let m = ServerMessage::parse(
            r#"{"event":"notification","id":"n1","seq":7,"data":{"id":"n1","type":"booking","title":"Booking confirmed","body":"b","data":{},"createdAt":1}}"#,
        )
        .unwrap();
        assert_eq!((m.id.as_deref(), m.seq), (Some("n1"), Some(7)));
        let ServerEvent::Notification(n) = &m.event else { panic!("{m:?}") };
        assert_eq!((n.kind.as_str(), n.title.as_str()), ("booking", "Booking confirmed"));

        let e = ServerMessage::parse(
            r#"{"event":"error","data":{"code":"invalid-transition","message":"already cancelled by Jean","ref":"p1"},"ref":"p1"}"#,
        )
        .unwrap();
        assert_eq!(e.reference.as_deref(), Some("p1"));
        assert!(matches!(&e.event, ServerEvent::Error(err) if err.code == ErrorCode::InvalidTransition));

        let tick = ServerMessage::parse(r#"{"event":"tick","seq":3,"id":"t","data":{"n":1}}"#).unwrap();
        assert_eq!(tick.event, ServerEvent::Other { name: "tick".into(), data: json!({"n": 1}) });
        assert_eq!(tick.to_json(), json!({"event": "tick", "seq": 3, "id": "t", "data": {"n": 1}}));

        // A known name with a payload of another shape is kept, not dropped.
        let odd = ServerMessage::parse(r#"{"event":"resumed","data":{"seq":"x"}}"#).unwrap();
        assert_eq!(odd.name(), "resumed");
        assert!(matches!(odd.event, ServerEvent::Other { .. }));

        assert!(matches!(ServerMessage::parse("nope"), Err(ParseError::Json(_))));
        assert!(matches!(ServerMessage::parse(r#"{"data":1}"#), Err(ParseError::NoEvent)));
    }

    #[test]
    fn typed_frames_read_back_as_sent() {
        let text = r#"{"event":"booking-updated","data":{"bookingId":"b1","status":"confirmed","previousStatus":"pending"},"ref":"r"}"#;
        let m = ServerMessage::parse(text).unwrap();
        assert_eq!(m.to_json(), serde_json::from_str::<Value>(text).unwrap());
    }
}
