//! The client task: connect with the token in the `Authorization` header,
//! resume from the saved position, de-duplicate, keep a heartbeat, notice
//! sleep, reconnect with backoff, and stop for good when the token is
//! refused.

use crate::backoff::Backoff;
use crate::config::ClientConfig;
use crate::dedupe::Seen;
use crate::position::PositionStore;
use crate::state::{now_ms, ConnectionState};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use urutibiz_protocol::client::{
    Authenticate, BookingUpdate, Empty, MarkRead, Message as ChatMessage, Resume,
};
use urutibiz_protocol::frame::RequestFrame;
use urutibiz_protocol::{close, event, BookingStatus, ErrorCode, ServerEvent, ServerMessage};

/// How often the wall clock is compared with the monotonic clock.
const CLOCK_CHECK: Duration = Duration::from_secs(2);
/// Events remembered for de-duplication.
const SEEN_CAPACITY: usize = 4096;
/// Position saves are batched to at most one per interval while streaming.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// What the shell asks of the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Mark notifications read by id.
    MarkRead(Vec<String>),
    /// Mark every message notification of a chat read (the user opened it).
    MarkChatRead(String),
    /// Mark every notification read.
    MarkAllRead,
    /// Send a chat message to an existing chat. The server answers with
    /// `message-sent` or an `error`, both carrying `reference`.
    SendMessage {
        /// The chat.
        chat_id: String,
        /// The text.
        message: String,
        /// Echoed in the answer, so the shell can match it.
        reference: String,
    },
    /// Write to another user: their chat with this user, which the server
    /// starts if they share a booking. Answered as [`Command::SendMessage`].
    MessageUser {
        /// The other user.
        to_user_id: String,
        /// The text.
        message: String,
        /// Echoed in the answer, so the shell can match it.
        reference: String,
    },
    /// Move a booking to another status. The server answers with
    /// `booking-updated` or an `error`, both carrying `reference`.
    UpdateBooking {
        /// The booking.
        booking_id: String,
        /// The status to move it to.
        status: BookingStatus,
        /// Echoed in the answer, so the shell can match it.
        reference: String,
    },
    /// Clear notification history.
    Clear,
    /// A fresh token: sent in-band when online, used for later connections,
    /// and lifts a signed-out state.
    SetToken(String),
    /// The session is over (the provider refused to renew it): close the
    /// socket and wait signed out for a new token.
    SignOut(String),
    /// Drop the connection and reconnect now (e.g. the network changed).
    Reconnect,
    /// Stop the client.
    Shutdown,
}

/// What the client tells the shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The connection state changed.
    State(ConnectionState),
    /// A server frame: stored events (once each, in order), `authenticated`,
    /// `resumed`, `resync-required`, `notifications-read`, replies, errors.
    Event(ServerMessage),
}

/// Sends commands to a running client.
#[derive(Debug, Clone)]
pub struct Handle {
    commands: mpsc::UnboundedSender<Command>,
}

impl Handle {
    /// Queues a command; commands that need the server wait for a connection.
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }
}

/// Starts the client task on the current tokio runtime.
pub fn spawn(
    config: ClientConfig,
    position: Arc<dyn PositionStore>,
) -> (Handle, mpsc::UnboundedReceiver<Update>) {
    let (commands, command_rx) = mpsc::unbounded_channel();
    let (updates, update_rx) = mpsc::unbounded_channel();
    let client = Client {
        backoff: Backoff::new(config.backoff_base, config.backoff_cap),
        config,
        position,
        updates,
        commands: command_rx,
        pending: Vec::new(),
        seen: Seen::new(SEEN_CAPACITY),
        renewal_over: false,
        just_renewed: false,
        signed_out_by_provider: None,
    };
    tokio::spawn(client.run());
    (Handle { commands }, update_rx)
}

struct Client {
    config: ClientConfig,
    position: Arc<dyn PositionStore>,
    updates: mpsc::UnboundedSender<Update>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Requests made while offline, sent after the next `resumed`.
    pending: Vec<String>,
    seen: Seen,
    backoff: Backoff,
    /// The refresher has given up (the provider refused): do not wait for it.
    renewal_over: bool,
    /// The token was just renewed for a reconnect: use it, do not renew again.
    just_renewed: bool,
    /// A `SignOut` that arrived while offline, applied before reconnecting.
    signed_out_by_provider: Option<String>,
}

