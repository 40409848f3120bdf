//! The Socket.IO endpoint, `/socket.io/` (Engine.IO 4, Socket.IO 5), so a
//! web app written for the seed's Socket.IO server connects unchanged.
//!
//! socketioxide speaks Engine.IO and Socket.IO. Below it, each Socket.IO
//! socket is one more connection of [`crate::session::connect`]: its packets are
//! read into the session's frames, and the session's typed replies written
//! as packets ([`translate`]), so
//! authorization, rate limits, storage, rooms and resume are the code
//! `/ws` runs, not a second implementation.
//!
//! - Handshake `auth: { token, offset? }` is the bearer header of `/ws`;
//!   `offset` (or `resumeAfter`) is a position to resume after, as
//!   `?after=` is there. A refusal is a `connect_error` with the reason.
//! - `42<ack>["event", payload]` becomes `{"event", "data", "ref"}`; the
//!   reply carrying that ref answers the acknowledgement. Without an ack,
//!   replies are emitted as their events, as the seed did, carrying back a
//!   `ref` the payload had (the seed's way of matching them).
//! - Stored events are emitted as `["event", payload, "<seq>"]`: the
//!   position last, where Socket.IO's connection state recovery puts its
//!   offset, so a client can hand it back at its next handshake.
//! - The session's end: a close the client should not retry (4401, 1008,
//!   ...) disconnects the socket; at shutdown the transport closes instead,
//!   so clients reconnect to the restarted server.
//! - Caps: every Engine.IO session counts against `--max-connections` and
//!   the per-IP cap from its handshake until it ends, however many share
//!   one keep-alive connection ([`count_sessions`]); one that never
//!   connects ends at `--auth-timeout`. An authenticated socket counts
//!   against the per-user cap. A session whose connect was refused is
//!   refused again without its token being looked at, until it ends.

/// Public for the fuzz targets (`fuzz/`), which feed it a stranger's bytes.
pub mod translate;

use crate::app::App;
use crate::auth::{AuthError, Identity};
use crate::delivery::hub::Frame;
use crate::metrics::Metrics;
use crate::serve::{Cap, ConnectionSlot, Counted, UserSlot};
use crate::session::connect::{self, Transport};
use crate::session::run::FloodCount;
use crate::session::state::ReplyFrame;
use crate::session::transport::{Heartbeat, Incoming, Outgoing, CLOSE_HANDSHAKE};
use axum::response::IntoResponse;
use futures_util::{Sink, Stream};
use serde::Deserialize;
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};
use socketioxide::handler::{ConnectHandler, FromMessageParts, Value};
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::Sid;
use socketioxide::socket::Socket;
use socketioxide::{SendError, SocketError, SocketIo, TransportType};
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use urutibiz_protocol::server::Error as ErrorPayload;
use urutibiz_protocol::{close, event, ErrorCode, FrameError};

use translate::RefusedAck;
pub use translate::Untranslatable;

/// Client events waiting for the session to read them. A client this far
/// ahead is flooding; what does not fit is refused with `rate-limited` and
/// counts toward `--abuse-strikes` like a refusal of the session's own.
const INBOUND_QUEUE: usize = 64;

/// Acknowledgements waiting for their reply, per socket. Every request
/// gets one reply, so this only fills if replies are lost; then the oldest
/// are forgotten.
const MAX_PENDING_ACKS: usize = 256;

/// While Engine.IO's buffer for a socket is full, retry this often.
const FULL_BUFFER_RETRY: Duration = Duration::from_millis(2);

/// Builds the layer serving `/socket.io/` in front of the router, and the
/// handle used to close every Socket.IO transport at shutdown.
pub(crate) fn layer(app: &Arc<App>) -> (SocketIoLayer, SocketIo) {
    let limits = &app.config.limits;
    let builder = SocketIo::builder()
        .ping_interval(limits.ping_interval)
        .ping_timeout(limits.pong_timeout)
        .connect_timeout(limits.auth_timeout)
        .max_payload(limits.max_frame_bytes as u64)
        .ws_max_message_size(limits.max_frame_bytes)
        .ws_max_frame_size(limits.max_frame_bytes)
        .ws_read_buffer_size(1024)
        .max_buffer_size(limits.outbound_queue.max(16))
        .with_state(app.clone())
        .with_state(Arc::new(RefusedSessions::default()));
    let builder = if app.config.socketio_polling {
        builder.transports([TransportType::Websocket, TransportType::Polling])
    } else {
        builder.transports([TransportType::Websocket])
    };
    let (layer, io) = builder.build_layer();
    io.ns("/", on_connect.with(authenticate));
    (layer, io)
}

