//! The seam between a session and its transport, typed both ways.
//!
//! Outgoing, the session writes [`Outgoing`] items: a stored event with its
//! shared encoding, a reply, a refusal, a ping, a close. Incoming, a
//! transport hands the session [`Incoming`] items: a native frame's text
//! (`/ws`), a frame the transport has already read into its envelope
//! (Socket.IO, from the packet's arguments), binary data, a sign of life,
//! an oversized frame, the end. Each transport maps these to and from its
//! own wire format, so nothing above this seam knows WebSocket messages,
//! and no transport reads back text the session wrote.

use super::state::ReplyFrame;
use crate::delivery::hub::Frame;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::time::timeout;
use urutibiz_protocol::server::Error as ErrorPayload;
use urutibiz_protocol::{event, ClientFrame, ErrorCode, FrameError, ServerFrame};

/// What a session writes.
#[derive(Debug, Clone)]
pub(crate) enum Outgoing {
    /// An event from the hub or a replay: encoded once and shared by every
    /// recipient, whatever its transport.
    Event(Frame),
    /// The answer to a request (or a notice such as `resumed`).
    Reply(ReplyFrame),
    /// A request refused, or a warning: the native protocol's `error`.
    Refusal(FrameError),
    /// A heartbeat probe; the peer's answer proves it alive. Sent only on
    /// transports without a heartbeat of their own ([`Heartbeat`]).
    Ping,
    /// The end of the session.
    Close {
        /// The WebSocket close code (`urutibiz_protocol::close`).
        code: u16,
        /// Why, for people; at most 123 bytes.
        reason: Utf8Bytes,
    },
}

/// What a transport hands its session.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A native frame's text, read by the session (`/ws`).
    Text(Utf8Bytes),
    /// A frame the transport read into its envelope itself (Socket.IO:
    /// the event, its payload and the acknowledgement's ref). Boxed: every
    /// queue of these allocates a block of slots up front, and idle
    /// connections should stay small.
    Frame(Box<ClientFrame>),
    /// Binary data: the protocol is JSON only.
    Binary,
    /// A heartbeat answer or probe: the peer is alive, nothing to handle.
    Alive,
    /// A frame over the size limit; the session closes with 1009.
    TooBig,
    /// The peer closed, or the connection failed.
    Closed,
}

/// Who keeps the connection's heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heartbeat {
    /// The session pings and closes a peer that stops answering (`/ws`).
    Session,
    /// The transport has its own (Engine.IO's ping/pong) and ends the
    /// session's stream when the peer stops answering.
    Transport,
}

impl Outgoing {
    /// An `error` frame, echoing the request's ref.
    pub(crate) fn refusal(code: ErrorCode, message: &str, reference: Option<&str>) -> Outgoing {
        Outgoing::Refusal(FrameError {
            code,
            message: message.to_owned(),
            reference: reference.map(str::to_owned),
        })
    }

    /// The WebSocket message for it, as `/ws` sends it.
    pub(crate) fn into_message(self) -> Message {
        match self {
            Outgoing::Event(frame) => Message::Text(frame.text()),
            Outgoing::Reply(reply) => Message::Text(reply.to_json().into()),
            Outgoing::Refusal(refusal) => Message::Text(refusal_json(refusal).into()),
            Outgoing::Ping => Message::Ping(Default::default()),
            Outgoing::Close { code, reason } => Message::Close(Some(CloseFrame { code, reason })),
        }
    }
}

/// The native `error` frame: the ref inside the payload too, where the
/// seed's clients looked for it.
fn refusal_json(refusal: FrameError) -> String {
    let FrameError { code, message, reference } = refusal;
    let reference = reference.as_deref();
    let data = ErrorPayload { code, message, reference: reference.map(str::to_owned) };
    ServerFrame::new(event::ERROR, &data, reference).to_json()
}