/// A token this close to expiry is renewed before (re)connecting with it.
const RENEW_MARGIN: Duration = Duration::from_secs(1);

/// How a session ended.
enum Ended {
    /// Try again after a backoff delay.
    Retry(String),
    /// Try again at once (sleep detected, reconnect asked).
    RetryNow,
    /// The token is no good.
    SignedOut(String),
    /// The shell asked to stop.
    Shutdown,
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Client {
    fn emit(&self, update: Update) {
        let _ = self.updates.send(update);
    }

    async fn run(mut self) {
        loop {
            let started = Instant::now();
            let ended = if let Some(reason) = self.signed_out_by_provider.take() {
                Ended::SignedOut(reason)
            } else if self.must_renew_first() {
                self.renew_first().await
            } else {
                self.just_renewed = false;
                self.emit(Update::State(ConnectionState::Connecting));
                match self.connect().await {
                    Ok(socket) => self.session(socket).await,
                    Err(ended) => ended,
                }
            };
            if started.elapsed() >= self.config.stable_after {
                self.backoff.reset();
            }
            match ended {
                Ended::Shutdown => return,
                Ended::RetryNow => continue,
                Ended::Retry(reason) => {
                    if !self.wait_to_retry(reason).await {
                        return;
                    }
                }
                // The server saw the token expire (e.g. the refresh is
                // late after a sleep): the refresher is asked first.
                Ended::SignedOut(_) if self.must_renew_first() => continue,
                Ended::SignedOut(reason) => {
                    self.emit(Update::State(ConnectionState::SignedOut { reason }));
                    if !self.wait_for_token().await {
                        return;
                    }
                    self.backoff.reset();
                }
            }
        }
    }

    /// Whether a refresher should renew the token before it is used again.
    fn must_renew_first(&self) -> bool {
        self.config.token_refresh.is_some()
            && !self.renewal_over
            && !self.just_renewed
            && crate::auth::expires_within(&self.config.token, RENEW_MARGIN)
    }

    /// Asks the refresher for a fresh token and waits for it (or for the
    /// provider's refusal); other requests are kept for later.
    async fn renew_first(&mut self) -> Ended {
        if let Some(wake) = &self.config.token_refresh {
            wake.notify_one();
        }
        self.emit(Update::State(ConnectionState::Offline {
            since_ms: now_ms(),
            retry_in_ms: 0,
            reason: "renewing the session".into(),
        }));
        loop {
            match self.commands.recv().await {
                None | Some(Command::Shutdown) => return Ended::Shutdown,
                Some(Command::SetToken(token)) => {
                    self.set_token(token);
                    // Whatever its lifetime, this one gets a connection attempt.
                    self.just_renewed = true;
                    return Ended::RetryNow;
                }
                Some(Command::SignOut(reason)) => {
                    self.renewal_over = true;
                    return Ended::SignedOut(reason);
                }
                Some(Command::Reconnect) => {}
                Some(other) => self.queue(other),
            }
        }
    }

    fn set_token(&mut self, token: String) {
        self.config.token = token;
        self.renewal_over = false;
        self.signed_out_by_provider = None;
    }

    /// Waits out a backoff delay; `false` on shutdown.
    async fn wait_to_retry(&mut self, reason: String) -> bool {
        let delay = self.backoff.next_delay();
        let since_ms = now_ms();
        self.emit(Update::State(ConnectionState::Offline {
            since_ms,
            retry_in_ms: delay.as_millis() as u64,
            reason,
        }));
        let deadline = tokio::time::Instant::now() + delay;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return true,
                command = self.commands.recv() => match command {
                    None | Some(Command::Shutdown) => return false,
                    Some(Command::Reconnect) => return true,
                    Some(Command::SignOut(reason)) => {
                        self.renewal_over = true;
                        self.signed_out_by_provider = Some(reason);
                        return true;
                    }
                    Some(other) => self.queue(other),
                },
            }
        }
    }

    /// Waits for a fresh token after sign-out; `false` on shutdown.
    async fn wait_for_token(&mut self) -> bool {
        loop {
            match self.commands.recv().await {
                None | Some(Command::Shutdown) => return false,
                Some(Command::SetToken(token)) => {
                    self.set_token(token);
                    return true;
                }
                // Already signed out.
                Some(Command::SignOut(_)) => self.renewal_over = true,
                Some(other) => self.queue(other),
            }
        }
    }

    /// Keeps a request for the next session (token changes apply now).
    fn queue(&mut self, command: Command) {
        match command {
            Command::SetToken(token) => self.set_token(token),
            Command::SignOut(reason) => {
                self.renewal_over = true;
                self.signed_out_by_provider = Some(reason);
            }
            Command::Reconnect | Command::Shutdown => {}
            other => self.pending.extend(request_frame(&other)),
        }
    }

    async fn connect(&mut self) -> Result<Socket, Ended> {
        // With a saved position the server replays before anything live.
        let url = match self.position.load() {
            Some(after) => format!("{}?after={after}", self.config.ws_url()),
            None => self.config.ws_url(),
        };
        let mut request =
            url.into_client_request().map_err(|e| Ended::SignedOut(format!("bad server address: {e}")))?;
        let header = format!("Bearer {}", self.config.token)
            .parse()
            .map_err(|_| Ended::SignedOut("the token has characters a header cannot carry".into()))?;
        request.headers_mut().insert("Authorization", header);
        match tokio::time::timeout(self.config.connect_timeout, tokio_tungstenite::connect_async(request))
            .await
        {
            Err(_) => Err(Ended::Retry("connection timed out".into())),
            Ok(Err(e)) => Err(Ended::Retry(format!("cannot reach the server: {e}"))),
            Ok(Ok((socket, _))) => Ok(socket),
        }
    }

    async fn session(&mut self, mut socket: Socket) -> Ended {
        let mut last_seen = Instant::now();
        let mut online = false;
        let mut ping = tokio::time::interval(self.config.ping_every);
        ping.reset();
        let mut clock = tokio::time::interval(CLOCK_CHECK);
        let mut wall = (SystemTime::now(), Instant::now());
        let mut cursor = self.position.load();
        let mut saved = cursor;
        // Stored events that arrive while a resume is under way (live ones
        // can overtake the replay): released in `seq` order when it ends.
        let mut held: Vec<ServerMessage> = Vec::new();
        let mut resuming = false;
        let mut last_save = Instant::now();
        let ended = loop {
            let dead_at = tokio::time::Instant::from_std(last_seen + self.config.dead_after);
            tokio::select! {
                frame = socket.next() => {
                    last_seen = Instant::now();
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(close))) => break ended_by_close(close.map(|c| (c.code, c.reason.to_string()))),
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => break Ended::Retry(format!("connection lost: {e}")),
                        None => break Ended::Retry("connection closed".into()),
                    };
                    let frame = match ServerMessage::parse(&text) {
                        Ok(frame) => frame,
                        Err(e) => {
                            tracing::warn!(error = %e, "ignoring a frame that is not the server's");
                            continue;
                        }
                    };
                    match &frame.event {
                        ServerEvent::Authenticated(hello) if !online => {
                            online = true;
                            self.emit(Update::State(ConnectionState::Online { since_ms: now_ms() }));
                            if cursor.is_none() {
                                // A first start: begin at the head; older items come from HTTP.
                                let head = hello.head_seq;
                                cursor = Some(head);
                                let resume = RequestFrame::new(event::RESUME, Resume { after: head }, None);
                                if socket.send(Message::Text(resume.to_json().into())).await.is_err() {
                                    break Ended::Retry("connection lost".into());
                                }
                            }
                            resuming = true;
                        }
                        _ if resuming && frame.seq.is_some() => {
                            held.push(frame);
                            continue;
                        }
                        ServerEvent::Resumed(_) => {
                            resuming = false;
                            self.release(&mut held, &mut cursor);
                            for request in std::mem::take(&mut self.pending) {
                                if socket.send(Message::Text(request.into())).await.is_err() {
                                    break;
                                }
                            }
                        }
                        ServerEvent::ResyncRequired(resync) => {
                            // History is refetched by the shell; continue from the head.
                            let head = resync.head_seq;
                            self.release(&mut held, &mut cursor);
                            cursor = Some(head);
                            let resume = RequestFrame::new(event::RESUME, Resume { after: head }, None);
                            let _ = socket.send(Message::Text(resume.to_json().into())).await;
                        }
                        ServerEvent::Error(error)
                            if error.code == ErrorCode::TokenExpired
                                || (error.code == ErrorCode::Unauthorized && !online) =>
                        {
                            let reason = error.message.clone();
                            self.emit(Update::Event(frame));
                            break Ended::SignedOut(reason);
                        }
                        _ => {}
                    }
                    let resumed = matches!(frame.event, ServerEvent::Resumed(_));
                    self.deliver(frame, &mut cursor);
                    if cursor != saved && (resumed || last_save.elapsed() >= SAVE_EVERY) {
                        if let Some(seq) = cursor {
                            self.position.save(seq);
                        }
                        saved = cursor;
                        last_save = Instant::now();
                    }
                }
                _ = ping.tick() => {
                    if socket.send(Message::Ping(Default::default())).await.is_err() {
                        break Ended::Retry("connection lost".into());
                    }
                }
                _ = tokio::time::sleep_until(dead_at) => {
                    break Ended::Retry(format!("no answer from the server for {} s", self.config.dead_after.as_secs()));
                }
                _ = clock.tick() => {
                    let (wall_then, mono_then) = wall;
                    wall = (SystemTime::now(), Instant::now());
                    let wall_elapsed = wall.0.duration_since(wall_then).unwrap_or_default();
                    if wall_elapsed > mono_then.elapsed() + self.config.sleep_jump {
                        // The machine slept: the socket is probably dead, do not wait 40 s to find out.
                        break Ended::RetryNow;
                    }
                }
                command = self.commands.recv() => match command {
                    None | Some(Command::Shutdown) => {
                        let _ = socket.close(None).await;
                        break Ended::Shutdown;
                    }
                    Some(Command::Reconnect) => break Ended::RetryNow,
                    Some(Command::SignOut(reason)) => {
                        self.renewal_over = true;
                        let _ = socket.close(None).await;
                        break Ended::SignedOut(reason);
                    }
                    Some(Command::SetToken(token)) => {
                        let renewed = Authenticate { token: token.clone(), resume_after: None };
                        let frame = RequestFrame::new(event::AUTHENTICATE, renewed, None).to_json();
                        self.set_token(token);
                        let _ = socket.send(Message::Text(frame.into())).await;
                    }
                    Some(other) if online => {
                        if let Some(request) = request_frame(&other) {
                            let _ = socket.send(Message::Text(request.into())).await;
                        }
                    }
                    Some(other) => self.queue(other),
                },
            }
        };
        if let (Some(seq), true) = (cursor, cursor != saved) {
            self.position.save(seq);
        }
        ended
    }
}