/// Refuses long-polling requests when only WebSocket is offered, with a
/// body that says so (Engine.IO's own answer is a bare "Bad request").
pub(crate) async fn refuse_unoffered_polling(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let polling = request.uri().path().starts_with("/socket.io")
        && request.uri().query().is_some_and(|q| q.split('&').any(|kv| kv == "transport=polling"));
    if polling && !app.config.socketio_polling {
        let body = serde_json::json!({
            "code": 0,
            "message": "Transport unknown: this server offers Socket.IO over websocket only (transports: ['websocket'])",
        });
        return (axum::http::StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    next.run(request).await
}

/// Counts each new Engine.IO session (a handshake: a `/socket.io/` request
/// without `sid`) against the connection caps from the client's address,
/// for as long as the session lives: engineioxide keeps the handshake
/// request's parts, and with them this slot, until the session ends. The
/// slot replaces the TCP connection's in the request, so a session over
/// WebSocket counts once, and each of many polling sessions over one
/// keep-alive connection counts on its own.
pub(crate) async fn count_sessions(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let handshake = request.uri().path().starts_with("/socket.io")
        && !request.uri().query().is_some_and(|q| q.split('&').any(|kv| kv.starts_with("sid=")));
    let ip = request.extensions().get::<ConnectionSlot>().map(ConnectionSlot::ip);
    if let (true, Some(ip)) = (handshake, ip) {
        match app.caps.admit(ip, Counted::EngineIoSession) {
            Ok(session) => {
                request.extensions_mut().insert(session);
                own_head(&mut request);
            }
            Err(cap) => {
                tracing::debug!(peer = %ip, cap = cap.as_str(), "Engine.IO session refused at the cap");
                // Engine.IO's error body; 503 tells clients to back off and retry.
                let body = serde_json::json!({ "code": 3, "message": cap.message() });
                return (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, "5")],
                    axum::Json(body),
                )
                    .into_response();
            }
        }
    }
    next.run(request).await
}

/// Gives a handshake's URI and headers allocations of their own. hyper
/// parses them as slices of the connection's read buffer (16 KiB), and
/// engineioxide keeps the handshake's request parts, axum's `OriginalUri`
/// among them, for as long as the session lives: without the copy every
/// idle Socket.IO session holds that buffer (see `bench/RESULTS.md`).
fn own_head(request: &mut axum::extract::Request) {
    use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
    if let Ok(uri) = request.uri().to_string().parse::<Uri>() {
        request.extensions_mut().insert(axum::extract::OriginalUri(uri.clone()));
        *request.uri_mut() = uri;
    }
    let mut headers = HeaderMap::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        // Known names are constants; others, and every value, are copied.
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.as_str().as_bytes()), HeaderValue::from_bytes(value.as_bytes()))
        else {
            continue;
        };
        headers.append(name, value);
    }
    *request.headers_mut() = headers;
}

/// Engine.IO sessions whose Socket.IO connect was refused. Another connect
/// packet on the same session is refused without its token being checked,
/// so one session cannot try token after token; the session itself ends at
/// `--auth-timeout` (socketioxide's connect timeout), when it is forgotten
/// here too.
#[derive(Default)]
struct RefusedSessions {
    /// A leaf lock, held for a map operation.
    at: Mutex<SpentSessions>,
}

#[derive(Default)]
struct SpentSessions {
    sessions: HashMap<Sid, Instant>,
    /// When ended sessions were last forgotten: at most once per
    /// `forget_after`, so a flood of refusals does not scan the map each time.
    pruned: Option<Instant>,
}

impl RefusedSessions {
    fn refuse(&self, sid: Sid, forget_after: Duration) {
        let mut refused = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        // Every entry stands for a live session (capped), and is dropped
        // once that session has surely ended.
        if refused.pruned.is_none_or(|at| now.duration_since(at) >= forget_after) {
            refused.sessions.retain(|_, when| now.duration_since(*when) < forget_after);
            refused.pruned = Some(now);
        }
        refused.sessions.insert(sid, now);
    }

