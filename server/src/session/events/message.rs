//! `message`: a chat message, to a chat of the sender's (`chatId`) or to
//! another user (`toUserId`). Two users have one chat, whose id the server
//! derives from the pair; the backend may create others. A chat between two
//! users starts only if they share a booking (or first contact is allowed),
//! within the sender's quotas of new chats and messages.

use crate::clock::now_ms;
use crate::publish::{data_of, new_event, new_id, notification, routed};
use crate::quotas::Spend;
use crate::session::state::{answer, Outcome, Refusal, Session};
use crate::store::Chat;
use urutibiz_protocol::client::Message;
use urutibiz_protocol::notification_data::MessageNotificationData;
use urutibiz_protocol::room::is_valid_id;
use urutibiz_protocol::server::{MessageSent, NewMessage};
use urutibiz_protocol::{event, ErrorCode, Room};

/// Longest message, in characters.
pub(super) const MAX_MESSAGE_CHARS: usize = 4000;
/// The refusal for a chat the sender is not in, or that does not exist.
const NOT_A_PARTICIPANT: &str = "not a chat of yours; to write to someone, give `toUserId`";
/// The refusal for a first message to a stranger.
const NO_SHARED_BOOKING: &str = "you can write to this user once you share a booking";
/// Characters of a message shown in its notification.
const PREVIEW_CHARS: usize = 140;

pub(super) async fn handle(session: &mut Session, p: Message, reference: Option<&str>) -> Outcome {
    let invalid = |m: &str| Refusal::new(ErrorCode::InvalidPayload, m);
    if p.chat_id.as_deref().is_some_and(|id| !is_valid_id(id)) {
        return Err(invalid("`chatId` must be 1-128 characters of letters, digits, _ - . : @"));
    }
    if p.to_user_id.as_deref().is_some_and(|to| !is_valid_id(to) || to == session.identity.user_id) {
        return Err(invalid("`toUserId` must be another user's id"));
    }
    if p.chat_id.is_none() && p.to_user_id.is_none() {
        return Err(invalid("give `chatId` (a chat of yours) or `toUserId` (whom to write to)"));
    }
    if p.message.trim().is_empty() {
        return Err(invalid("`message` must not be blank"));
    }
    if p.message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(invalid("`message` is longer than 4000 characters"));
    }
    let app = session.app.clone();
    let me = session.identity.user_id.clone();
    app.quotas.spend(Spend::Message, &me).map_err(|e| Refusal::rate_limited("messages", e))?;
    let chat = find_or_start_chat(session, p.chat_id.as_deref(), p.to_user_id.as_deref()).await?;
    let other = if chat.user_a == me { &chat.user_b } else { &chat.user_a };
    let id = new_id();
    let at = now_ms();
    // The directory: the backend's name for the sender, else their token's.
    let my_name = app.names.name_of(&me).await;
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
    let note_data = data_of(&MessageNotificationData {
        chat_id: chat.id.clone(),
        message_id: Some(id.clone()),
        from_user_id: Some(me.clone()),
        from_name: Some(my_name.clone()),
    });
    let note = notification(
        format!("user-{other}"),
        "message",
        &format!("Message from {my_name}"),
        &preview,
        note_data,
    );
    app.store.append(vec![routed(message, rooms, Some(session.outbox.id)), note]).await?;
    let sent = MessageSent { chat_id: chat.id, message_id: id, at };
    answer(event::MESSAGE_SENT, &sent, reference)
}

/// The chat a message goes to. A `chatId` that names a chat of the sender
/// wins; one that names no chat of theirs falls back to the pair's chat when
/// `toUserId` is given (clients of the seed invent chat ids; they are not
/// claimed). Missing and foreign chats are refused alike, so ids cannot be
/// probed.
async fn find_or_start_chat(
    session: &Session,
    chat_id: Option<&str>,
    to: Option<&str>,
) -> Result<Chat, Refusal> {
    let app = &session.app;
    let me = &session.identity.user_id;
    let not_yours = || Refusal::new(ErrorCode::Forbidden, NOT_A_PARTICIPANT);
    if let Some(id) = chat_id {
        // Someone else's chat is treated as a missing one, so what follows
        // cannot tell the two apart.
        if let Some(chat) = app.chats.get(id).await?.filter(|chat| chat.is_participant(me)) {
            let other = if &chat.user_a == me { &chat.user_b } else { &chat.user_a };
            if to.is_some_and(|to| to != other) {
                return Err(Refusal::new(ErrorCode::Forbidden, "`toUserId` is not the other participant"));
            }
            return Ok(chat);
        }
    }
    let to = to.ok_or_else(not_yours)?;
    let pair = Chat::between(me, to);
    if let Some(chat) = app.chats.get(&pair.id).await? {
        return Ok(chat);
    }
    if !app.config.first_contact_chats && !app.store.share_booking(me, to).await? {
        return Err(Refusal::new(ErrorCode::Forbidden, NO_SHARED_BOOKING));
    }
    app.quotas.spend(Spend::NewChat, me).map_err(|e| Refusal::rate_limited("new chats", e))?;
    Ok(app.chats.create(pair).await?)
}
