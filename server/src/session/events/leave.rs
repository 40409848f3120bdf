//! `leave`: stop receiving a room's events. Leaving a room one is not in
//! is not an error, so a client can retry freely.

use crate::session::state::{answer, Outcome, Refusal, Session};
use urutibiz_protocol::client::Leave;
use urutibiz_protocol::server::RoomReply;
use urutibiz_protocol::{event, ErrorCode, Room};

pub(super) fn handle(session: &mut Session, p: Leave, reference: Option<&str>) -> Outcome {
    let room = Room::parse(&p.room_name())
        .ok_or_else(|| Refusal::new(ErrorCode::InvalidRoom, "not a room name"))?
        .to_string();
    if session.rooms.remove(&room) {
        session.app.hub.leave(&room, session.outbox.id);
    }
    answer(event::LEFT, &RoomReply { room }, reference)
}
