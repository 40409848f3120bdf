//! The state of one authenticated session, and what a client event's
//! handler answers.

use crate::app::App;
use crate::auth::{Identity, Role};
use crate::delivery::hub::Outbox;
use crate::store::{Scope, StoreError};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::time::Instant;
use urutibiz_protocol::{ErrorCode, FrameError, Room, ServerFrame};

/// State of one authenticated connection.
pub(crate) struct Session {
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
    pub(crate) fn enter(&mut self, room: String) {
        self.app.hub.join(&room, &self.outbox);
        self.rooms.insert(room);
    }

    /// Whose events this connection sees: the user, the role, and the rooms
    /// it joined.
    pub(crate) fn replay_scope(&self) -> Scope {
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
    pub(crate) fn user_scope(&self) -> Scope {
        Scope { user_id: self.identity.user_id.clone(), role: self.identity.role, rooms: Vec::new() }
    }

    /// Takes the connection out of every room.
    pub(crate) fn leave_all(&mut self) {
        for room in std::mem::take(&mut self.rooms) {
            self.app.hub.leave(&room, self.outbox.id);
        }
    }
}

/// A refused request: becomes an `error` frame with the request's ref.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable detail.
    pub message: String,
}

impl Refusal {
    /// A refusal with a code and message.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal { code, message: message.into() }
    }

    /// `rate-limited`, saying when to try again.
    pub(crate) fn rate_limited(what: &str, exhausted: crate::quotas::Exhausted) -> Refusal {
        let secs = exhausted.retry_after_secs();
        Refusal::new(ErrorCode::RateLimited, format!("too many {what}; try again in {secs} s"))
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        tracing::error!(error = %e, "storage failed");
        Refusal::new(ErrorCode::StoreUnavailable, "storage failed; nothing was stored; try again")
    }
}

impl From<FrameError> for Refusal {
    fn from(e: FrameError) -> Refusal {
        Refusal::new(e.code, e.message)
    }
}

/// What a handler asks the connection to send.
pub(crate) enum Reply {
    /// A reply frame.
    Frame(ReplyFrame),
    /// Stream stored events after this position, then `resumed`.
    Replay {
        /// Last position the client saw.
        after: i64,
    },
}

/// What a handler answers: a reply, or a refusal.
pub(crate) type Outcome = Result<Reply, Refusal>;

/// A direct reply: the event, its payload encoded once, and the ref of the
/// request it answers. `/ws` sends it as a native frame; Socket.IO as an
/// acknowledgement or an event, from the same parts.
#[derive(Debug, Clone)]
pub struct ReplyFrame {
    /// The reply's event name.
    pub event: &'static str,
    /// The payload's JSON.
    pub data: Box<RawValue>,
    /// The request's ref.
    pub reference: Option<String>,
}

impl ReplyFrame {
    /// Encodes a reply's payload, echoing the request's ref.
    pub fn new(event: &'static str, data: &impl Serialize, reference: Option<&str>) -> ReplyFrame {
        let data = serde_json::value::to_raw_value(data).expect("reply payloads always serialize");
        ReplyFrame { event, data, reference: reference.map(str::to_owned) }
    }

    /// The native frame's JSON text.
    pub fn to_json(&self) -> String {
        ServerFrame::new(self.event, &*self.data, self.reference.as_deref()).to_json()
    }
}

/// A direct reply as a handler's outcome.
pub(crate) fn answer(event: &'static str, data: &impl Serialize, reference: Option<&str>) -> Outcome {
    Ok(Reply::Frame(ReplyFrame::new(event, data, reference)))
}

/// Instant at which a token with this `exp` stops being accepted.
pub(crate) fn expiry_instant(expires_at: i64, leeway_secs: u64) -> Instant {
    let left = expires_at.saturating_add(leeway_secs as i64).saturating_sub(crate::auth::unix_now()).max(0);
    Instant::now() + std::time::Duration::from_secs(left as u64)
}
