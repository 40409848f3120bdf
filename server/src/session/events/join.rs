//! `join`: enter a room the user is entitled to.

use crate::policy;
use crate::session::state::{answer, Outcome, Refusal, Session};
use urutibiz_protocol::client::Join;
use urutibiz_protocol::server::RoomReply;
use urutibiz_protocol::{event, ErrorCode, Room};

pub(super) async fn handle(session: &mut Session, p: Join, reference: Option<&str>) -> Outcome {
    let room = Room::parse(&p.room_name()).ok_or_else(|| {
        Refusal::new(ErrorCode::InvalidRoom, "rooms are user-<id>, role-<role>, booking-<id> or chat-<id>")
    })?;
    let name = room.to_string();
    if !session.rooms.contains(&name) {
        if session.rooms.len() >= session.app.config.limits.max_rooms {
            return Err(Refusal::new(
                ErrorCode::RoomLimit,
                format!("a connection may be in at most {} rooms", session.app.config.limits.max_rooms),
            ));
        }
        if !policy::may_join(session.app.store.as_ref(), &session.identity, &room).await? {
            return Err(Refusal::new(ErrorCode::Forbidden, "not allowed to join this room"));
        }
        session.enter(name.clone());
    }
    answer(event::JOINED, &RoomReply { room: name }, reference)
}