    fn was_refused(&self, sid: Sid) -> bool {
        self.at.lock().unwrap_or_else(PoisonError::into_inner).sessions.contains_key(&sid)
    }
}

/// Closes every Socket.IO transport once the sessions have said goodbye,
/// so clients see a transport close (and reconnect), not a server
/// disconnect (after which they would not).
pub(crate) async fn close_at_shutdown(app: Arc<App>, io: SocketIo) {
    app.shutdown.cancelled().await;
    // Sessions flush and end within the grace period; wait that long.
    tokio::time::sleep(app.config.limits.shutdown_grace).await;
    let _ = tokio::time::timeout(app.config.limits.shutdown_grace, io.close()).await;
}

/// The handshake's `auth` object.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandshakeAuth {
    #[serde(default)]
    token: Option<String>,
    /// Socket.IO's name for the last position seen.
    #[serde(default)]
    offset: Option<Position>,
    /// The native protocol's name for it.
    #[serde(default)]
    resume_after: Option<Position>,
}

/// A position as a number, or as the string the endpoint sent it as.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Position {
    Number(i64),
    Text(String),
}

impl Position {
    fn seq(&self) -> Option<i64> {
        match self {
            Position::Number(n) => Some(*n),
            Position::Text(s) => s.parse().ok(),
        }
        .filter(|seq| *seq >= 0)
    }
}

/// Who the handshake authenticated, where to resume, and the user's
/// session count (held for as long as the socket lives).
#[derive(Clone)]
struct Handshake {
    identity: Identity,
    resume_after: Option<i64>,
    user_slot: Arc<UserSlot>,
}

/// Why a handshake was refused: the `connect_error` message.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error(transparent)]
    Token(#[from] AuthError),
    #[error("`offset` must be 0 or a position the server sent")]
    Position,
    #[error("the handshake's auth must be an object: {{ token }}")]
    Auth,
    #[error("server is shutting down")]
    ShuttingDown,
    #[error("this node cannot reach its database; connect to another")]
    Fenced,
    #[error("{}", .0.message())]
    Cap(Cap),
    #[error("this connection's sign-in was refused; open a new connection to try again")]
    SessionSpent,
}

/// Connect middleware: verifies the handshake's token. A refusal is
/// remembered for the Engine.IO session, whose later connects are refused.
async fn authenticate(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    State(refused_sessions): State<Arc<RefusedSessions>>,
    auth: TryData<HandshakeAuth>,
) -> Result<(), Refused> {
    if refused_sessions.was_refused(socket.id) {
        app.metrics.error(ErrorCode::Unauthorized);
        return Err(Refused::SessionSpent);
    }
    let outcome = check_handshake(&socket, &app, auth).await;
    if let Err(why) = &outcome {
        tracing::debug!(reason = %why, "Socket.IO handshake refused");
        if !matches!(why, Refused::ShuttingDown | Refused::Fenced) {
            refused_sessions.refuse(socket.id, app.config.limits.auth_timeout * 2);
        }
    }
    outcome
}

async fn check_handshake(
    socket: &SocketRef,
    app: &App,
    TryData(auth): TryData<HandshakeAuth>,
) -> Result<(), Refused> {
    let refused = |app: &App, why: Refused| {
        app.metrics.error(ErrorCode::Unauthorized);
        why
    };
    if app.shutdown.is_cancelled() {
        return Err(Refused::ShuttingDown);
    }
    if app.fenced() {
        return Err(Refused::Fenced);
    }
    let auth = auth.map_err(|_| refused(app, Refused::Auth))?;
    let resume_after = match auth.offset.or(auth.resume_after) {
        None => None,
        Some(position) => Some(position.seq().ok_or_else(|| refused(app, Refused::Position))?),
    };
    let token =
        auth.token.filter(|t| !t.is_empty()).ok_or_else(|| refused(app, AuthError::Missing.into()))?;
    let identity = app.verifier.verify(&token).await.map_err(|e| refused(app, e.into()))?;
    let user_slot = app.caps.admit_user(&identity.user_id).map_err(|cap| {
        app.metrics.error(ErrorCode::RateLimited);
        Refused::Cap(cap)
    })?;
    socket.extensions.insert(Handshake { identity, resume_after, user_slot: Arc::new(user_slot) });
    Ok(())
}

