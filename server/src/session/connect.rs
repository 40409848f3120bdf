//! A connection becomes a session: authentication (a bearer header, or the
//! first frame), the per-user cap, registration in the user's rooms, then
//! [`super::run`] until it closes.

use super::events::authenticated;
use super::run;
use super::state::{ReplyFrame, Session};
use super::transport::{close_with, Heartbeat, Incoming, Outgoing, Sink, Stream};
use crate::app::App;
use crate::auth::{AuthError, Identity};
use crate::serve::UserSlot;
use axum::extract::ws::WebSocket;
use futures_util::{SinkExt, StreamExt};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;
use urutibiz_protocol::client::Authenticate;
use urutibiz_protocol::{close, event, ClientFrame, ErrorCode};

/// Longest wait for delivery to catch up with the store at connect; it
/// only lags by the time between a commit's answers and its delivery.
const CATCH_UP: Duration = Duration::from_secs(1);

/// Serves an upgraded socket until it closes. `header_auth` is the outcome
/// of an `Authorization` header, if the upgrade request had one.
/// `resume_after` (from `?after=`) asks for a replay before anything live.
pub(crate) async fn serve(
    app: Arc<App>,
    socket: WebSocket,
    header_auth: Option<Result<Identity, AuthError>>,
    resume_after: Option<i64>,
) {
    let (sink, stream) = socket.split();
    // `/ws` sends each item as the WebSocket message it is, and reads each
    // message as what it means.
    let mut sink = sink.with(|item: Outgoing| std::future::ready(Ok::<_, axum::Error>(item.into_message())));
    let mut stream = stream.map(|read| Incoming::from_websocket(Some(read)));
    let transport = Transport { heartbeat: Heartbeat::Session, user_slot: None };
    serve_split(app, &mut sink, &mut stream, header_auth, resume_after, transport).await;
}

/// What a transport brings to its session besides its two halves.
pub(crate) struct Transport {
    /// Who keeps the heartbeat.
    pub heartbeat: Heartbeat,
    /// The user's session count when the transport took it already
    /// (Socket.IO, at its handshake); otherwise it is taken here once the
    /// user is known.
    pub user_slot: Option<Arc<UserSlot>>,
}

