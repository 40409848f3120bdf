//! The seam between a session and its transport. Outgoing, the session
//! writes typed items ([`Outgoing`]): each transport turns them into its
//! own wire format (WebSocket messages for `/ws`, Socket.IO packets), so
//! an event from the hub reaches a transport as the shared frame, not as
//! text it would have to read back. Incoming, a transport hands the session
//! WebSocket messages (the Socket.IO endpoint translates its packets).

use super::state::reply;
use crate::delivery::hub::Frame;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::time::timeout;
use urutibiz_protocol::server::Error as ErrorPayload;
use urutibiz_protocol::{event, ErrorCode};

/// What a session writes.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// An event from the hub or a replay: encoded once and shared by every
    /// recipient, whatever its transport.
    Event(Frame),
    /// The answer to a request, a refusal or a notice: one frame of the
    /// native protocol's JSON.
    Reply(Utf8Bytes),
    /// A heartbeat probe; the peer's pong proves it alive.
    Ping,
    /// The end of the session.
    Close {
        /// The WebSocket close code (`urutibiz_protocol::close`).
        code: u16,
        /// Why, for people; at most 123 bytes.
        reason: Utf8Bytes,
    },
}

impl Outgoing {
    /// The WebSocket message for it, as `/ws` sends it.
    pub fn into_message(self) -> Message {
        match self {
            Outgoing::Event(frame) => Message::Text(frame.text()),
            Outgoing::Reply(text) => Message::Text(text),
            Outgoing::Ping => Message::Ping(Default::default()),
            Outgoing::Close { code, reason } => Message::Close(Some(CloseFrame { code, reason })),
        }
    }
}

/// The writing half of a connection: a WebSocket's, or the Socket.IO
/// endpoint's translation into Socket.IO packets. Everything above this
/// seam (authentication, rooms, limits, replay) is the same for both.
pub trait Sink: futures_util::Sink<Outgoing, Error = axum::Error> + Unpin + Send {}
impl<T: futures_util::Sink<Outgoing, Error = axum::Error> + Unpin + Send> Sink for T {}

/// The reading half of a connection.
pub trait Stream: futures_util::Stream<Item = Result<Message, axum::Error>> + Unpin + Send {}
impl<T: futures_util::Stream<Item = Result<Message, axum::Error>> + Unpin + Send> Stream for T {}

/// Time a closing peer gets to answer our close frame.
pub const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);

/// An `error` frame, echoing the request's ref.
pub fn error_frame(code: ErrorCode, message: &str, reference: Option<&str>) -> Outgoing {
    let data = ErrorPayload { code, message: message.to_owned(), reference: reference.map(str::to_owned) };
    Outgoing::Reply(reply(event::ERROR, &data, reference).into())
}

/// Sends a close frame and gives the peer a moment to answer it, so the
/// TCP connection ends cleanly instead of with a reset.
pub async fn close_with(sink: &mut impl Sink, stream: &mut impl Stream, code: u16, reason: &str) {
    let close = Outgoing::Close { code, reason: Utf8Bytes::from(truncate(reason, 120)) };
    if timeout(CLOSE_HANDSHAKE, sink.send(close)).await.is_ok() {
        let _ = timeout(CLOSE_HANDSHAKE, async { while let Some(Ok(_)) = stream.next().await {} }).await;
    }
}

/// Close reasons must fit in a control frame (123 bytes).
fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_ws_writes_each_item_as_the_websocket_message_it_is() {
        let frame = Frame::stored(3, r#"{"event":"tick","seq":3}"#.into());
        assert!(
            matches!(Outgoing::Event(frame).into_message(), Message::Text(t) if t.as_str().contains("tick"))
        );
        assert!(matches!(Outgoing::Ping.into_message(), Message::Ping(_)));
        let close = Outgoing::Close { code: 4008, reason: "slow".into() }.into_message();
        assert!(matches!(close, Message::Close(Some(CloseFrame { code: 4008, .. }))));
        let refusal = error_frame(ErrorCode::Forbidden, "no", Some("r1")).into_message();
        let Message::Text(text) = refusal else { panic!("not text") };
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!((json["event"].as_str(), json["ref"].as_str()), (Some("error"), Some("r1")));
    }
}
