//! One WebSocket connection: authentication, then a single task that reads
//! client frames, writes queued frames, pings, and enforces token expiry,
//! rate limits, and frame size.

use crate::auth::{unix_now, AuthError, Identity};
use crate::events::{reply, ClientEvent, Reply, Session};
use crate::hub::Frame;
use crate::replay::{self, ReplayError};
use crate::App;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use governor::{Quota, RateLimiter};
use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep, sleep_until, timeout, Instant};
use urutibiz_protocol::client::Authenticate;
use urutibiz_protocol::server::Error as ErrorPayload;
use urutibiz_protocol::{close, event, ClientFrame, ErrorCode, FrameError};

type Sink = SplitSink<WebSocket, Message>;
type Stream = SplitStream<WebSocket>;

/// Time a closing peer gets to answer our close frame.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);

/// Serves an upgraded socket until it closes. `header_auth` is the outcome
/// of an `Authorization` header, if the upgrade request had one.
pub async fn serve(app: Arc<App>, socket: WebSocket, header_auth: Option<Result<Identity, AuthError>>) {
    let (mut sink, mut stream) = socket.split();
    let (identity, reference) = match header_auth {
        Some(Ok(identity)) => (identity, None),
        Some(Err(e)) => {
            return refuse(&app, &mut sink, &mut stream, ErrorCode::Unauthorized, &e.to_string(), None).await
        }
        None => match first_frame_auth(&app, &mut sink, &mut stream).await {
            Some(found) => found,
            None => return,
        },
    };
    let (outbox, queue) = app.hub.open(app.config.limits.outbound_queue);
    let mut session = Session { app: app.clone(), identity, outbox, rooms: BTreeSet::new() };
    session.enter(format!("user-{}", session.identity.user_id));
    session.enter(format!("role-{}", session.identity.role));
    let hello = match crate::events::authenticated(&session).await {
        Ok(hello) => reply(event::AUTHENTICATED, &hello, reference.as_deref()),
        Err(e) => {
            tracing::error!(error = %e, "storage failed during connect");
            session.leave_all();
            return close_with(&mut sink, &mut stream, close::INTERNAL, "storage unavailable").await;
        }
    };
    app.metrics.connections.increment(1.0);
    tracing::debug!(conn = session.outbox.id, user = %session.identity.user_id, "connected");
    if sink.send(Message::Text(hello.into())).await.is_ok() {
        run_session(&mut session, &mut sink, &mut stream, queue).await;
    }
    session.leave_all();
    app.metrics.connections.decrement(1.0);
    tracing::debug!(conn = session.outbox.id, "disconnected");
}

/// Waits for an `authenticate` frame; on failure sends the error and closes.
async fn first_frame_auth(
    app: &App,
    sink: &mut Sink,
    stream: &mut Stream,
) -> Option<(Identity, Option<String>)> {
    let limit = app.config.limits.auth_timeout;
    let text = match timeout(limit, stream.next()).await {
        Err(_) => {
            let msg = "no authenticate frame in time";
            refuse(app, sink, stream, ErrorCode::Unauthorized, msg, None).await;
            return None;
        }
        Ok(Some(Ok(Message::Text(text)))) => text,
        Ok(Some(Ok(_))) => {
            let msg = "the first frame must be an authenticate text frame";
            refuse(app, sink, stream, ErrorCode::Unauthorized, msg, None).await;
            return None;
        }
        Ok(_) => return None,
    };
    let frame = match ClientFrame::parse(&text) {
        Ok(frame) if frame.event == event::AUTHENTICATE => frame,
        Ok(frame) => {
            let msg = "the first frame must be authenticate";
            refuse(app, sink, stream, ErrorCode::Unauthorized, msg, frame.reference.as_deref()).await;
            return None;
        }
        Err(e) => {
            refuse(app, sink, stream, ErrorCode::Unauthorized, &e.message, e.reference.as_deref()).await;
            return None;
        }
    };
    let verified = frame
        .payload::<Authenticate>()
        .map_err(|e| e.message)
        .and_then(|p| app.verifier.verify(&p.token).map_err(|e| e.to_string()));
    match verified {
        Ok(identity) => Some((identity, frame.reference)),
        Err(msg) => {
            refuse(app, sink, stream, ErrorCode::Unauthorized, &msg, frame.reference.as_deref()).await;
            None
        }
    }
}

async fn refuse(
    app: &App,
    sink: &mut Sink,
    stream: &mut Stream,
    code: ErrorCode,
    msg: &str,
    reference: Option<&str>,
) {
    app.metrics.error(code);
    let _ = sink.send(error_frame(code, msg, reference)).await;
    close_with(sink, stream, close::UNAUTHORIZED, msg).await;
}