/// The socket's side of its session: where its events go, and which
/// acknowledgements wait for which reply.
#[derive(Clone)]
struct Bridge {
    inbound: mpsc::Sender<Incoming>,
    acks: Arc<Acks>,
    /// Events dropped because the session is behind, in the current flood.
    /// A leaf lock: held for a count, never with another lock or across an
    /// await.
    dropped: Arc<Mutex<FloodCount>>,
    /// Dropped events in one flood that end the session.
    max_dropped: u32,
    /// Set when a flood of dropped events ended the session.
    cut: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

/// Acknowledgement ids by the ref their request was given.
#[derive(Default)]
struct Acks {
    next: AtomicU64,
    /// The only lock here; held for a map operation, never across an await.
    waiting: Mutex<HashMap<String, (u64, AckSender)>>,
}

impl Acks {
    /// A ref for a request whose reply answers `ack`.
    fn expect(&self, ack: AckSender) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let reference = format!("sio-{n}");
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        if waiting.len() >= MAX_PENDING_ACKS {
            if let Some(oldest) = waiting.iter().min_by_key(|(_, (n, _))| *n).map(|(k, _)| k.clone()) {
                waiting.remove(&oldest);
            }
        }
        waiting.insert(reference.clone(), (n, ack));
        reference
    }

    fn take(&self, reference: &str) -> Option<AckSender> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        waiting.remove(reference).map(|(_, ack)| ack)
    }
}

/// After a successful handshake: starts the socket's session. Handlers
/// here do their work when called and return a finished future:
/// socketioxide spawns each handler's future, and spawned tasks may run out
/// of order, while client events must reach the session in order.
fn on_connect(
    socket: SocketRef,
    State(app): State<Arc<App>>,
    Extension(handshake): Extension<Handshake>,
) -> Ready<()> {
    let (inbound, events) = mpsc::channel(INBOUND_QUEUE);
    let acks = Arc::new(Acks::default());
    let cut = Arc::new(AtomicBool::new(false));
    socket.extensions.insert(Bridge {
        inbound,
        acks: acks.clone(),
        dropped: Arc::default(),
        max_dropped: app.config.limits.abuse_strikes,
        metrics: app.metrics.clone(),
        cut: cut.clone(),
    });
    socket.on_fallback(on_event);
    socket.on_disconnect(|socket: SocketRef| {
        // The session reads the end of its stream and finishes.
        socket.extensions.remove::<Bridge>();
        ready(())
    });
    let guard = app.tracker.token();
    tokio::spawn(async move {
        let patience = app.config.limits.pong_timeout;
        let mut sink = outbound(Outbound { socket: socket.clone(), acks, patience });
        let mut stream = inbound_stream(events);
        let Handshake { identity, resume_after, user_slot } = handshake;
        let header_auth = Some(Ok(identity));
        // Engine.IO pings the client and ends the socket that stops
        // answering; the session's stream then ends.
        let transport = Transport { heartbeat: Heartbeat::Transport, user_slot: Some(user_slot) };
        connect::serve_split(app.clone(), &mut sink, &mut stream, header_auth, resume_after, transport).await;
        if cut.load(Ordering::Relaxed) && !app.shutdown.is_cancelled() {
            // The session ended with its stream, without a close: the frames
            // queued before (the warning) get the close handshake's time.
            tokio::time::sleep(CLOSE_HANDSHAKE).await;
            let _ = socket.disconnect();
        }
        drop(guard);
    });
    ready(())
}

/// One client event, as the packet carried it.
struct Packet {
    /// `["event", ...args]`, unless it had binary attachments.
    args: Result<String, Untranslatable>,
    wants_ack: bool,
}

impl FromMessageParts<LocalAdapter> for Packet {
    type Error = std::convert::Infallible;

    fn from_message_parts(
        _: &Arc<Socket<LocalAdapter>>,
        value: &mut Value,
        ack_id: &Option<i64>,
    ) -> Result<Packet, Self::Error> {
        let args = match value {
            Value::Str(_, Some(binaries)) if !binaries.is_empty() => Err(Untranslatable::Binary),
            Value::Str(text, _) => Ok(text.as_str().to_owned()),
            Value::Bytes(_) => Err(Untranslatable::Binary),
        };
        Ok(Packet { args, wants_ack: ack_id.is_some() })
    }
}

