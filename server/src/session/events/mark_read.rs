//! `mark-read`: some notifications, by id, up to a position or of one chat,
//! are read.
//! Every other connection of the user hears about it, so badges agree.

use crate::publish::{announce_read, read_payload};
use crate::session::state::{answer, Outcome, Refusal, Session};
use crate::store::ReadChange;
use urutibiz_protocol::client::MarkRead;
use urutibiz_protocol::room::is_valid_id;
use urutibiz_protocol::{event, ErrorCode};

/// Most ids in one `mark-read`.
pub(super) const MAX_IDS: usize = 500;

pub(super) async fn handle(session: &mut Session, p: MarkRead, reference: Option<&str>) -> Outcome {
    let change = match (p.ids, p.up_to, p.chat_id) {
        (Some(ids), None, None) if !ids.is_empty() && ids.len() <= MAX_IDS => ReadChange::Ids(ids),
        (None, Some(up_to), None) if up_to >= 0 => ReadChange::UpTo(up_to),
        (None, None, Some(chat_id)) if is_valid_id(&chat_id) => ReadChange::Chat(chat_id),
        _ => {
            return Err(Refusal::new(
                ErrorCode::InvalidPayload,
                format!("give exactly one of `ids` (1 to {MAX_IDS}), `upTo` (a seq) or `chatId`"),
            ))
        }
    };
    apply(session, change, reference).await
}

/// Applies a read-state change, tells the user's other connections, and
/// answers this one.
pub(super) async fn apply(session: &mut Session, change: ReadChange, reference: Option<&str>) -> Outcome {
    let outcome = session.app.store.change_read_state(session.user_scope(), change).await?;
    let payload = read_payload(outcome);
    announce_read(&session.app, &session.identity.user_id, &payload, Some(session.outbox.id)).await;
    answer(event::NOTIFICATIONS_READ, &payload, reference)
}
