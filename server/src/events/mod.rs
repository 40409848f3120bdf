//! Client events, one file each, dispatched by [`ClientEvent`].

mod authenticate;
mod booking_update;
mod clear;
mod join;
mod leave;
mod mark_all_read;
mod mark_read;
mod message;
mod resume;
mod send_notification;

pub use authenticate::authenticated;

use crate::auth::{Identity, Role};
use crate::hub::Outbox;
use crate::store::{Scope, StoreError};
use crate::App;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use urutibiz_protocol::{client, event, ClientFrame, ErrorCode, FrameError, Room, ServerFrame};

/// State of one authenticated connection.
pub struct Session {
    /// The server.
    pub app: Arc<App>,
    /// Who is connected; `expires_at` moves on re-authentication.
    pub identity: Identity,
    /// This connection's queue, as registered in rooms.
    pub outbox: Outbox,
    /// Rooms this connection is in.
    pub rooms: BTreeSet<String>,
}

impl Session {
    /// Puts the connection in a room (idempotent).
    pub fn enter(&mut self, room: String) {
        self.app.hub.join(&room, &self.outbox);
        self.rooms.insert(room);
    }

    /// Whose events this connection sees: the user, the role, and the rooms
    /// it joined.
    pub fn replay_scope(&self) -> Scope {
        // A user's booking and chat rooms come from current participation
        // (the store adds them); a room joined earlier proves nothing once
        // the backend moved the booking to someone else. Admins keep theirs.
        let admin = self.identity.role == Role::Admin;
        let rooms = self
            .rooms
            .iter()
            .filter(|room| admin || !matches!(Room::parse(room), Some(Room::Booking(_) | Room::Chat(_))))
            .cloned()
            .collect();
        Scope { user_id: self.identity.user_id.clone(), role: self.identity.role, rooms }
    }

    /// Whose notifications count for this user, whatever the connection.
    pub fn user_scope(&self) -> Scope {
        Scope { user_id: self.identity.user_id.clone(), role: self.identity.role, rooms: Vec::new() }
    }

    /// Takes the connection out of every room.
    pub fn leave_all(&mut self) {
        for room in std::mem::take(&mut self.rooms) {
            self.app.hub.leave(&room, self.outbox.id);
        }
    }
}

/// A refused request: becomes an `error` frame with the request's ref.
#[derive(Debug)]
pub struct Refusal {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable detail.
    pub message: String,
}

impl Refusal {
    /// A refusal with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal { code, message: message.into() }
    }

    /// `rate-limited`, saying when to try again.
    pub fn rate_limited(what: &str, exhausted: crate::quotas::Exhausted) -> Refusal {
        let secs = exhausted.retry_after_secs();
        Refusal::new(ErrorCode::RateLimited, format!("too many {what}; try again in {secs} s"))
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        tracing::error!(error = %e, "storage failed");
        Refusal::new(ErrorCode::Internal, "storage failed; try again")
    }
}

impl From<FrameError> for Refusal {
    fn from(e: FrameError) -> Refusal {
        Refusal::new(e.code, e.message)
    }
}

/// What a handler asks the connection to send.
pub enum Reply {
    /// A reply frame's JSON.
    Frame(String),
    /// Stream stored events after this position, then `resumed`.
    Replay {
        /// Last position the client saw.
        after: i64,
    },
}

/// What a handler answers: a reply, or a refusal.
pub type Outcome = Result<Reply, Refusal>;

/// Encodes a direct reply, echoing the request's ref.
pub fn reply(name: &str, data: &impl Serialize, reference: Option<&str>) -> String {
    ServerFrame::new(name, data, reference).to_json()
}

/// A direct reply as a handler's outcome.
pub fn answer(name: &str, data: &impl Serialize, reference: Option<&str>) -> Outcome {
    Ok(Reply::Frame(reply(name, data, reference)))
}

/// The events a client may send, with their payloads.
pub enum ClientEvent {
    /// `authenticate`
    Authenticate(client::Authenticate),
    /// `join`
    Join(client::Join),
    /// `leave`
    Leave(client::Leave),
    /// `message`
    Message(client::Message),
    /// `booking-update`
    BookingUpdate(client::BookingUpdate),
    /// `send-notification`
    SendNotification(client::SendNotification),
    /// `resume`
    Resume(client::Resume),
    /// `mark-read`
    MarkRead(client::MarkRead),
    /// `mark-all-read`
    MarkAllRead(client::Empty),
    /// `clear`
    Clear(client::Empty),
}

impl ClientEvent {
    /// Interprets a frame: `unknown-event` or `invalid-payload` on failure.
    pub fn from_frame(frame: &ClientFrame) -> Result<ClientEvent, FrameError> {
        Ok(match frame.event.as_str() {
            event::AUTHENTICATE => ClientEvent::Authenticate(frame.payload()?),
            event::JOIN => ClientEvent::Join(frame.payload()?),
            event::LEAVE => ClientEvent::Leave(frame.payload()?),
            event::MESSAGE => ClientEvent::Message(frame.payload()?),
            event::BOOKING_UPDATE => ClientEvent::BookingUpdate(frame.payload()?),
            event::SEND_NOTIFICATION => ClientEvent::SendNotification(frame.payload()?),
            event::RESUME => ClientEvent::Resume(frame.payload()?),
            event::MARK_READ => ClientEvent::MarkRead(frame.payload()?),
            event::MARK_ALL_READ => ClientEvent::MarkAllRead(frame.optional_payload()?),
            event::CLEAR => ClientEvent::Clear(frame.optional_payload()?),
            _ => {
                return Err(FrameError {
                    code: ErrorCode::UnknownEvent,
                    message: "unknown event".into(),
                    reference: frame.reference.clone(),
                })
            }
        })
    }

    /// Runs the event for this session.
    pub async fn handle(self, session: &mut Session, reference: Option<&str>) -> Outcome {
        match self {
            ClientEvent::Authenticate(p) => authenticate::handle(session, p, reference).await,
            ClientEvent::Join(p) => join::handle(session, p, reference).await,
            ClientEvent::Leave(p) => leave::handle(session, p, reference),
            ClientEvent::Message(p) => message::handle(session, p, reference).await,
            ClientEvent::BookingUpdate(p) => booking_update::handle(session, p, reference).await,
            ClientEvent::SendNotification(p) => send_notification::handle(session, p, reference).await,
            ClientEvent::Resume(p) => resume::handle(session, p),
            ClientEvent::MarkRead(p) => mark_read::handle(session, p, reference).await,
            ClientEvent::MarkAllRead(_) => mark_all_read::handle(session, reference).await,
            ClientEvent::Clear(_) => clear::handle(session, reference).await,
        }
    }
}