impl Client {
    /// Emits a frame once, advancing the cursor past stored events.
    fn deliver(&mut self, frame: ServerMessage, cursor: &mut Option<i64>) {
        if let Some(id) = &frame.id {
            if !self.seen.first_time(id) {
                return;
            }
        }
        if let Some(seq) = frame.seq {
            *cursor = Some(cursor.map_or(seq, |c| c.max(seq)));
        }
        self.emit(Update::Event(frame));
    }

    /// Emits the frames held during a resume, in `seq` order.
    fn release(&mut self, held: &mut Vec<ServerMessage>, cursor: &mut Option<i64>) {
        held.sort_by_key(|f| f.seq.unwrap_or(0));
        for frame in std::mem::take(held) {
            self.deliver(frame, cursor);
        }
    }
}

/// The frame a shell command becomes, as the text sent on the wire.
fn request_frame(command: &Command) -> Option<String> {
    let read = |ids: Option<Vec<String>>, chat_id: Option<String>| MarkRead { ids, up_to: None, chat_id };
    let text = match command {
        Command::MarkRead(ids) => {
            RequestFrame::new(event::MARK_READ, read(Some(ids.clone()), None), None).to_json()
        }
        Command::MarkChatRead(chat_id) => {
            RequestFrame::new(event::MARK_READ, read(None, Some(chat_id.clone())), None).to_json()
        }
        Command::MarkAllRead => RequestFrame::new(event::MARK_ALL_READ, Empty {}, None).to_json(),
        Command::Clear => RequestFrame::new(event::CLEAR, Empty {}, None).to_json(),
        Command::SendMessage { chat_id, message, reference } => {
            let data =
                ChatMessage { chat_id: Some(chat_id.clone()), message: message.clone(), to_user_id: None };
            RequestFrame::new(event::MESSAGE, data, Some(reference)).to_json()
        }
        Command::MessageUser { to_user_id, message, reference } => {
            let data =
                ChatMessage { chat_id: None, message: message.clone(), to_user_id: Some(to_user_id.clone()) };
            RequestFrame::new(event::MESSAGE, data, Some(reference)).to_json()
        }
        Command::UpdateBooking { booking_id, status, reference } => {
            let data = BookingUpdate { booking_id: booking_id.clone(), status: *status };
            RequestFrame::new(event::BOOKING_UPDATE, data, Some(reference)).to_json()
        }
        _ => return None,
    };
    Some(text)
}

