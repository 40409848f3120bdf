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
    /// The payload is JSON in shape but not in value (a number out of
    /// range): the session would refuse the frame before reading its ref,
    /// and an acknowledgement would never be answered.
    #[error("the payload is not valid JSON: {0}")]
    InvalidJson(String),
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
/// array, `["event", payload?]`; `ack` is the ref tying the reply to an
/// acknowledgement. Without an ack, a `ref` inside the payload (the seed's
/// convention for matching replies) becomes the frame's ref, and the reply
/// carries it back inside its payload.
///
/// `join` and `leave` also take the seed's shapes: a room name as a plain
/// string, or an id and a kind (`emit('join', id, 'booking')`).
pub fn native_frame(args: &str, ack: Option<&str>) -> Result<String, Untranslatable> {
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
    if let Some(data) = &data {
        serde_json::from_str::<serde_json::Value>(data.get())
            .map_err(|e| Untranslatable::InvalidJson(e.to_string()))?;
    }
    let own = match (ack, rest) {
        (None, [payload]) if payload.get().starts_with('{') => {
            serde_json::from_str::<RefField<'_>>(payload.get()).ok().and_then(|f| f.reference)
        }
        _ => None,
    };
    let reference = ack.or(own.as_deref());
    let frame = Native { event: &name, data, reference };
    Ok(serde_json::to_string(&frame).expect("a frame of JSON values serializes"))
}

/// A payload's own `ref`, when it is a string.
#[derive(Deserialize)]
struct RefField<'a> {
    #[serde(borrow, default, rename = "ref", deserialize_with = "string_or_nothing")]
    reference: Option<Cow<'a, str>>,
}

fn string_or_nothing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Any<'a> {
        Text(#[serde(borrow)] Cow<'a, str>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Any::deserialize(d)? {
        Any::Text(text) => Some(text),
        Any::Other(_) => None,
    })
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

    /// The payload a Socket.IO client is sent as an event: the native
    /// payload, with the request's `ref` inside it for a reply (an `error`
    /// has it there already), as the seed's server answered.
    pub fn payload(&self) -> Cow<'a, RawValue> {
        let Some(data) = self.data else { return Cow::Owned(null()) };
        let Some(reference) = self.reference.as_deref() else { return Cow::Borrowed(data) };
        if self.event == event::ERROR {
            return Cow::Borrowed(data);
        }
        let text = data.get();
        let Some(rest) = text.strip_prefix('{') else { return Cow::Borrowed(data) };
        let reference = serde_json::to_string(reference).expect("a string serializes");
        let separator = if rest.trim_start().starts_with('}') { "" } else { "," };
        let with_ref = format!(r#"{{"ref":{reference}{separator}{rest}"#);
        Cow::Owned(RawValue::from_string(with_ref).expect("an object with one more member"))
    }

    /// What an acknowledgement callback receives: the reply's payload, or
    /// `{"error": {code, message}}` when the request was refused (the ref
    /// is the endpoint's own, meaningless to the client).
    pub fn ack_payload(&self) -> Box<RawValue> {
        let data = self.data.map_or_else(null, |d| d.to_owned());
        if self.event != event::ERROR {
            return data;
        }
        #[derive(Deserialize, Serialize)]
        struct Refusal<'b> {
            #[serde(borrow)]
            code: Cow<'b, str>,
            #[serde(borrow)]
            message: Cow<'b, str>,
        }
        let refusal = match serde_json::from_str::<Refusal<'_>>(data.get()) {
            Ok(refusal) => serde_json::to_string(&refusal).expect("strings serialize"),
            Err(_) => data.get().to_owned(),
        };
        RawValue::from_string(format!(r#"{{"error":{refusal}}}"#)).expect("built from JSON")
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
    fn a_payload_the_session_could_not_read_is_refused_here_with_its_ack() {
        // Found by the `socketio_event` fuzz target: well-formed to a raw
        // JSON reader, out of range to a full one.
        let refused = native_frame(r#"["mfrs",55555.559999990020e00000000002788072312]"#, Some("sio-1"));
        assert!(matches!(refused, Err(Untranslatable::InvalidJson(_))), "{refused:?}");
        assert!(native_frame(r#"["message",{"n":1e308}]"#, Some("sio-1")).is_ok());
    }

    #[test]
    fn acks_get_refusals_wrapped_without_the_internal_reference() {
        let text =
            r#"{"event":"error","data":{"code":"forbidden","message":"no","ref":"sio-4"},"ref":"sio-4"}"#;
        let out = Outgoing::parse(text).unwrap();
        assert_eq!(out.reference.as_deref(), Some("sio-4"));
        assert_eq!(out.ack_payload().get(), r#"{"error":{"code":"forbidden","message":"no"}}"#);
    }

    #[test]
    fn a_ref_inside_the_payload_comes_back_inside_the_reply() {
        assert_eq!(
            native(r#"["message",{"toUserId":"u2","message":"hi","ref":"7"}]"#, None),
            json!({"event": "message", "data": {"toUserId": "u2", "message": "hi", "ref": "7"}, "ref": "7"})
        );
        // An ack's ref wins; a ref that is not a string is not one.
        assert_eq!(native(r#"["message",{"ref":"7"}]"#, Some("sio-1"))["ref"], "sio-1");
        assert_eq!(native(r#"["message",{"ref":7}]"#, None).get("ref"), None);
        let reply = Outgoing::parse(r#"{"event":"message-sent","data":{"chatId":"c"},"ref":"7"}"#).unwrap();
        assert_eq!(reply.payload().get(), r#"{"ref":"7","chatId":"c"}"#);
        let empty = Outgoing::parse(r#"{"event":"joined","data":{},"ref":"j"}"#).unwrap();
        assert_eq!(empty.payload().get(), r#"{"ref":"j"}"#);
        let refused = r#"{"event":"error","data":{"code":"forbidden","message":"no","ref":"7"},"ref":"7"}"#;
        let refused = Outgoing::parse(refused).unwrap();
        assert_eq!(refused.payload().get(), r#"{"code":"forbidden","message":"no","ref":"7"}"#);
    }

    #[test]
    fn stored_events_keep_their_position_and_payload_text() {
        let text = r#"{"event":"notification","id":"e1","seq":7,"data":{"id":"n1","title":"T"}}"#;
        let out = Outgoing::parse(text).unwrap();
        assert_eq!((out.event.as_ref(), out.seq), ("notification", Some(7)));
        assert_eq!(out.payload().get(), r#"{"id":"n1","title":"T"}"#);
    }
}
