//! Socket.IO event arguments to the session's frames, and the session's
//! replies and refusals to what a Socket.IO socket is sent: pure functions,
//! so the mapping is tested (and fuzzed) without a network.

use crate::session::state::ReplyFrame;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use urutibiz_protocol::frame::MAX_REF_LEN;
use urutibiz_protocol::{event, ClientFrame, ErrorCode, FrameError};

/// Why a Socket.IO event could not become a frame for the session.
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
    /// range).
    #[error("the payload is not valid JSON: {0}")]
    InvalidJson(String),
    /// The payload's own `ref` is too long to echo.
    #[error("`ref` must be a string of at most {MAX_REF_LEN} bytes")]
    RefTooLong,
}

impl Untranslatable {
    /// The error code the client is refused with, as `/ws` would refuse
    /// the same frame.
    pub fn code(&self) -> ErrorCode {
        match self {
            Untranslatable::Binary => ErrorCode::BinaryUnsupported,
            Untranslatable::InvalidJson(_) => ErrorCode::InvalidJson,
            Untranslatable::Malformed | Untranslatable::TooManyArguments(_) | Untranslatable::RefTooLong => {
                ErrorCode::InvalidFrame
            }
        }
    }
}

/// The session's frame for a Socket.IO event, read once from the packet.
/// `args` is the packet's JSON array, `["event", payload?]`; `ack` is the
/// ref tying the reply to an acknowledgement. Without an ack, a `ref`
/// inside the payload (the seed's convention for matching replies) becomes
/// the frame's ref, and the reply carries it back inside its payload.
///
/// `join` and `leave` also take the seed's shapes: a room name as a plain
/// string, or an id and a kind (`emit('join', id, 'booking')`).
pub fn client_frame(args: &str, ack: Option<&str>) -> Result<ClientFrame, Untranslatable> {
    let parts: Vec<&RawValue> = serde_json::from_str(args).map_err(|_| Untranslatable::Malformed)?;
    let (name, rest) = parts.split_first().ok_or(Untranslatable::Malformed)?;
    let name: String = serde_json::from_str(name.get()).map_err(|_| Untranslatable::Malformed)?;
    let is_room_event = name == event::JOIN || name == event::LEAVE;
    let read = |raw: &RawValue| -> Result<Value, Untranslatable> {
        serde_json::from_str(raw.get()).map_err(|e| Untranslatable::InvalidJson(e.to_string()))
    };
    let data = match rest {
        [] => Value::Null,
        [room] if is_room_event && room.get().starts_with('"') => room_payload(read(room)?, None),
        [room, kind] if is_room_event && room.get().starts_with('"') && kind.get().starts_with('"') => {
            room_payload(read(room)?, Some(read(kind)?))
        }
        [payload] => read(payload)?,
        _ => return Err(Untranslatable::TooManyArguments(name)),
    };
    let reference = match ack {
        Some(ack) => Some(ack.to_owned()),
        None => match data.get("ref") {
            Some(Value::String(own)) if own.len() > MAX_REF_LEN => return Err(Untranslatable::RefTooLong),
            Some(Value::String(own)) => Some(own.clone()),
            _ => None,
        },
    };
    Ok(ClientFrame { event: name, data, reference })
}

/// `{"room": <room>, "type": <kind>}`.
fn room_payload(room: Value, kind: Option<Value>) -> Value {
    let mut payload = Map::new();
    payload.insert("room".into(), room);
    if let Some(kind) = kind {
        payload.insert("type".into(), kind);
    }
    Value::Object(payload)
}

/// A reply's payload as a Socket.IO event: the request's `ref` inside it,
/// as the seed's server answered (spliced into the encoded object, which
/// is not read again).
pub fn reply_payload(reply: &ReplyFrame) -> Cow<'_, RawValue> {
    let data = &*reply.data;
    let Some(reference) = reply.reference.as_deref() else { return Cow::Borrowed(data) };
    let Some(rest) = data.get().strip_prefix('{') else { return Cow::Borrowed(data) };
    let reference = serde_json::to_string(reference).expect("a string serializes");
    let separator = if rest.trim_start().starts_with('}') { "" } else { "," };
    let with_ref = format!(r#"{{"ref":{reference}{separator}{rest}"#);
    Cow::Owned(RawValue::from_string(with_ref).expect("an object with one more member"))
}

/// What an acknowledgement callback receives for a refused request:
/// `{"error": {code, message}}` (the ref is the endpoint's own, meaningless
/// to the client).
#[derive(Debug, Serialize)]
pub struct RefusedAck<'a> {
    /// The refusal.
    pub error: AckError<'a>,
}