/// Every client event: translated and handed to the session, in order
/// (this handler is synchronous, so socketioxide runs it as packets come).
fn on_event(socket: SocketRef, packet: Packet, ack: AckSender) -> Ready<()> {
    let Some(bridge) = socket.extensions.get::<Bridge>() else { return ready(()) };
    let reference = packet.wants_ack.then(|| bridge.acks.expect(ack));
    let frame = packet.args.and_then(|args| translate::client_frame(&args, reference.as_deref()));
    let frame = match frame {
        Ok(frame) => frame,
        Err(e) => {
            refuse_here(&socket, &bridge, e.code(), &e.to_string(), reference.as_deref());
            return ready(());
        }
    };
    match bridge.inbound.try_send(Incoming::Frame(Box::new(frame))) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(_)) => {
            let dropped = bridge.dropped.lock().unwrap_or_else(PoisonError::into_inner).strike();
            // As on `/ws`: one warning per flood, so a flood is not echoed;
            // an ack still gets its answer.
            if dropped == 1 || reference.is_some() {
                let msg = "too many events; slow down";
                refuse_here(&socket, &bridge, ErrorCode::RateLimited, msg, reference.as_deref());
            }
            if dropped >= bridge.max_dropped {
                // Without its sender the session's stream ends once the
                // queued events are read; the socket is then disconnected.
                bridge.metrics.error(ErrorCode::RateLimited);
                bridge.cut.store(true, Ordering::Relaxed);
                socket.extensions.remove::<Bridge>();
            }
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {}
    }
    ready(())
}

/// Refuses an event before it reaches the session, as the session would.
fn refuse_here(socket: &SocketRef, bridge: &Bridge, code: ErrorCode, message: &str, reference: Option<&str>) {
    let refusal = FrameError::new(code, message);
    // `reference` is only ever an acknowledgement's here: the payload's own
    // ref is not known before the event is translated.
    let _ = match reference.and_then(|r| bridge.acks.take(r)) {
        Some(ack) => ack.send(&RefusedAck::new(&refusal)),
        None => socket.emit(event::ERROR, &error_payload(refusal)),
    };
}

/// The `error` event's payload, the ref inside it as on `/ws`.
fn error_payload(refusal: FrameError) -> ErrorPayload {
    ErrorPayload { code: refusal.code, message: refusal.message, reference: refusal.reference }
}

fn inbound_stream(mut events: mpsc::Receiver<Incoming>) -> impl Stream<Item = Incoming> + Unpin + Send {
    futures_util::stream::poll_fn(move |cx| events.poll_recv(cx))
}

/// Where the session's frames go: Socket.IO packets on one socket.
struct Outbound {
    socket: SocketRef,
    acks: Arc<Acks>,
    /// Longest wait for room in a full Engine.IO buffer.
    patience: Duration,
}

/// The writing half the session sees.
fn outbound(out: Outbound) -> impl Sink<Outgoing, Error = axum::Error> + Unpin + Send {
    Box::pin(futures_util::sink::unfold(out, |out, item: Outgoing| async move {
        out.send(item).await?;
        Ok::<_, axum::Error>(out)
    }))
}

impl Outbound {
    async fn send(&self, item: Outgoing) -> Result<(), axum::Error> {
        match item {
            Outgoing::Event(frame) => self.event(&frame).await,
            Outgoing::Reply(reply) => self.reply(reply).await,
            Outgoing::Refusal(refusal) => self.refusal(refusal).await,
            // Not sent: the session leaves the heartbeat to Engine.IO.
            Outgoing::Ping => Ok(()),
            Outgoing::Close { code, .. } => {
                self.close(code);
                Ok(())
            }
        }
    }

