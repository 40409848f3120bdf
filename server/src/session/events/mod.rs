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

pub(crate) use authenticate::authenticated;

use super::state::{Outcome, Session};
use urutibiz_protocol::{client, event, ClientFrame, ErrorCode, FrameError};

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
    pub(crate) async fn handle(self, session: &mut Session, reference: Option<&str>) -> Outcome {
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