/// The refusal inside a [`RefusedAck`].
#[derive(Debug, Serialize)]
pub struct AckError<'a> {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable detail.
    pub message: &'a str,
}

impl<'a> RefusedAck<'a> {
    /// The acknowledgement's answer for this refusal.
    pub fn new(refusal: &'a FrameError) -> RefusedAck<'a> {
        RefusedAck { error: AckError { code: refusal.code, message: &refusal.message } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(args: &str, ack: Option<&str>) -> Value {
        let f = client_frame(args, ack).unwrap();
        let mut out = json!({ "event": f.event, "data": f.data });
        if let Some(r) = f.reference {
            out["ref"] = r.into();
        }
        out
    }

    #[test]
    fn events_become_frames_with_the_ack_reference() {
        assert_eq!(
            frame(r#"["message",{"toUserId":"u2","message":"hi"}]"#, Some("s1")),
            json!({"event": "message", "data": {"toUserId": "u2", "message": "hi"}, "ref": "s1"})
        );
        assert_eq!(frame(r#"["mark-all-read"]"#, None), json!({"event": "mark-all-read", "data": null}));
    }

    #[test]
    fn rooms_take_the_seeds_shapes() {
        assert_eq!(
            frame(r#"["join","booking-7"]"#, None),
            json!({"event": "join", "data": {"room": "booking-7"}})
        );
        assert_eq!(
            frame(r#"["join","7","booking"]"#, None),
            json!({"event": "join", "data": {"room": "7", "type": "booking"}})
        );
        assert_eq!(
            frame(r#"["leave",{"room":"7","type":"chat"}]"#, None),
            json!({"event": "leave", "data": {"room": "7", "type": "chat"}})
        );
    }

    #[test]
    fn malformed_packets_are_named() {
        assert_eq!(client_frame("{}", None), Err(Untranslatable::Malformed));
        assert_eq!(client_frame("[]", None), Err(Untranslatable::Malformed));
        assert_eq!(client_frame("[1,{}]", None), Err(Untranslatable::Malformed));
        assert_eq!(
            client_frame(r#"["message",{},{}]"#, None),
            Err(Untranslatable::TooManyArguments("message".into()))
        );
        let long = format!(r#"["message",{{"ref":"{}"}}]"#, "r".repeat(MAX_REF_LEN + 1));
        assert_eq!(client_frame(&long, None), Err(Untranslatable::RefTooLong));
        assert_eq!(Untranslatable::RefTooLong.code(), ErrorCode::InvalidFrame);
    }

    #[test]
    fn a_payload_out_of_range_is_refused_here_with_its_ack() {
        // Found by the `socketio_event` fuzz target: well-formed to a raw
        // JSON reader, out of range to a full one.
        let refused = client_frame(r#"["mfrs",55555.559999990020e00000000002788072312]"#, Some("sio-1"));
        assert!(matches!(refused, Err(Untranslatable::InvalidJson(_))), "{refused:?}");
        assert!(client_frame(r#"["message",{"n":1e308}]"#, Some("sio-1")).is_ok());
    }

    #[test]
    fn a_ref_inside_the_payload_comes_back_inside_the_reply() {
        assert_eq!(
            frame(r#"["message",{"toUserId":"u2","message":"hi","ref":"7"}]"#, None),
            json!({"event": "message", "data": {"toUserId": "u2", "message": "hi", "ref": "7"}, "ref": "7"})
        );
        // An ack's ref wins; a ref that is not a string is not one.
        assert_eq!(frame(r#"["message",{"ref":"7"}]"#, Some("sio-1"))["ref"], "sio-1");
        assert_eq!(frame(r#"["message",{"ref":7}]"#, None).get("ref"), None);
        let sent = ReplyFrame::new(event::MESSAGE_SENT, &json!({"chatId": "c"}), Some("7"));
        assert_eq!(reply_payload(&sent).get(), r#"{"ref":"7","chatId":"c"}"#);
        let empty = ReplyFrame::new(event::JOINED, &json!({}), Some("j"));
        assert_eq!(reply_payload(&empty).get(), r#"{"ref":"j"}"#);
        let no_ref = ReplyFrame::new(event::RESUMED, &json!({"seq": 1}), None);
        assert_eq!(reply_payload(&no_ref).get(), r#"{"seq":1}"#);
    }

    #[test]
    fn acks_get_refusals_wrapped_without_the_internal_reference() {
        let refusal =
            FrameError { code: ErrorCode::Forbidden, message: "no".into(), reference: Some("sio-4".into()) };
        assert_eq!(
            serde_json::to_string(&RefusedAck::new(&refusal)).unwrap(),
            r#"{"error":{"code":"forbidden","message":"no"}}"#
        );
    }
}
