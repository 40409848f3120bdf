//! Socket.IO event arguments to native frames, and native frames to what a
//! Socket.IO socket is sent: pure functions, so the mapping is tested
//! without a network.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use urutibiz_protocol::event;

/// Why a Socket.IO event could not become a native frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untranslatable {
    /// The packet's arguments are not `["event", ...]`.
    #[error("an event packet must be [\"event\", payload]")]
    Malformed,
    /// Binary attachments: the protocol is JSON only.
    #[error("binary attachments are not supported; send JSON")]
    Binary,
    /// More arguments than the event takes.
    #[error("`{0}` takes one payload argument")]
    TooManyArguments(String),
}

#[derive(Serialize)]
struct Native<'a> {
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Cow<'a, RawValue>>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
}

/// The native frame for a Socket.IO event. `args` is the packet's JSON
/// array, `["event", payload?]`; `reference` ties the reply to an ack.
///
/// `join` and `leave` also take the seed's shapes: a room name as a plain
/// string, or an id and a kind (`emit('join', id, 'booking')`).
pub fn native_frame(args: &str, reference: Option<&str>) -> Result<String, Untranslatable> {
    let parts: Vec<&RawValue> = serde_json::from_str(args).map_err(|_| Untranslatable::Malformed)?;
    let (name, rest) = parts.split_first().ok_or(Untranslatable::Malformed)?;
    let name: Cow<'_, str> = serde_json::from_str(name.get()).map_err(|_| Untranslatable::Malformed)?;
    let is_room_event = name == event::JOIN || name == event::LEAVE;
    let data = match rest {
        [] => None,
        [payload] if is_room_event && payload.get().starts_with('"') => Some(room_payload(payload, None)),
        [room, kind] if is_room_event && room.get().starts_with('"') && kind.get().starts_with('"') => {
            Some(room_payload(room, Some(kind)))
        }
        [payload] => Some(Cow::Borrowed(*payload)),
        _ => return Err(Untranslatable::TooManyArguments(name.into_owned())),
    };
    let frame = Native { event: &name, data, reference };
    Ok(serde_json::to_string(&frame).expect("a frame of JSON values serializes"))
}

/// `{"room": <room>, "type": <kind>}` from JSON strings.
fn room_payload<'a>(room: &RawValue, kind: Option<&RawValue>) -> Cow<'a, RawValue> {
    let text = match kind {
        Some(kind) => format!(r#"{{"room":{},"type":{}}}"#, room.get(), kind.get()),
        None => format!(r#"{{"room":{}}}"#, room.get()),
    };
    Cow::Owned(RawValue::from_string(text).expect("built from JSON strings"))
}

/// A native frame as the server wrote it, borrowed from its text.
#[derive(Debug, Deserialize)]
pub struct Outgoing<'a> {
    /// The event name.
    #[serde(borrow)]
    pub event: Cow<'a, str>,
    /// A stored event's position: sent as Socket.IO's offset.
    #[serde(default)]
    pub seq: Option<i64>,
    /// The payload.
    #[serde(borrow, default)]
    pub data: Option<&'a RawValue>,
    /// The request this answers.
    #[serde(borrow, default, rename = "ref")]
    pub reference: Option<Cow<'a, str>>,
}

impl<'a> Outgoing<'a> {
    /// Reads a frame the server encoded.
    pub fn parse(text: &'a str) -> Option<Outgoing<'a>> {
        serde_json::from_str(text).ok()
    }

    /// The payload a Socket.IO client is sent: an `error` loses its `ref`
    /// (the endpoint's own, meaningless to the client), anything else is
    /// the native payload as it is.
    pub fn payload(&self) -> Cow<'a, RawValue> {
        let Some(data) = self.data else { return Cow::Owned(null()) };
        if self.event != event::ERROR {
            return Cow::Borrowed(data);
        }
        #[derive(Deserialize, Serialize)]
        struct Refusal<'b> {
            #[serde(borrow)]
            code: Cow<'b, str>,
            #[serde(borrow)]
            message: Cow<'b, str>,
        }
        match serde_json::from_str::<Refusal<'_>>(data.get()) {
            Ok(refusal) => Cow::Owned(serde_json::value::to_raw_value(&refusal).expect("strings serialize")),
            Err(_) => Cow::Borrowed(data),
        }
    }

    /// What an acknowledgement callback receives: the reply's payload, or
    /// `{"error": {code, message}}` when the request was refused.
    pub fn ack_payload(&self) -> Box<RawValue> {
        let payload = self.payload();
        if self.event == event::ERROR {
            RawValue::from_string(format!(r#"{{"error":{}}}"#, payload.get())).expect("built from JSON")
        } else {
            payload.into_owned()
        }
    }
}

fn null() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn native(args: &str, reference: Option<&str>) -> Value {
        serde_json::from_str(&native_frame(args, reference).unwrap()).unwrap()
    }

    #[test]
    fn events_become_native_frames_with_the_ack_reference() {
        assert_eq!(
            native(r#"["message",{"toUserId":"u2","message":"hi"}]"#, Some("s1")),
            json!({"event": "message", "data": {"toUserId": "u2", "message": "hi"}, "ref": "s1"})
        );
        assert_eq!(native(r#"["mark-all-read"]"#, None), json!({"event": "mark-all-read"}));
    }

    #[test]
    fn rooms_take_the_seeds_shapes() {
        assert_eq!(
            native(r#"["join","booking-7"]"#, None),
            json!({"event": "join", "data": {"room": "booking-7"}})
        );
        assert_eq!(
            native(r#"["join","7","booking"]"#, None),
            json!({"event": "join", "data": {"room": "7", "type": "booking"}})
        );
        assert_eq!(
            native(r#"["leave",{"room":"7","type":"chat"}]"#, None),
            json!({"event": "leave", "data": {"room": "7", "type": "chat"}})
        );
    }

    #[test]
    fn malformed_packets_are_named() {
        assert_eq!(native_frame("{}", None), Err(Untranslatable::Malformed));
        assert_eq!(native_frame("[]", None), Err(Untranslatable::Malformed));
        assert_eq!(native_frame("[1,{}]", None), Err(Untranslatable::Malformed));
        assert_eq!(
            native_frame(r#"["message",{},{}]"#, None),
            Err(Untranslatable::TooManyArguments("message".into()))
        );
    }

    #[test]
    fn errors_lose_the_internal_reference_and_acks_wrap_them() {
        let text = r#"{"event":"error","data":{"code":"forbidden","message":"no","ref":"s4"},"ref":"s4"}"#;
        let out = Outgoing::parse(text).unwrap();
        assert_eq!(out.reference.as_deref(), Some("s4"));
        assert_eq!(out.payload().get(), r#"{"code":"forbidden","message":"no"}"#);
        assert_eq!(out.ack_payload().get(), r#"{"error":{"code":"forbidden","message":"no"}}"#);
    }

    #[test]
    fn stored_events_keep_their_position_and_payload_text() {
        let text = r#"{"event":"notification","id":"e1","seq":7,"data":{"id":"n1","title":"T"}}"#;
        let out = Outgoing::parse(text).unwrap();
        assert_eq!((out.event.as_ref(), out.seq), ("notification", Some(7)));
        assert_eq!(out.payload().get(), r#"{"id":"n1","title":"T"}"#);
        assert_eq!(out.ack_payload().get(), r#"{"id":"n1","title":"T"}"#);
    }
}
