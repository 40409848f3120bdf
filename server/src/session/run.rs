//! The life of an authenticated connection: one task that reads client
//! frames, writes queued frames, pings, and enforces token expiry, rate
//! limits and frame size.

use super::events::ClientEvent;
use super::replay::{self, ReplayError};
use super::state::{expiry_instant, Reply, Session};
use super::transport::{close_with, Heartbeat, Incoming, Outgoing, Sink, Stream, CLOSE_HANDSHAKE};
use crate::delivery::hub::Frame;
use futures_util::{SinkExt, StreamExt};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep, sleep_until, timeout, Instant};
use urutibiz_protocol::{close, ClientFrame, ErrorCode, FrameError};

/// The socket could not be written: the connection is over.
struct Gone;

/// What to do after a client frame.
enum Inbound {
    Continue,
    Close(u16, &'static str),
    Gone,
}

/// The writing side: the socket, the connection's queue, and the position
/// of the last stored event written.
struct Writer<'a, S: Sink> {
    sink: &'a mut S,
    queue: mpsc::Receiver<Frame>,
    /// Stored events at or below this were already sent (by a replay).
    last_seq: i64,
}

impl<S: Sink> Writer<'_, S> {
    /// Writes `first`, every queued frame, then `extra`, and flushes once.
    async fn flush(&mut self, first: Option<Frame>, extra: Option<Outgoing>) -> Result<(), Gone> {
        let mut pending = first;
        while let Some(frame) = pending.take().or_else(|| self.queue.try_recv().ok()) {
            if let Some(seq) = frame.seq() {
                if seq <= self.last_seq {
                    continue;
                }
                self.last_seq = seq;
            }
            self.sink.feed(Outgoing::Event(frame)).await.map_err(|_| Gone)?;
        }
        if let Some(extra) = extra {
            self.sink.feed(extra).await.map_err(|_| Gone)?;
        }
        self.sink.flush().await.map_err(|_| Gone)
    }
}

/// A flood ends once the client has gone this long without a refused frame.
const FLOOD_OVER_AFTER: Duration = Duration::from_secs(1);

/// The refused frames of a client's current flood; `--abuse-strikes` of
/// them close the connection.
///
/// A flood is not over at the first frame let through: during a steady
/// flood the rate limiter gives a token back every 1/rate s, and whether a
/// hundred refusals fit between two tokens depended on how fast the server
/// read them (a flooding Socket.IO client on a busy machine was never
/// closed).
#[derive(Debug, Default)]
pub(crate) struct FloodCount {
    strikes: u32,
    last_strike: Option<Instant>,
}

impl FloodCount {
    /// Counts a refused frame; returns the flood's count so far (1 when it
    /// starts a new flood, the last refusal being a second old or more).
    pub(crate) fn strike(&mut self) -> u32 {
        let now = Instant::now();
        if self.last_strike.is_some_and(|at| now - at >= FLOOD_OVER_AFTER) {
            self.strikes = 0;
        }
        self.strikes += 1;
        self.last_strike = Some(now);
        self.strikes
    }
}

/// Rate limiting with the current flood's count.
struct Flood {
    limiter: DefaultDirectRateLimiter,
    count: FloodCount,
    max_strikes: u32,
}