/// [`serve`] on a connection's two halves.
pub(crate) async fn serve_split(
    app: Arc<App>,
    sink: &mut impl Sink,
    stream: &mut impl Stream,
    header_auth: Option<Result<Identity, AuthError>>,
    resume_after: Option<i64>,
    transport: Transport,
) {
    let Transport { heartbeat, user_slot } = transport;
    let (identity, reference, resume_after) = match header_auth {
        Some(Ok(identity)) => (identity, None, resume_after),
        Some(Err(e)) => {
            return refuse(&app, sink, stream, ErrorCode::Unauthorized, &e.to_string(), None).await
        }
        // Boxed: see `run`; the connection's task stays small while idle.
        None => match Box::pin(first_frame_auth(&app, sink, stream)).await {
            Some(found) => found,
            None => return,
        },
    };
    let _user_slot = match user_slot.map_or_else(|| app.caps.admit_user(&identity.user_id).map(Arc::new), Ok)
    {
        Ok(slot) => slot,
        Err(cap) => {
            app.metrics.error(ErrorCode::RateLimited);
            let _ = sink
                .send(Outgoing::refusal(ErrorCode::RateLimited, cap.message(), reference.as_deref()))
                .await;
            return Box::pin(close_with(sink, stream, close::TRY_AGAIN_LATER, cap.message())).await;
        }
    };
    if resume_after.is_some() {
        if let Err(e) = app.quotas.spend(crate::quotas::Spend::Replay, &identity.user_id) {
            let secs = e.retry_after_secs();
            let msg = format!("too many replays; reconnect in {secs} s");
            app.metrics.error(ErrorCode::RateLimited);
            let _ = sink.send(Outgoing::refusal(ErrorCode::RateLimited, &msg, reference.as_deref())).await;
            return Box::pin(close_with(sink, stream, close::TRY_AGAIN_LATER, &msg)).await;
        }
    }
    Box::pin(app.names.record_from_token(&identity)).await;
    // Events acknowledged before this connection began reach the hub before
    // it joins any room, so they are history to it, never live (and within
    // `headSeq`). Usually there is nothing to wait for.
    let caught_up = app.delivery.delivered_through(app.store.committed_head());
    if Box::pin(timeout(CATCH_UP, caught_up)).await.is_err() {
        tracing::warn!("delivery is behind the store; connecting anyway");
    }
    let admin = identity.role == crate::auth::Role::Admin;
    let (outbox, queue) = app.hub.open(app.config.limits.outbound_queue, &identity.user_id, admin);
    if resume_after.is_some() {
        // Before joining any room, so no live event can overtake the replay.
        outbox.replaying.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    let mut session = Session { app: app.clone(), identity, outbox, rooms: BTreeSet::new() };
    session.enter(format!("user-{}", session.identity.user_id));
    session.enter(format!("role-{}", session.identity.role));
    let hello = match Box::pin(authenticated(&session)).await {
        Ok(hello) => ReplyFrame::new(event::AUTHENTICATED, &hello, reference.as_deref()),
        Err(e) => {
            tracing::error!(error = %e, "storage failed during connect");
            session.leave_all();
            return Box::pin(close_with(sink, stream, close::INTERNAL, "storage unavailable")).await;
        }
    };
    app.metrics.connections.increment(1.0);
    tracing::debug!(conn = session.outbox.id, user = %session.identity.user_id, "connected");
    if sink.send(Outgoing::Reply(hello)).await.is_ok() {
        let resume = resume_after.map(|after| (after, reference));
        run::run(&mut session, sink, stream, queue, resume, heartbeat).await;
    }
    session.leave_all();
    app.metrics.connections.decrement(1.0);
    tracing::debug!(conn = session.outbox.id, "disconnected");
}

/// Waits for an `authenticate` frame; on failure sends the error and closes.
async fn first_frame_auth(
    app: &App,
    sink: &mut impl Sink,
    stream: &mut impl Stream,
) -> Option<(Identity, Option<String>, Option<i64>)> {
    let limit = app.config.limits.auth_timeout;
    let read = match timeout(limit, stream.next()).await {
        Err(_) => {
            let msg = "no authenticate frame in time";
            refuse(app, sink, stream, ErrorCode::Unauthorized, msg, None).await;
            return None;
        }
        Ok(None | Some(Incoming::Closed)) => return None,
        Ok(Some(read)) => read,
    };
    let parsed = match read {
        Incoming::Text(text) => ClientFrame::parse(&text),
        Incoming::Frame(frame) => Ok(*frame),
        Incoming::Binary | Incoming::Alive | Incoming::TooBig | Incoming::Closed => {
            let msg = "the first frame must be an authenticate text frame";
            refuse(app, sink, stream, ErrorCode::Unauthorized, msg, None).await;
            return None;
        }
    };
    let frame = match parsed {
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
    let verified = match frame.payload::<Authenticate>() {
        Err(e) => Err(e.message),
        Ok(p) if p.resume_after.is_some_and(|after| after < 0) => {
            Err("`resumeAfter` must be 0 or a seq the server sent".to_owned())
        }
        Ok(p) => app
            .verifier
            .verify(&p.token)
            .await
            .map(|identity| (identity, p.resume_after))
            .map_err(|e| e.to_string()),
    };
    match verified {
        Ok((identity, resume_after)) => Some((identity, frame.reference, resume_after)),
        Err(msg) => {
            refuse(app, sink, stream, ErrorCode::Unauthorized, &msg, frame.reference.as_deref()).await;
            None
        }
    }
}

async fn refuse(
    app: &App,
    sink: &mut impl Sink,
    stream: &mut impl Stream,
    code: ErrorCode,
    msg: &str,
    reference: Option<&str>,
) {
    app.metrics.error(code);
    let _ = sink.send(Outgoing::refusal(code, msg, reference)).await;
    close_with(sink, stream, close::UNAUTHORIZED, msg).await;
}
