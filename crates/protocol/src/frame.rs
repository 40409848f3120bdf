//! The frame envelope: `{"event": .., "data": {..}, "ref"?: ..}`.

use crate::codes::ErrorCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

/// Longest `ref` echoed back; longer refs are an `invalid-frame`.
pub const MAX_REF_LEN: usize = 64;

/// A frame from the client, with `data` not yet interpreted, so that an
/// unknown event and a bad payload get different error codes.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientFrame {
    /// The event name.
    pub event: String,
    /// The payload; `null` when absent.
    pub data: Value,
    /// Client-chosen correlation string, echoed on the direct reply.
    pub reference: Option<String>,
}

/// Why a client frame was refused, with the `ref` if one could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameError {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable detail; never echoes the payload.
    pub message: String,
    /// The frame's `ref`, when it had a readable one.
    pub reference: Option<String>,
}

impl FrameError {
    /// A new error without a ref.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        FrameError { code, message: message.into(), reference: None }
    }
}

/// The `ref` of a frame that is JSON in shape but not fully readable, when
/// it has a short string one.
fn readable_ref(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct RefOnly<'a> {
        #[serde(borrow, rename = "ref", default)]
        reference: Option<Cow<'a, str>>,
    }
    let only: RefOnly<'_> = serde_json::from_str(text).ok()?;
    only.reference.filter(|r| r.len() <= MAX_REF_LEN).map(|r| r.into_owned())
}

impl ClientFrame {
    /// Parses a text frame into its envelope.
    pub fn parse(text: &str) -> Result<ClientFrame, FrameError> {
        let value: Value = serde_json::from_str(text).map_err(|e| FrameError {
            code: ErrorCode::InvalidJson,
            message: format!("not valid JSON: {e}"),
            // JSON in shape but not in value (a number out of range): the
            // refusal still answers the request it names.
            reference: readable_ref(text),
        })?;
        let Value::Object(mut map) = value else {
            return Err(FrameError::new(ErrorCode::InvalidFrame, "a frame must be a JSON object"));
        };
        let reference = match map.remove("ref") {
            None | Some(Value::Null) => None,
            Some(Value::String(r)) if r.len() <= MAX_REF_LEN => Some(r),
            Some(_) => {
                return Err(FrameError::new(
                    ErrorCode::InvalidFrame,
                    format!("`ref` must be a string of at most {MAX_REF_LEN} bytes"),
                ))
            }
        };
        let with_ref = |code, message: &str| FrameError {
            code,
            message: message.to_owned(),
            reference: reference.clone(),
        };
        let event = match map.remove("event") {
            Some(Value::String(event)) => event,
            _ => return Err(with_ref(ErrorCode::InvalidFrame, "`event` must be a string")),
        };
        let data = map.remove("data").unwrap_or(Value::Null);
        Ok(ClientFrame { event, data, reference })
    }

    /// Like [`ClientFrame::payload`], but an absent `data` is the default.
    pub fn optional_payload<T: DeserializeOwned + Default>(&self) -> Result<T, FrameError> {
        if self.data.is_null() {
            Ok(T::default())
        } else {
            self.payload()
        }
    }

    /// Interprets `data` as the payload of this frame's event.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, FrameError> {
        T::deserialize(&self.data).map_err(|e| FrameError {
            code: ErrorCode::InvalidPayload,
            message: format!("`{}` data: {e}", self.event),
            reference: self.reference.clone(),
        })
    }
}

/// A frame as a client sends it, from one of the payloads of
/// [`crate::client`]: clients build their frames from the types, never by
/// hand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestFrame<'a, T> {
    /// The event name.
    pub event: &'a str,
    /// The payload.
    pub data: T,
    /// Correlation string the server echoes on its direct reply.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<&'a str>,
}

impl<'a, T: Serialize> RequestFrame<'a, T> {
    /// A frame of `event` carrying `data`.
    pub fn new(event: &'a str, data: T, reference: Option<&'a str>) -> Self {
        RequestFrame { event, data, reference }
    }

    /// Encodes the frame as the JSON text sent on the wire.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client frames always serialize")
    }
}

/// A frame as the server sends it. Stored events carry `id` and `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerFrame<'a, T> {
    /// The event name.
    pub event: Cow<'a, str>,
    /// Stable unique id of a stored event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Cow<'a, str>>,
    /// Position of a stored event in the server's ordered stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// The payload.
    pub data: T,
    /// The `ref` of the client frame this replies to.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Cow<'a, str>>,
}

impl<'a, T: Serialize> ServerFrame<'a, T> {
    /// A reply or ephemeral frame.
    pub fn new(event: &'a str, data: T, reference: Option<&'a str>) -> Self {
        ServerFrame {
            event: Cow::Borrowed(event),
            id: None,
            seq: None,
            data,
            reference: reference.map(Cow::Borrowed),
        }
    }

    /// A frame of a stored event.
    pub fn stored(event: &'a str, id: &'a str, seq: i64, data: T) -> Self {
        ServerFrame {
            event: Cow::Borrowed(event),
            id: Some(Cow::Borrowed(id)),
            seq: Some(seq),
            data,
            reference: None,
        }
    }

    /// Encodes the frame as the JSON text sent on the wire.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server frames always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Join;

    #[test]
    fn a_frame_with_a_number_out_of_range_is_refused_with_its_ref() {
        let refused =
            ClientFrame::parse(r#"{"event":"message","data":{"n":1e999999},"ref":"m7"}"#).unwrap_err();
        assert_eq!((refused.code, refused.reference.as_deref()), (ErrorCode::InvalidJson, Some("m7")));
        let garbage = ClientFrame::parse(r#"{"event":"message","ref":"m8""#).unwrap_err();
        assert_eq!((garbage.code, garbage.reference), (ErrorCode::InvalidJson, None));
    }

    #[test]
    fn parse_reads_envelope_and_ref() {
        let f = ClientFrame::parse(r#"{"event":"join","data":{"room":"user-1"},"ref":"r1"}"#).unwrap();
        assert_eq!(f.event, "join");
        assert_eq!(f.reference.as_deref(), Some("r1"));
        assert_eq!(f.payload::<Join>().unwrap().room, "user-1");
    }

    #[test]
    fn parse_errors_are_specific() {
        let code = |t: &str| ClientFrame::parse(t).unwrap_err().code;
        assert_eq!(code("{nope"), ErrorCode::InvalidJson);
        assert_eq!(code("[1]"), ErrorCode::InvalidFrame);
        assert_eq!(code(r#"{"event":5}"#), ErrorCode::InvalidFrame);
        assert_eq!(code(r#"{"event":"x","ref":7}"#), ErrorCode::InvalidFrame);
        let err = ClientFrame::parse(r#"{"ref":"a"}"#).unwrap_err();
        assert_eq!(err.reference.as_deref(), Some("a"));
        let f = ClientFrame::parse(r#"{"event":"join","data":{"room":3}}"#).unwrap();
        assert_eq!(f.payload::<Join>().unwrap_err().code, ErrorCode::InvalidPayload);
    }

    #[test]
    fn server_frame_omits_absent_fields() {
        let json = ServerFrame::new("left", serde_json::json!({"room":"x"}), None).to_json();
        assert_eq!(json, r#"{"event":"left","data":{"room":"x"}}"#);
        let json = ServerFrame::stored("notification", "e1", 7, 1).to_json();
        assert_eq!(json, r#"{"event":"notification","id":"e1","seq":7,"data":1}"#);
    }
}