impl Incoming {
    /// What a WebSocket message or read error means to the session.
    pub(crate) fn from_websocket(read: Option<Result<Message, axum::Error>>) -> Incoming {
        match read {
            Some(Ok(Message::Text(text))) => Incoming::Text(text),
            Some(Ok(Message::Binary(_))) => Incoming::Binary,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Incoming::Alive,
            None | Some(Ok(Message::Close(_))) => Incoming::Closed,
            Some(Err(e)) => {
                let too_big = e
                    .into_inner()
                    .downcast_ref::<tungstenite::Error>()
                    .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)));
                if too_big {
                    Incoming::TooBig
                } else {
                    Incoming::Closed
                }
            }
        }
    }
}

/// The writing half of a connection: a WebSocket's, or the Socket.IO
/// endpoint's translation into Socket.IO packets. Everything above this
/// seam (authentication, rooms, limits, replay) is the same for both.
pub(crate) trait Sink: futures_util::Sink<Outgoing, Error = axum::Error> + Unpin + Send {}
impl<T: futures_util::Sink<Outgoing, Error = axum::Error> + Unpin + Send> Sink for T {}

/// The reading half of a connection; its end is the peer's.
pub(crate) trait Stream: futures_util::Stream<Item = Incoming> + Unpin + Send {}
impl<T: futures_util::Stream<Item = Incoming> + Unpin + Send> Stream for T {}

/// Time a closing peer gets to answer our close frame.
pub(crate) const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);

/// Sends a close frame and gives the peer a moment to answer it, so the
/// TCP connection ends cleanly instead of with a reset.
pub(crate) async fn close_with(sink: &mut impl Sink, stream: &mut impl Stream, code: u16, reason: &str) {
    let close = Outgoing::Close { code, reason: Utf8Bytes::from(truncate(reason, 120)) };
    if timeout(CLOSE_HANDSHAKE, sink.send(close)).await.is_ok() {
        let _ = timeout(CLOSE_HANDSHAKE, async {
            while let Some(item) = stream.next().await {
                if matches!(item, Incoming::Closed) {
                    break;
                }
            }
        })
        .await;
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

    fn json(message: Message) -> serde_json::Value {
        let Message::Text(text) = message else { panic!("not text: {message:?}") };
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn slash_ws_writes_each_item_as_the_websocket_message_it_is() {
        let frame = Frame::stored(3, r#"{"event":"tick","seq":3}"#.into());
        assert_eq!(json(Outgoing::Event(frame).into_message())["seq"], 3);
        assert!(matches!(Outgoing::Ping.into_message(), Message::Ping(_)));
        let close = Outgoing::Close { code: 4008, reason: "slow".into() }.into_message();
        assert!(matches!(close, Message::Close(Some(CloseFrame { code: 4008, .. }))));
        let reply = ReplyFrame::new(event::JOINED, &serde_json::json!({"room": "r"}), Some("j1"));
        assert_eq!(
            json(Outgoing::Reply(reply).into_message()),
            serde_json::json!({"event": "joined", "data": {"room": "r"}, "ref": "j1"})
        );
        let refusal = json(Outgoing::refusal(ErrorCode::Forbidden, "no", Some("r1")).into_message());
        assert_eq!(
            refusal,
            serde_json::json!({"event": "error", "data": {"code": "forbidden", "message": "no", "ref": "r1"}, "ref": "r1"})
        );
    }

    #[test]
    fn websocket_reads_become_what_they_mean() {
        assert!(matches!(Incoming::from_websocket(Some(Ok(Message::Text("x".into())))), Incoming::Text(_)));
        assert!(matches!(
            Incoming::from_websocket(Some(Ok(Message::Binary(vec![1].into())))),
            Incoming::Binary
        ));
        assert!(matches!(
            Incoming::from_websocket(Some(Ok(Message::Pong(Default::default())))),
            Incoming::Alive
        ));
        assert!(matches!(Incoming::from_websocket(None), Incoming::Closed));
        let too_big = axum::Error::new(tungstenite::Error::Capacity(
            tungstenite::error::CapacityError::MessageTooLong { size: 2, max_size: 1 },
        ));
        assert!(matches!(Incoming::from_websocket(Some(Err(too_big))), Incoming::TooBig));
        let reset = axum::Error::new(tungstenite::Error::ConnectionClosed);
        assert!(matches!(Incoming::from_websocket(Some(Err(reset))), Incoming::Closed));
    }
}