fn error_frame(code: ErrorCode, message: &str, reference: Option<&str>) -> Message {
    let data = ErrorPayload { code, message: message.to_owned(), reference: reference.map(str::to_owned) };
    Message::Text(reply(event::ERROR, &data, reference).into())
}

/// Sends a close frame and gives the peer a moment to answer it, so the
/// TCP connection ends cleanly instead of with a reset.
async fn close_with(sink: &mut Sink, stream: &mut Stream, code: u16, reason: &str) {
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

/// Instant at which a token with this `exp` stops being accepted.
fn expiry_instant(expires_at: i64, leeway_secs: u64) -> Instant {
    let left = expires_at.saturating_add(leeway_secs as i64).saturating_sub(unix_now()).max(0);
    Instant::now() + Duration::from_secs(left as u64)
}

/// Writes `first`, every queued frame, then `extra`, and flushes once.
/// Stored events at or below `last_seq` were already sent by a replay.
async fn flush_queue(
    sink: &mut Sink,
    queue: &mut mpsc::Receiver<Frame>,
    last_seq: &mut i64,
    first: Option<Frame>,
    extra: Option<Message>,
) -> Result<(), axum::Error> {
    let mut pending = first;
    loop {
        let Some(frame) = pending.take().or_else(|| queue.try_recv().ok()) else { break };
        if let Some(seq) = frame.seq {
            if seq <= *last_seq {
                continue;
            }
            *last_seq = seq;
        }
        sink.feed(Message::Text(frame.text)).await?;
    }
    if let Some(extra) = extra {
        sink.feed(extra).await?;
    }
    sink.flush().await
}

enum Inbound {
    Continue,
    Close(u16, &'static str),
    Gone,
}

async fn run_session(
    session: &mut Session,
    sink: &mut Sink,
    stream: &mut Stream,
    mut queue: mpsc::Receiver<Frame>,
) {
    let app = session.app.clone();
    let limits = &app.config.limits;
    let leeway = app.config.jwt.leeway_secs;
    let quota = Quota::per_second(NonZeroU32::new(limits.rate_per_sec).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(limits.rate_burst).unwrap_or(NonZeroU32::MIN));
    let limiter = RateLimiter::direct(quota);
    let mut strikes = 0u32;
    let mut expires_at = session.identity.expires_at;
    let expiry = sleep_until(expiry_instant(expires_at, leeway));
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval_at(Instant::now() + limits.ping_interval, limits.ping_interval);
    let pong_deadline = sleep(limits.pong_timeout);
    tokio::pin!(pong_deadline);
    let mut awaiting_pong = false;
    let evicted = session.outbox.evicted.clone();
    let mut last_seq = 0i64;

    let end: Option<(u16, &str)> = loop {
        tokio::select! {
            biased;
            _ = app.shutdown.cancelled() => {
                let _ = timeout(limits.shutdown_grace, flush_queue(sink, &mut queue, &mut last_seq, None, None)).await;
                break Some((close::GOING_AWAY, "server shutting down"));
            }
            _ = evicted.cancelled() => {
                // The peer is not reading; a close frame would likely never
                // arrive, so try briefly and drop the connection.
                let frame = CloseFrame { code: close::SLOW_CONSUMER, reason: "outbound queue overflow".into() };
                let _ = timeout(CLOSE_HANDSHAKE, sink.send(Message::Close(Some(frame)))).await;
                tracing::info!(conn = session.outbox.id, "closed slow consumer");
                break None;
            }
            _ = &mut expiry => {
                app.metrics.error(ErrorCode::TokenExpired);
                let msg = "token expired; authenticate with a fresh token before exp";
                let _ = timeout(CLOSE_HANDSHAKE, sink.send(error_frame(ErrorCode::TokenExpired, msg, None))).await;
                break Some((close::UNAUTHORIZED, "token expired"));
            }
            _ = &mut pong_deadline, if awaiting_pong => {
                break Some((close::HEARTBEAT_TIMEOUT, "no pong within the heartbeat timeout"));
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
                if !awaiting_pong {
                    awaiting_pong = true;
                    pong_deadline.as_mut().reset(Instant::now() + limits.pong_timeout);
                }
            }
            Some(frame) = queue.recv() => {
                let write = flush_queue(sink, &mut queue, &mut last_seq, Some(frame), None);
                tokio::select! {
                    written = write => if written.is_err() { break None },
                    _ = evicted.cancelled() => continue,
                    _ = app.shutdown.cancelled() => continue,
                }
            }
            inbound = stream.next() => {
                awaiting_pong = false;
                let outcome = match inbound {
                    None => Inbound::Gone,
                    Some(Err(e)) => inbound_error(e),
                    Some(Ok(Message::Pong(_))) | Some(Ok(Message::Ping(_))) => Inbound::Continue,
                    Some(Ok(Message::Close(_))) => Inbound::Gone,
                    Some(Ok(message)) => {
                        app.metrics.frames_in.increment(1);
                        if limiter.check().is_err() {
                            strikes += 1;
                            if strikes >= limits.abuse_strikes {
                                app.metrics.error(ErrorCode::RateLimited);
                                Inbound::Close(close::POLICY_VIOLATION, "rate limit exceeded persistently")
                            } else {
                                if strikes == 1 {
                                    app.metrics.error(ErrorCode::RateLimited);
                                    let msg = "too many frames; slow down";
                                    let reply = error_frame(ErrorCode::RateLimited, msg, None);
                                    if flush_queue(sink, &mut queue, &mut last_seq, None, Some(reply)).await.is_err() {
                                        break None;
                                    }
                                }
                                Inbound::Continue
                            }
                        } else {
                            strikes = 0;
                            match answer(session, message).await {
                                Answer::Send(reply) => {
                                    if flush_queue(sink, &mut queue, &mut last_seq, None, Some(reply)).await.is_err() {
                                        break None;
                                    }
                                }
                                Answer::Replay { after, reference } => {
                                    let streamed = replay::stream(session, sink, &mut queue, &mut last_seq, after, reference.as_deref()).await;
                                    match streamed {
                                        Ok(()) => {}
                                        Err(ReplayError::Socket) => break None,
                                        Err(ReplayError::Store(e)) => {
                                            tracing::error!(error = %e, "replay failed");
                                            app.metrics.error(ErrorCode::Internal);
                                            let msg = "replay failed; resume again";
                                            let err = error_frame(ErrorCode::Internal, msg, reference.as_deref());
                                            if sink.send(err).await.is_err() {
                                                break None;
                                            }
                                        }
                                    }
                                }
                            }
                            Inbound::Continue
                        }
                    }
                };
                match outcome {
                    Inbound::Continue => {}
                    Inbound::Close(code, reason) => break Some((code, reason)),
                    Inbound::Gone => break None,
                }
                if session.identity.expires_at != expires_at {
                    expires_at = session.identity.expires_at;
                    expiry.as_mut().reset(expiry_instant(expires_at, leeway));
                }
            }
        }
    };
    if let Some((code, reason)) = end {
        tracing::info!(conn = session.outbox.id, code, reason, "closing connection");
        close_with(sink, stream, code, reason).await;
    }
}

/// A read error: an oversized frame closes with 1009, anything else ends
/// the connection.
fn inbound_error(e: axum::Error) -> Inbound {
    let too_big = e
        .into_inner()
        .downcast_ref::<tungstenite::Error>()
        .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)));
    if too_big {
        Inbound::Close(close::MESSAGE_TOO_BIG, "frame exceeds the size limit")
    } else {
        Inbound::Gone
    }
}