fn ended_by_close(close: Option<(CloseCode, String)>) -> Ended {
    match close {
        Some((code, reason)) if u16::from(code) == close::UNAUTHORIZED => {
            Ended::SignedOut(if reason.is_empty() { "signed out by the server".into() } else { reason })
        }
        Some((code, _)) if u16::from(code) == close::GOING_AWAY => {
            Ended::Retry("the server restarted".into())
        }
        Some((code, _)) if u16::from(code) == close::SERVICE_RESTART => {
            Ended::Retry("the server moved this connection to another node".into())
        }
        Some((code, reason)) => Ended::Retry(format!("closed by the server ({}): {reason}", u16::from(code))),
        None => Ended::Retry("closed by the server".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use urutibiz_protocol::ClientFrame;

    /// What the server reads of a command's frame.
    fn read(command: Command) -> ClientFrame {
        ClientFrame::parse(&request_frame(&command).expect("a frame")).expect("a frame the server reads")
    }

    #[test]
    fn commands_become_the_frames_the_server_reads() {
        let update = read(Command::UpdateBooking {
            booking_id: "b1".into(),
            status: BookingStatus::Confirmed,
            reference: "popup-1".into(),
        });
        assert_eq!(
            (update.event.as_str(), update.reference.as_deref()),
            (event::BOOKING_UPDATE, Some("popup-1"))
        );
        let data: BookingUpdate = update.payload().unwrap();
        assert_eq!((data.booking_id.as_str(), data.status), ("b1", BookingStatus::Confirmed));

        let reply = read(Command::SendMessage {
            chat_id: "dm-1".into(),
            message: "Yes".into(),
            reference: "send-2".into(),
        });
        let data: ChatMessage = reply.payload().unwrap();
        assert_eq!(
            (data.chat_id.as_deref(), data.to_user_id, data.message.as_str()),
            (Some("dm-1"), None, "Yes")
        );
        let first = read(Command::MessageUser {
            to_user_id: "r1".into(),
            message: "Hi".into(),
            reference: "send-3".into(),
        });
        let data: ChatMessage = first.payload().unwrap();
        assert_eq!((data.chat_id, data.to_user_id.as_deref()), (None, Some("r1")));

        let chat_read: MarkRead = read(Command::MarkChatRead("dm-1".into())).payload().unwrap();
        assert_eq!((chat_read.ids, chat_read.chat_id.as_deref()), (None, Some("dm-1")));
        let ids: MarkRead = read(Command::MarkRead(vec!["n1".into()])).payload().unwrap();
        assert_eq!(ids.ids, Some(vec!["n1".to_owned()]));
        assert_eq!(read(Command::MarkAllRead).event, event::MARK_ALL_READ);
        assert_eq!(read(Command::Clear).event, event::CLEAR);
        assert_eq!(request_frame(&Command::Reconnect), None);
    }
}