/// Serves the connection until it ends; closes it with the right code.
/// `resume` (position, ref) replays first, asked for at authentication.
pub(crate) async fn run(
    session: &mut Session,
    sink: &mut impl Sink,
    stream: &mut impl Stream,
    queue: mpsc::Receiver<Frame>,
    resume: Option<(i64, Option<String>)>,
    heartbeat: Heartbeat,
) {
    let app = session.app.clone();
    let limits = &app.config.limits;
    let leeway = app.config.jwt.leeway_secs;
    let quota = Quota::per_second(NonZeroU32::new(limits.rate_per_sec).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(limits.rate_burst).unwrap_or(NonZeroU32::MIN));
    let limiter = RateLimiter::direct_with_clock(quota, app.quotas.clock().clone());
    let mut flood = Flood { limiter, count: FloodCount::default(), max_strikes: limits.abuse_strikes };
    let mut expires_at = session.identity.expires_at;
    let expiry = sleep_until(expiry_instant(expires_at, leeway));
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval_at(Instant::now() + limits.ping_interval, limits.ping_interval);
    let pong_deadline = sleep(limits.pong_timeout);
    tokio::pin!(pong_deadline);
    let mut awaiting_pong = false;
    let evicted = session.outbox.evicted.clone();
    // Made once: a fresh `cancelled()` per wake-up would join and leave the
    // token's waiter list (a lock each, the shutdown token shared by every
    // connection) on every delivered frame.
    let shutting_down = app.shutdown.cancelled();
    tokio::pin!(shutting_down);
    let evicted_now = evicted.cancelled();
    tokio::pin!(evicted_now);
    // Boxed and only in a cluster: an embedded node's connections carry no
    // room for it.
    let mut fenced = app.fence.clone().map(|fence| Box::pin(fenced(fence, session.outbox.id)));
    let mut out = Writer { sink, queue, last_seq: 0 };
    if let Some((after, reference)) = resume {
        if Box::pin(replay_into(session, &mut out, after, reference.as_deref())).await.is_err() {
            return;
        }
    }

    let end: Option<(u16, &str)> = loop {
        tokio::select! {
            biased;
            _ = &mut shutting_down => {
                let _ = Box::pin(timeout(limits.shutdown_grace, out.flush(None, None))).await;
                break Some((close::GOING_AWAY, "server shutting down"));
            }
            _ = async { if let Some(fenced) = fenced.as_mut() { fenced.await } }, if fenced.is_some() => {
                let _ = Box::pin(timeout(limits.shutdown_grace, out.flush(None, None))).await;
                break Some((close::SERVICE_RESTART, "this node cannot reach its database; reconnect"));
            }
            _ = &mut evicted_now => {
                // The peer is not reading; a close frame would likely never
                // arrive, so try briefly and drop the connection.
                let close = Outgoing::Close { code: close::SLOW_CONSUMER, reason: "outbound queue overflow".into() };
                let _ = Box::pin(timeout(CLOSE_HANDSHAKE, out.sink.send(close))).await;
                tracing::info!(conn = session.outbox.id, "closed slow consumer");
                break None;
            }
            _ = &mut expiry => {
                app.metrics.error(ErrorCode::TokenExpired);
                let msg = "token expired; authenticate with a fresh token before exp";
                let refusal = Outgoing::refusal(ErrorCode::TokenExpired, msg, None);
                let _ = Box::pin(timeout(CLOSE_HANDSHAKE, out.sink.send(refusal))).await;
                break Some((close::UNAUTHORIZED, "token expired"));
            }
            _ = &mut pong_deadline, if awaiting_pong => {
                break Some((close::HEARTBEAT_TIMEOUT, "no pong within the heartbeat timeout"));
            }
            _ = ping.tick(), if heartbeat == Heartbeat::Session => {
                if out.sink.send(Outgoing::Ping).await.is_err() {
                    break None;
                }
                if !awaiting_pong {
                    awaiting_pong = true;
                    pong_deadline.as_mut().reset(Instant::now() + limits.pong_timeout);
                }
            }
            Some(frame) = out.queue.recv() => {
                tokio::select! {
                    written = out.flush(Some(frame), None) => if written.is_err() { break None },
                    _ = &mut evicted_now => continue,
                    _ = &mut shutting_down => continue,
                }
            }
            inbound = stream.next() => {
                // Any frame from the peer proves it is alive.
                awaiting_pong = false;
                let outcome = match inbound.unwrap_or(Incoming::Closed) {
                    Incoming::Closed => Inbound::Gone,
                    Incoming::TooBig => Inbound::Close(close::MESSAGE_TOO_BIG, "frame exceeds the size limit"),
                    Incoming::Alive => Inbound::Continue,
                    // Boxed, as every rarely live future here: a task is as big as
                    // its largest state, and an idle connection should not carry
                    // room for handling a frame (see `bench/RESULTS.md`).
                    data => Box::pin(on_data(session, &mut out, &mut flood, data)).await,
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
        Box::pin(close_with(out.sink, stream, code, reason)).await;
    }
}

/// A text or binary frame from the client: rate limit, then handle it.
async fn on_data(
    session: &mut Session,
    out: &mut Writer<'_, impl Sink>,
    flood: &mut Flood,
    data: Incoming,
) -> Inbound {
    let app = session.app.clone();
    app.metrics.frames_in.increment(1);
    if flood.limiter.check().is_err() {
        let strikes = flood.count.strike();
        if strikes >= flood.max_strikes {
            app.metrics.error(ErrorCode::RateLimited);
            return Inbound::Close(close::POLICY_VIOLATION, "rate limit exceeded persistently");
        }
        // One warning per flood, so a flood is not echoed.
        if strikes == 1 {
            app.metrics.error(ErrorCode::RateLimited);
            let warning = Outgoing::refusal(ErrorCode::RateLimited, "too many frames; slow down", None);
            if out.flush(None, Some(warning)).await.is_err() {
                return Inbound::Gone;
            }
        }
        return Inbound::Continue;
    }
    let written = match answer(session, data).await {
        Answer::Send(reply) => out.flush(None, Some(reply)).await,
        Answer::Replay { after, reference } => replay_into(session, out, after, reference.as_deref()).await,
    };
    match written {
        Ok(()) => Inbound::Continue,
        Err(Gone) => Inbound::Gone,
    }
}

/// Streams a replay; a storage failure is reported to the client, which may
/// resume again.
async fn replay_into(
    session: &Session,
    out: &mut Writer<'_, impl Sink>,
    after: i64,
    reference: Option<&str>,
) -> Result<(), Gone> {
    match replay::stream(session, out.sink, &mut out.queue, &mut out.last_seq, after, reference).await {
        // Expiry, shutdown or eviction: the loop handles it next.
        Ok(()) | Err(ReplayError::Interrupted) => Ok(()),
        Err(ReplayError::Socket) => Err(Gone),
        Err(ReplayError::Store(e)) => {
            tracing::error!(error = %e, "replay failed");
            session.app.metrics.error(ErrorCode::StoreUnavailable);
            let err =
                Outgoing::refusal(ErrorCode::StoreUnavailable, "replay failed; resume again", reference);
            out.flush(None, Some(err)).await
        }
    }
}

/// What to do about one client frame.
enum Answer {
    /// Send this reply (result or error).
    Send(Outgoing),
    /// Stream a replay.
    Replay { after: i64, reference: Option<String> },
}

/// The reply to one client frame: a result or an error, with its ref.
async fn answer(session: &mut Session, data: Incoming) -> Answer {
    let parsed = match data {
        Incoming::Text(text) => ClientFrame::parse(&text),
        Incoming::Frame(frame) => Ok(*frame),
        Incoming::Binary | Incoming::Alive | Incoming::TooBig | Incoming::Closed => {
            let code = ErrorCode::BinaryUnsupported;
            session.app.metrics.error(code);
            return Answer::Send(Outgoing::refusal(
                code,
                "binary frames are not supported; send JSON text",
                None,
            ));
        }
    };
    let handled = match parsed {
        Err(e) => Err(e),
        Ok(frame) => match ClientEvent::from_frame(&frame) {
            Err(e) => Err(e),
            Ok(event) => match event.handle(session, frame.reference.as_deref()).await {
                Ok(Reply::Frame(reply)) => Ok(Outgoing::Reply(reply)),
                Ok(Reply::Replay { after }) => return Answer::Replay { after, reference: frame.reference },
                Err(r) => Err(FrameError { code: r.code, message: r.message, reference: frame.reference }),
            },
        },
    };
    match handled {
        Ok(message) => Answer::Send(message),
        Err(e) => {
            session.app.metrics.error(e.code);
            Answer::Send(Outgoing::refusal(e.code, &e.message, e.reference.as_deref()))
        }
    }
}

/// Resolves once this node is fenced, after a delay of up to
/// [`FENCE_SPREAD`] that differs per connection, so the clients of a node
/// that steps aside do not all reconnect in the same instant.
async fn fenced(mut fence: tokio::sync::watch::Receiver<bool>, conn: u64) {
    if fence.wait_for(|fenced| *fenced).await.is_err() {
        return std::future::pending().await;
    }
    let spread = FENCE_SPREAD.as_millis() as u64;
    tokio::time::sleep(Duration::from_millis(conn.wrapping_mul(7919) % spread)).await;
}

/// Time over which a fenced node's connections are closed.
const FENCE_SPREAD: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    //! The session loop through channels, as axum's `testing-websockets`
    //! drives a socket loop: a real store on a temporary SQLite file, the
    //! hub and live delivery, no network.

    use crate::app::App;
    use crate::auth::{Identity, Role};
    use crate::cli::{Cli, Command};
    use crate::publish::{notification, routed};
    use crate::session::connect::serve_split;
    use crate::session::connect::Transport;
    use crate::session::transport::{Heartbeat, Incoming, Outgoing};
    use axum::extract::ws::Message;
    use clap::Parser;
    use serde_json::{json, Value};
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::mpsc;
    use tokio::task::JoinHandle;
    use tokio::time::timeout;

    /// Longest wait for anything in these tests.
    const PATIENCE: Duration = Duration::from_secs(5);

    async fn open(flags: &[&str]) -> (Arc<App>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let mut args = vec!["realtime-server", "serve", "--dev", "--no-fsync", "--jwt-leeway", "0s"];
        args.extend(["--db", db.to_str().unwrap()]);
        args.extend(flags);
        let Command::Serve(serve) = Cli::try_parse_from(args).unwrap().command else { panic!("not serve") };
        (App::open(serve.to_config().unwrap()).await.unwrap(), dir)
    }

    fn user(id: &str, expires_in: i64) -> Identity {
        let expires_at = crate::auth::unix_now() + expires_in;
        Identity { user_id: id.into(), role: Role::Renter, expires_at, display_name: None }
    }

    /// A session whose transport is two channels: the test writes what the
    /// client sends and reads what the session writes (`capacity` of it
    /// before the session's writes wait, as a socket's buffers would).
    struct Wire {
        to_session: mpsc::Sender<Incoming>,
        from_session: mpsc::Receiver<Message>,
        task: JoinHandle<()>,
    }

    fn connect(app: &Arc<App>, identity: Identity, resume_after: Option<i64>, capacity: usize) -> Wire {
        connect_with(app, identity, resume_after, capacity, Heartbeat::Session)
    }

    fn connect_with(
        app: &Arc<App>,
        identity: Identity,
        resume_after: Option<i64>,
        capacity: usize,
        heartbeat: Heartbeat,
    ) -> Wire {
        let (to_session, mut inbound) = mpsc::channel(256);
        let (outbound, from_session) = mpsc::channel(capacity);
        let app = app.clone();
        let task = tokio::spawn(async move {
            // Each item as `/ws` writes it.
            let mut sink = Box::pin(futures_util::sink::unfold(outbound, |out, item: Outgoing| async move {
                out.send(item.into_message()).await.map_err(axum::Error::new)?;
                Ok::<_, axum::Error>(out)
            }));
            let mut stream = futures_util::stream::poll_fn(move |cx| inbound.poll_recv(cx));
            let transport = Transport { heartbeat, user_slot: None };
            serve_split(app, &mut sink, &mut stream, Some(Ok(identity)), resume_after, transport).await;
        });
        Wire { to_session, from_session, task }
    }

    impl Wire {
        async fn send(&self, frame: Value) {
            self.to_session.send(Incoming::Text(frame.to_string().into())).await.unwrap();
        }

        /// The next frame the session wrote, pings skipped.
        async fn next(&mut self) -> Message {
            loop {
                match timeout(PATIENCE, self.from_session.recv()).await.expect("a frame in time") {
                    Some(Message::Ping(_)) => {}
                    Some(message) => return message,
                    None => panic!("the session ended without a close frame"),
                }
            }
        }

        async fn json(&mut self) -> Value {
            match self.next().await {
                Message::Text(text) => serde_json::from_str(&text).unwrap(),
                other => panic!("expected a text frame, got {other:?}"),
            }
        }

        /// Reads until the close frame; returns its code and the text frames before it.
        async fn until_close(&mut self) -> (u16, Vec<Value>) {
            let mut frames = Vec::new();
            loop {
                match self.next().await {
                    Message::Text(text) => frames.push(serde_json::from_str(&text).unwrap()),
                    Message::Close(frame) => return (frame.map_or(1005, |f| f.code), frames),
                    _ => {}
                }
            }
        }
    }

    /// Stores a notification for `user` with `n` in its data.
    async fn publish(app: &App, user: &str, n: i64) -> i64 {
        let room = format!("user-{user}");
        let event = notification(room.clone(), "system", &format!("n{n}"), "", json!({ "n": n }));
        app.store.append(vec![routed(event, vec![room], None)]).await.unwrap()[0].seq
    }

    fn numbers(frames: &[Value]) -> Vec<i64> {
        frames
            .iter()
            .filter(|f| f["event"] == "notification")
            .map(|f| f["data"]["data"]["n"].as_i64().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_flood_is_warned_once_then_closed_with_1008() {
        let (app, _dir) = open(&["--rate", "2", "--burst", "2", "--abuse-strikes", "30"]).await;
        let mut wire = connect(&app, user("u1", 600), None, 1024);
        assert_eq!(wire.json().await["event"], "authenticated");
        for _ in 0..60 {
            wire.send(json!({"event": "mark-all-read"})).await;
        }
        let (code, frames) = wire.until_close().await;
        assert_eq!(code, urutibiz_protocol::close::POLICY_VIOLATION);
        let warnings = frames.iter().filter(|f| f["data"]["code"] == "rate-limited").count();
        assert_eq!(warnings, 1, "{frames:?}");
        timeout(PATIENCE, wire.task).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_peer_that_stops_answering_pings_is_closed_with_4000() {
        let (app, _dir) = open(&["--ping-interval", "50ms", "--pong-timeout", "100ms"]).await;
        let mut wire = connect(&app, user("u1", 600), None, 1024);
        assert_eq!(wire.json().await["event"], "authenticated");
        let mut pings = 0;
        let code = loop {
            match timeout(PATIENCE, wire.from_session.recv()).await.expect("a frame in time") {
                Some(Message::Ping(_)) => pings += 1,
                Some(Message::Close(frame)) => break frame.map_or(1005, |f| f.code),
                other => panic!("unexpected {other:?}"),
            }
        };
        assert!(pings >= 1);
        assert_eq!(code, urutibiz_protocol::close::HEARTBEAT_TIMEOUT);
    }

    #[tokio::test]
    async fn a_transport_with_its_own_heartbeat_gets_no_pings_from_the_session() {
        let (app, _dir) = open(&["--ping-interval", "50ms", "--pong-timeout", "100ms"]).await;
        let mut wire = connect_with(&app, user("u1", 600), None, 1024, Heartbeat::Transport);
        assert_eq!(wire.json().await["event"], "authenticated");
        // Several ping intervals and pong timeouts go by in silence...
        tokio::time::sleep(Duration::from_millis(500)).await;
        wire.send(json!({"event": "mark-all-read", "ref": "m1"})).await;
        // ...and the first thing written is the answer: no ping, no close.
        let Message::Text(text) = timeout(PATIENCE, wire.from_session.recv()).await.unwrap().unwrap() else {
            panic!("the session wrote something other than the answer")
        };
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["ref"], "m1");
    }

    #[tokio::test]
    async fn a_token_that_runs_out_mid_session_ends_it_with_4401() {
        let (app, _dir) = open(&[]).await;
        let mut wire = connect(&app, user("u1", 1), None, 1024);
        assert_eq!(wire.json().await["event"], "authenticated");
        let (code, frames) = wire.until_close().await;
        assert_eq!(code, urutibiz_protocol::close::UNAUTHORIZED);
        assert_eq!(frames.last().unwrap()["data"]["code"], "token-expired");
    }

    #[tokio::test]
    async fn a_consumer_that_stops_reading_is_evicted_with_4008() {
        let (app, _dir) = open(&["--outbound-queue", "8"]).await;
        // Room for the greeting and a few frames; then the session's writes wait.
        let mut wire = connect(&app, user("slow", 600), None, 4);
        assert_eq!(wire.json().await["event"], "authenticated");
        for n in 0..40 {
            publish(&app, "slow", n).await;
        }
        // The session ends by itself, the client never having read.
        timeout(PATIENCE, &mut wire.task).await.expect("evicted in time").unwrap();
        // The metrics recorder is the process's: other tests' sessions count
        // there too, none of them as slow.
        let evictions = app
            .metrics
            .render()
            .lines()
            .find_map(|l| l.strip_prefix("realtime_slow_consumer_total ").and_then(|v| v.parse::<f64>().ok()))
            .unwrap_or(0.0);
        assert!(evictions >= 1.0, "{}", app.metrics.render());
        assert!(app.hub.members("user-slow") == 0, "the evicted session left its rooms");
    }

    #[tokio::test]
    async fn a_replay_racing_live_events_delivers_each_once_in_order() {
        let (app, _dir) = open(&[]).await;
        for n in 0..300 {
            publish(&app, "u1", n).await;
        }
        let mut wire = connect(&app, user("u1", 600), Some(0), 4096);
        let publisher = {
            let app = app.clone();
            tokio::spawn(async move {
                for n in 300..400 {
                    publish(&app, "u1", n).await;
                }
            })
        };
        // Until the last event and the end of the replay, in whichever order
        // they come (the last event may be replayed or live).
        let mut frames = Vec::new();
        while numbers(&frames).last() != Some(&399) || !frames.iter().any(|f| f["event"] == "resumed") {
            frames.push(wire.json().await);
            assert!(frames.len() < 1000, "runaway");
        }
        publisher.await.unwrap();
        assert_eq!(numbers(&frames), (0..400).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn leaving_a_booking_stops_its_live_events() {
        let (app, _dir) = open(&[]).await;
        let booking = crate::store::Booking {
            id: "b1".into(),
            host_id: "h1".into(),
            renter_id: "u1".into(),
            status: urutibiz_protocol::BookingStatus::Pending,
            title: None,
        };
        app.store.upsert_booking(booking.clone()).await.unwrap();
        let mut wire = connect(&app, user("u1", 600), None, 1024);
        assert_eq!(wire.json().await["event"], "authenticated");
        wire.send(json!({"event": "join", "data": {"room": "booking-b1"}, "ref": "j"})).await;
        assert_eq!(wire.json().await["ref"], "j");
        // The backend gives the booking to another renter: u1 is removed
        // from its room and sees nothing more of it.
        let moved = crate::store::Booking { renter_id: "u2".into(), ..booking };
        app.store.upsert_booking(moved.clone()).await.unwrap();
        // What `PUT /api/v1/bookings/{id}` does after such a change.
        let removed = app.hub.retain_in_room("booking-b1", |o| o.admin || moved.is_participant(&o.user_id));
        assert_eq!(removed, 1);
        let note = notification("booking-b1".into(), "booking", "after", "", json!({ "n": 1 }));
        app.store.append(vec![routed(note, vec!["booking-b1".into()], None)]).await.unwrap();
        publish(&app, "u1", 2).await;
        let next = wire.json().await;
        assert_eq!(next["data"]["data"]["n"], 2, "{next}");
    }
}
