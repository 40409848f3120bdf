//! `message`: a chat message. The first message to an unknown chat id
//! creates the chat between the sender and `toUserId`; afterwards only its
//! two participants may write to it.

use super::{answer, Outcome, Refusal, Session};
use crate::clock::now_ms;
use crate::publish::{new_event, new_id, notification, routed};
use crate::store::Chat;
use serde_json::json;
use urutibiz_protocol::client::Message;
use urutibiz_protocol::room::is_valid_id;
use urutibiz_protocol::server::{MessageSent, NewMessage};
use urutibiz_protocol::{event, ErrorCode, Room};

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// The refusal for a chat the sender is not in, or that does not exist.
const NOT_A_PARTICIPANT: &str = "not a chat of yours; to start one, give `toUserId`";
/// Characters of a message shown in its notification.
const PREVIEW_CHARS: usize = 140;

pub async fn handle(session: &mut Session, p: Message, reference: Option<&str>) -> Outcome {
    let invalid = |m: &str| Refusal::new(ErrorCode::InvalidPayload, m);
    if !is_valid_id(&p.chat_id) {
        return Err(invalid("`chatId` must be 1-128 characters of letters, digits, _ - . : @"));
    }
    if p.message.trim().is_empty() {
        return Err(invalid("`message` must not be blank"));
    }
    if p.message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(invalid("`message` is longer than 4000 characters"));
    }
    let me = session.identity.user_id.clone();
    let store = session.app.store.clone();
    // Missing and foreign chats get the same answer, so chat ids cannot be
    // probed for existence.
    let not_yours = || Refusal::new(ErrorCode::Forbidden, NOT_A_PARTICIPANT);
    let chat = match store.chat(&p.chat_id).await? {
        Some(chat) => chat,
        None => {
            let to = p.to_user_id.as_deref().ok_or_else(not_yours)?;
            if !is_valid_id(to) || to == me {
                return Err(invalid("`toUserId` must be another user's id"));
            }
            store
                .create_chat(Chat { id: p.chat_id.clone(), user_a: me.clone(), user_b: to.to_owned() })
                .await?
        }
    };
    let other = match (chat.user_a == me, chat.user_b == me) {
        (true, _) => &chat.user_b,
        (_, true) => &chat.user_a,
        _ => return Err(not_yours()),
    };
    if p.to_user_id.as_deref().is_some_and(|to| to != other) {
        return Err(Refusal::new(ErrorCode::Forbidden, "`toUserId` is not the other participant"));
    }
    let id = new_id();
    let at = now_ms();
    // The sender's token carries its name; the directory is the fallback.
    let my_name = match &session.identity.display_name {
        Some(name) => name.clone(),
        None => session.app.names.name_of(&me).await,
    };
    let payload = NewMessage {
        chat_id: chat.id.clone(),
        message_id: id.clone(),
        from_user_id: me.clone(),
        from_name: my_name.clone(),
        message: p.message,
        at,
    };
    let chat_room = Room::Chat(chat.id.clone()).to_string();
    let rooms = vec![format!("user-{me}"), format!("user-{other}"), chat_room.clone()];
    let message = new_event(chat_room, event::NEW_MESSAGE, id.clone(), at, &payload);
    // The recipient also gets a notification, so unread badges and read
    // state cover messages on every device.
    let preview: String = payload.message.chars().take(PREVIEW_CHARS).collect();
    let note_data = json!({ "chatId": chat.id, "messageId": id, "fromUserId": me, "fromName": my_name });
    let note = notification(
        format!("user-{other}"),
        "message",
        &format!("Message from {my_name}"),
        &preview,
        note_data,
    );
    store.append(vec![routed(message, rooms, Some(session.outbox.id)), note]).await?;
    let sent = MessageSent { chat_id: chat.id, message_id: id, at };
    answer(event::MESSAGE_SENT, &sent, reference)
}
