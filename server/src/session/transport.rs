//! The seam between a session and its transport: a sink and a stream of
//! WebSocket messages (a WebSocket's own halves for `/ws`; the Socket.IO
//! endpoint's translation for each Socket.IO socket), and how a session
//! closes one.

use super::state::reply;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::time::timeout;
use urutibiz_protocol::server::Error as ErrorPayload;
use urutibiz_protocol::{event, ErrorCode};

/// The writing half of a connection: a WebSocket's, or the Socket.IO
/// endpoint's translation into Socket.IO packets. Everything above this
/// seam (authentication, rooms, limits, replay) is the same for both.
pub trait Sink: futures_util::Sink<Message, Error = axum::Error> + Unpin + Send {}
impl<T: futures_util::Sink<Message, Error = axum::Error> + Unpin + Send> Sink for T {}

/// The reading half of a connection.
pub trait Stream: futures_util::Stream<Item = Result<Message, axum::Error>> + Unpin + Send {}
impl<T: futures_util::Stream<Item = Result<Message, axum::Error>> + Unpin + Send> Stream for T {}

/// Time a closing peer gets to answer our close frame.
pub const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);

/// An `error` frame, echoing the request's ref.
pub fn error_frame(code: ErrorCode, message: &str, reference: Option<&str>) -> Message {
    let data = ErrorPayload { code, message: message.to_owned(), reference: reference.map(str::to_owned) };
    Message::Text(reply(event::ERROR, &data, reference).into())
}

/// Sends a close frame and gives the peer a moment to answer it, so the
/// TCP connection ends cleanly instead of with a reset.
pub async fn close_with(sink: &mut impl Sink, stream: &mut impl Stream, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: Utf8Bytes::from(truncate(reason, 120)) };
    if timeout(CLOSE_HANDSHAKE, sink.send(Message::Close(Some(frame)))).await.is_ok() {
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