/// What to do about one client frame.
enum Answer {
    /// Send this reply (result or error).
    Send(Message),
    /// Stream a replay.
    Replay { after: i64, reference: Option<String> },
}

/// The reply to one client frame: a result or an error, with its ref.
async fn answer(session: &mut Session, message: Message) -> Answer {
    let text = match message {
        Message::Text(text) => text,
        _ => {
            let code = ErrorCode::BinaryUnsupported;
            session.app.metrics.error(code);
            return Answer::Send(error_frame(code, "binary frames are not supported; send JSON text", None));
        }
    };
    let handled = match ClientFrame::parse(&text) {
        Err(e) => Err(e),
        Ok(frame) => match ClientEvent::from_frame(&frame) {
            Err(e) => Err(e),
            Ok(event) => match event.handle(session, frame.reference.as_deref()).await {
                Ok(Reply::Frame(json)) => Ok(Message::Text(json.into())),
                Ok(Reply::Replay { after }) => return Answer::Replay { after, reference: frame.reference },
                Err(r) => Err(FrameError { code: r.code, message: r.message, reference: frame.reference }),
            },
        },
    };
    match handled {
        Ok(message) => Answer::Send(message),
        Err(e) => {
            session.app.metrics.error(e.code);
            Answer::Send(error_frame(e.code, &e.message, e.reference.as_deref()))
        }
    }
}