    /// Socket.IO has no close codes. A restart (1001) lets the transport
    /// close under the client ([`close_at_shutdown`]), which then
    /// reconnects; anything else is final: a server disconnect, once the
    /// frames before it have had the close handshake's time to leave
    /// (disconnecting at once drops them from Engine.IO's queue, and the
    /// client sees a bare connection loss instead).
    fn close(&self, code: u16) {
        if code == close::GOING_AWAY {
            return;
        }
        let socket = self.socket.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CLOSE_HANDSHAKE).await;
            let _ = socket.disconnect();
        });
    }

    /// An event from the hub or a replay: its event name and payload were
    /// split out of the frame once, for every Socket.IO recipient of it; a
    /// stored one carries its position last, as Socket.IO's offset.
    async fn event(&self, frame: &Frame) -> Result<(), axum::Error> {
        let Some(parts) = frame.parts() else {
            tracing::error!("an event frame for a Socket.IO client could not be read");
            return Ok(());
        };
        let (event, data) = (&*parts.event, &*parts.data);
        match frame.seq() {
            Some(seq) => {
                let offset = seq.to_string();
                self.retry_while_full(|| self.socket.emit(event, &(data, &offset))).await
            }
            None => self.retry_while_full(|| self.socket.emit(event, data)).await,
        }
    }

    /// The answer to one client event: the acknowledgement waiting for its
    /// ref, or an event as the seed's server sent replies.
    async fn reply(&self, reply: ReplyFrame) -> Result<(), axum::Error> {
        if let Some(ack) = reply.reference.as_deref().and_then(|r| self.acks.take(r)) {
            // Sending consumes the sender, so a full buffer cannot be
            // waited out here; replies are few, and the client's ack times out.
            if let Err(e) = ack.send(&*reply.data) {
                tracing::debug!(error = %e, "a Socket.IO acknowledgement was not sent");
            }
            return Ok(());
        }
        let payload = translate::reply_payload(&reply);
        self.retry_while_full(|| self.socket.emit(reply.event, &*payload)).await
    }

    /// A refused request: `{"error": ...}` to its acknowledgement, or an
    /// `error` event.
    async fn refusal(&self, refusal: FrameError) -> Result<(), axum::Error> {
        if let Some(ack) = refusal.reference.as_deref().and_then(|r| self.acks.take(r)) {
            if let Err(e) = ack.send(&RefusedAck::new(&refusal)) {
                tracing::debug!(error = %e, "a Socket.IO acknowledgement was not sent");
            }
            return Ok(());
        }
        let payload = error_payload(refusal);
        self.retry_while_full(|| self.socket.emit(event::ERROR, &payload)).await
    }

    /// Engine.IO's per-socket buffer is bounded; a full one is waited out
    /// (a replay writes faster than a socket drains), up to `patience`.
    async fn retry_while_full(
        &self,
        mut send: impl FnMut() -> Result<(), SendError>,
    ) -> Result<(), axum::Error> {
        let deadline = Instant::now() + self.patience;
        loop {
            match send() {
                Ok(()) => return Ok(()),
                Err(SendError::Socket(SocketError::InternalChannelFull)) if Instant::now() < deadline => {
                    tokio::time::sleep(FULL_BUFFER_RETRY).await;
                }
                Err(e) => return Err(axum::Error::new(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::own_head;
    use axum::body::{Body, Bytes};
    use axum::extract::OriginalUri;
    use axum::http::{HeaderValue, Request, Uri};

    #[test]
    fn a_handshake_keeps_nothing_of_the_connections_read_buffer() {
        // As hyper parses a head: the URI and header values are slices of
        // the connection's read buffer.
        let buffer =
            Bytes::from_static(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nx-client: tab\r\n");
        let uri = Uri::from_maybe_shared(buffer.slice(4..41)).unwrap();
        let mut request = Request::builder().uri(uri.clone()).body(Body::empty()).unwrap();
        request.extensions_mut().insert(OriginalUri(uri));
        request
            .headers_mut()
            .insert("x-client", HeaderValue::from_maybe_shared(buffer.slice(62..65)).unwrap());
        let inside =
            |p: *const u8| (buffer.as_ptr()..buffer.as_ptr().wrapping_add(buffer.len())).contains(&p);
        assert!(
            inside(request.uri().path().as_ptr())
                && inside(request.headers()["x-client"].as_bytes().as_ptr())
        );

        own_head(&mut request);
        assert_eq!(request.uri(), "/socket.io/?EIO=4&transport=websocket");
        assert_eq!(request.headers()["x-client"], "tab");
        let original = &request.extensions().get::<OriginalUri>().unwrap().0;
        assert!(!inside(request.uri().path().as_ptr()));
        assert!(!inside(original.path().as_ptr()));
        assert!(request.headers().values().all(|v| !inside(v.as_bytes().as_ptr())));
    }
}
