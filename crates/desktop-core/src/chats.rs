//! The user's conversations as the Chats view shows them: the list (names,
//! last message, unread per chat) page by page, one open conversation
//! whose history loads a page at a time as the person scrolls back, live
//! messages and the person's own replies shown at once (a refused send
//! says why). The shell (`src-tauri/src/chats.rs`) loads the pages and
//! keeps this under its lock.

use serde::Serialize;
use ts_rs::TS;
use urutibiz_protocol::api::{ChatSummary, Cursor, MessageItem, Page};
use urutibiz_protocol::server::{MessageSent, NewMessage};

/// One conversation in the list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChatRow {
    /// The chat.
    pub id: String,
    /// The other participant.
    pub other_party_id: String,
    /// Their name (their id when the server knows no name).
    pub other_party_name: String,
    /// The latest message's text.
    pub last_message: Option<String>,
    /// The latest message is the user's own.
    pub last_from_me: bool,
    /// When it was written, Unix milliseconds.
    #[ts(type = "number | null")]
    pub last_at: Option<i64>,
    /// Messages the user has not read.
    #[ts(type = "number")]
    pub unread: i64,
}

/// One message of the open conversation.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChatMessage {
    /// The message id (`local-…` until the server confirms one of ours).
    pub id: String,
    /// Written by the signed-in user.
    pub mine: bool,
    /// The writer's name.
    pub from_name: String,
    /// The text.
    pub text: String,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub at: i64,
    /// Ours, and the server has not confirmed it yet.
    pub sending: bool,
    /// Ours, and the server refused it: why, for the person.
    pub failed: Option<String>,
}

/// The conversation shown next to the list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OpenChat {
    /// The chat.
    pub id: String,
    /// The other participant's name, once known.
    pub title: Option<String>,
    /// Oldest first, like a conversation.
    pub messages: Vec<ChatMessage>,
    /// A page is on its way.
    pub loading: bool,
    /// Older messages exist on the server.
    pub has_older: bool,
    /// Why the last page failed (`not found` for a chat that is not the user's).
    pub error: Option<String>,
}

/// The Chats view's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChatsView {
    /// Most recently active first; `None` until the first load.
    pub rows: Option<Vec<ChatRow>>,
    /// More chats exist than are listed.
    pub has_more: bool,
    /// Why the last list load failed.
    pub error: Option<String>,
    /// The open conversation.
    pub open: Option<OpenChat>,
}

/// The view plus the cursors behind it.
#[derive(Debug, Default)]
pub struct Chats {
    view: ChatsView,
    /// The list's next page.
    next_chats: Option<Cursor>,
    /// The open conversation's next older page.
    older_than: Option<Cursor>,
}

impl ChatRow {
    /// A row from an item of `GET /api/v1/chats`, seen by `me`; `None`
    /// when no other participant is listed.
    pub fn from_server(v: &ChatSummary, me: &str) -> Option<ChatRow> {
        let other = v.participants.iter().find(|p| p.id != me)?;
        let last = v.last_message.as_ref().map(|m| &m.message);
        Some(ChatRow {
            id: v.id.clone(),
            other_party_name: Some(other.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| other.id.clone()),
            other_party_id: other.id.clone(),
            last_message: last.map(|m| m.message.clone()),
            last_from_me: last.is_some_and(|m| m.from_user_id == me),
            last_at: last.map(|m| m.at),
            unread: v.unread_count,
        })
    }
}

impl ChatMessage {
    /// A message from an item of `GET /api/v1/chats/{id}/messages`.
    fn from_server(v: &MessageItem, me: &str) -> ChatMessage {
        let m = &v.message;
        ChatMessage {
            id: m.message_id.clone(),
            mine: m.from_user_id == me,
            from_name: Some(m.from_name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| m.from_user_id.clone()),
            text: m.message.clone(),
            at: m.at,
            sending: false,
            failed: None,
        }
    }
}

impl Chats {
    /// What the window shows.
    pub fn view(&self) -> &ChatsView {
        &self.view
    }

    /// Where the list's next page starts; `None` at its end.
    pub fn next_chats(&self) -> Option<Cursor> {
        self.next_chats.clone()
    }

    /// The open conversation's id.
    pub fn open_id(&self) -> Option<&str> {
        self.view.open.as_ref().map(|o| o.id.as_str())
    }

    /// A page of the list arrived; `more` appends it to what is listed.
    pub fn list_loaded(&mut self, page: Result<Page<ChatSummary>, String>, me: &str, more: bool) {
        match page {
            Ok(page) => {
                let rows: Vec<ChatRow> =
                    page.items.iter().filter_map(|v| ChatRow::from_server(v, me)).collect();
                let listed = self.view.rows.get_or_insert_with(Vec::new);
                if !more {
                    listed.clear();
                }
                for row in rows {
                    listed.retain(|r| r.id != row.id);
                    listed.push(row);
                }
                self.view.has_more = page.next_before.is_some();
                self.next_chats = page.next_before;
                self.view.error = None;
                self.name_open_chat();
            }
            Err(e) => self.view.error = Some(e),
        }
    }

    /// Starts showing `chat_id` (its first page is to be loaded); `read`
    /// when the person opened it, so its unread count goes.
    pub fn open(&mut self, chat_id: &str, read: bool) {
        self.view.open = Some(OpenChat {
            id: chat_id.to_owned(),
            title: None,
            messages: Vec::new(),
            loading: true,
            has_older: false,
            error: None,
        });
        self.older_than = None;
        self.name_open_chat();
        if read {
            self.seen(chat_id);
        }
    }

    /// The person has seen `chat_id`: its row shows nothing unread; the
    /// server's count follows with the next reload.
    pub fn seen(&mut self, chat_id: &str) {
        if let Some(row) = self.view.rows.iter_mut().flatten().find(|r| r.id == chat_id) {
            row.unread = 0;
        }
    }

    /// The page to ask for next for the open chat, marking it loading; `None`
    /// when nothing is open, a page is already on its way, or none is left.
    pub fn want_older(&mut self) -> Option<(String, Cursor)> {
        let open = self.view.open.as_mut()?;
        if open.loading || !open.has_older {
            return None;
        }
        open.loading = true;
        Some((open.id.clone(), self.older_than.clone()?))
    }

    /// A page of `chat_id`'s messages arrived (newest first, as the server
    /// sends them); dropped if the user opened another chat meanwhile.
    pub fn messages_loaded(&mut self, chat_id: &str, page: Result<Page<MessageItem>, String>, me: &str) {
        let Some(open) = self.view.open.as_mut().filter(|o| o.id == chat_id) else { return };
        open.loading = false;
        match page {
            Ok(page) => {
                let mut older: Vec<ChatMessage> =
                    page.items.iter().rev().map(|v| ChatMessage::from_server(v, me)).collect();
                older.retain(|m| !open.messages.iter().any(|shown| shown.id == m.id));
                older.append(&mut open.messages);
                open.messages = older;
                open.has_older = page.next_before.is_some();
                open.error = None;
                self.older_than = page.next_before;
            }
            Err(e) => open.error = Some(e),
        }
    }

    /// A message arrived live; `in_sight` says whether the window is in
    /// front of the person. Returns whether the list lacks its chat (a new
    /// conversation: the list must be reloaded).
    pub fn live(&mut self, message: &NewMessage, me: &str, in_sight: bool) -> bool {
        let mine = message.from_user_id == me;
        let open = self.view.open.as_mut().filter(|o| o.id == message.chat_id);
        let repeat = open.as_ref().is_some_and(|o| o.messages.iter().any(|m| m.id == message.message_id));
        if let Some(open) = open.filter(|_| !repeat) {
            open.messages.push(ChatMessage {
                id: message.message_id.clone(),
                mine,
                from_name: message.from_name.clone(),
                text: message.message.clone(),
                at: message.at,
                sending: false,
                failed: None,
            });
        }
        // Unread unless the person is looking at it: open in a window in
        // front of them. Open behind other windows, it counts (as the server
        // counts it) until the window comes into sight and reads it. A
        // message already shown (a page and the live frame raced) counts once.
        let is_open = self.open_id() == Some(message.chat_id.as_str());
        let seen = is_open && in_sight;
        let unread = !(mine || repeat || seen);
        self.raise(&message.chat_id, &message.message, mine, message.at, unread)
    }

    /// The user wrote in `chat_id`: shown at once as sending, under the
    /// request's `reference` until the server answers. Returns whether the
    /// list lacks the chat.
    pub fn echo(&mut self, chat_id: &str, message: &str, my_name: &str, at: i64, reference: &str) -> bool {
        if let Some(open) = self.view.open.as_mut().filter(|o| o.id == chat_id) {
            open.messages.push(ChatMessage {
                id: reference.to_owned(),
                mine: true,
                from_name: my_name.to_owned(),
                text: message.to_owned(),
                at,
                sending: true,
                failed: None,
            });
        }
        self.raise(chat_id, message, true, at, false)
    }

    /// The server stored the user's message sent under `reference`: it
    /// takes the server's id and time.
    pub fn sent(&mut self, sent: &MessageSent, reference: &str) {
        let Some(open) = self.view.open.as_mut().filter(|o| o.id == sent.chat_id) else { return };
        if let Some(message) = open.messages.iter_mut().find(|m| m.sending && m.id == reference) {
            message.id.clone_from(&sent.message_id);
            message.at = sent.at;
            message.sending = false;
        }
    }

    /// The server refused the message sent under `reference`: it stays in
    /// the conversation, saying why, instead of sending forever.
    pub fn refused(&mut self, reference: &str, why: &str) {
        let Some(open) = self.view.open.as_mut() else { return };
        if let Some(message) = open.messages.iter_mut().find(|m| m.sending && m.id == reference) {
            message.sending = false;
            message.failed = Some(why.to_owned());
        }
    }

    /// Forgets everything (another user signed in, or signed out).
    pub fn forget(&mut self) {
        *self = Chats::default();
    }

    /// Moves a chat to the top with its new last message; `true` if unknown.
    fn raise(&mut self, chat_id: &str, message: &str, mine: bool, at: i64, unread: bool) -> bool {
        let Some(rows) = self.view.rows.as_mut() else { return true };
        let Some(at_row) = rows.iter().position(|r| r.id == chat_id) else { return true };
        let mut row = rows.remove(at_row);
        row.last_message = Some(message.to_owned());
        row.last_from_me = mine;
        row.last_at = Some(at);
        row.unread += i64::from(unread);
        rows.insert(0, row);
        false
    }

    fn name_open_chat(&mut self) {
        let Some(open) = self.view.open.as_mut() else { return };
        if let Some(row) = self.view.rows.iter().flatten().find(|r| r.id == open.id) {
            open.title = Some(row.other_party_name.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn chat(id: &str, other: &str, name: &str, last: Option<(&str, &str, i64)>, unread: i64) -> Value {
        json!({
            "id": id,
            "participants": [{"id": "me", "name": "Amina"}, {"id": other, "name": name}],
            "lastMessage": last.map(|(from, text, at)| json!({"chatId": id, "messageId": format!("m{at}"),
                "fromUserId": from, "fromName": from, "message": text, "at": at, "seq": at})),
            "unreadCount": unread,
        })
    }

    fn message(id: &str, from: &str, text: &str, at: i64) -> Value {
        json!({"chatId": "c1", "messageId": id, "fromUserId": from, "fromName": "Jean", "message": text, "at": at,
               "seq": at})
    }

    /// A page as the server writes it, read as the client core reads it.
    fn page<T: serde::de::DeserializeOwned>(
        items: Vec<Value>,
        next: Option<&str>,
    ) -> Result<Page<T>, String> {
        let next = next.map(|n| n.parse().map_or_else(|_| json!(n), |seq: i64| json!(seq)));
        Ok(serde_json::from_value(json!({"items": items, "nextBefore": next})).unwrap())
    }

    fn live(chat_id: &str, id: &str, from: &str, text: &str, at: i64) -> NewMessage {
        NewMessage {
            chat_id: chat_id.into(),
            message_id: id.into(),
            from_user_id: from.into(),
            from_name: "Jean".into(),
            message: text.into(),
            at,
        }
    }

    #[test]
    fn the_list_names_the_other_party_and_pages_without_repeats() {
        let mut chats = Chats::default();
        let first = vec![chat("c1", "jean", "Jean", Some(("jean", "Free on Friday?", 9)), 2)];
        chats.list_loaded(page(first, Some("9:c1")), "me", false);
        let row = &chats.view().rows.as_ref().unwrap()[0];
        assert_eq!(row.other_party_name, "Jean");
        assert_eq!(row.last_message.as_deref(), Some("Free on Friday?"));
        assert!(!row.last_from_me);
        assert_eq!(row.unread, 2);
        assert!(chats.view().has_more);

        let second = vec![chat("c1", "jean", "Jean", None, 0), chat("c2", "eric", "Eric", None, 0)];
        chats.list_loaded(page(second, None), "me", true);
        let ids: Vec<_> = chats.view().rows.as_ref().unwrap().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
        assert!(!chats.view().has_more);

        chats.list_loaded(Err("the server answered 500".into()), "me", false);
        assert_eq!(chats.view().error.as_deref(), Some("the server answered 500"));
        assert_eq!(chats.view().rows.as_ref().unwrap().len(), 2, "a failed reload keeps what was shown");
    }

    #[test]
    fn a_conversation_a_link_opened_stays_unread_until_seen() {
        let mut chats = Chats::default();
        chats.list_loaded(page(vec![chat("c1", "jean", "Jean", None, 3)], None), "me", false);
        chats.open("c1", false);
        assert_eq!(chats.open_id(), Some("c1"));
        assert_eq!(chats.view().rows.as_ref().unwrap()[0].unread, 3, "shown, not read");
        chats.seen("c1");
        assert_eq!(chats.view().rows.as_ref().unwrap()[0].unread, 0);
    }

    #[test]
    fn a_conversation_loads_newest_page_then_older_pages_before_it() {
        let mut chats = Chats::default();
        chats.list_loaded(page(vec![chat("c1", "jean", "Jean", None, 3)], None), "me", false);
        chats.open("c1", true);
        assert_eq!(chats.view().rows.as_ref().unwrap()[0].unread, 0);
        assert_eq!(chats.want_older(), None, "the first page is on its way");
        let newest = vec![message("m4", "jean", "four", 4), message("m3", "me", "three", 3)];
        chats.messages_loaded("c1", page(newest, Some("3")), "me");
        let open = chats.view().open.clone().unwrap();
        assert_eq!(open.title.as_deref(), Some("Jean"));
        assert_eq!(open.messages.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["three", "four"]);
        assert!(open.messages[0].mine && !open.messages[1].mine);

        assert_eq!(chats.want_older(), Some(("c1".into(), Cursor::Position(3))));
        assert_eq!(chats.want_older(), None, "one page at a time");
        // An older page that overlaps (a message arrived between pages) adds no repeats.
        let older = vec![
            message("m3", "me", "three", 3),
            message("m2", "jean", "two", 2),
            message("m1", "jean", "one", 1),
        ];
        chats.messages_loaded("c1", page(older, None), "me");
        let open = chats.view().open.clone().unwrap();
        assert_eq!(open.messages.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m1", "m2", "m3", "m4"]);
        assert!(!open.has_older);
        assert_eq!(chats.want_older(), None);

        // A page for a chat the user has left is dropped.
        chats.open("c2", true);
        chats.messages_loaded("c1", page(vec![message("m9", "jean", "late", 9)], None), "me");
        assert!(chats.view().open.as_ref().unwrap().messages.is_empty());
        chats.messages_loaded("c2", Err("not found".into()), "me");
        assert_eq!(chats.view().open.as_ref().unwrap().error.as_deref(), Some("not found"));
    }

    #[test]
    fn live_messages_move_their_chat_up_and_count_unless_open() {
        let mut chats = Chats::default();
        let rows = vec![chat("c1", "jean", "Jean", None, 0), chat("c2", "eric", "Eric", None, 0)];
        chats.list_loaded(page(rows, None), "me", false);
        assert!(!chats.live(&live("c2", "m1", "eric", "Still free?", 5), "me", true));
        let rows = chats.view().rows.clone().unwrap();
        assert_eq!((rows[0].id.as_str(), rows[0].unread), ("c2", 1));
        assert_eq!(rows[0].last_message.as_deref(), Some("Still free?"));

        chats.open("c1", true);
        chats.messages_loaded("c1", page(vec![], None), "me");
        assert!(!chats.live(&live("c1", "m2", "jean", "Hello", 6), "me", true));
        assert!(!chats.live(&live("c1", "m2", "jean", "Hello", 6), "me", true), "a repeat is shown once");
        let view = chats.view().clone();
        assert_eq!(view.rows.as_ref().unwrap()[0].unread, 0, "the open chat is being read");
        assert_eq!(view.open.as_ref().unwrap().messages.len(), 1);

        assert!(
            chats.live(&live("c9", "m3", "ann", "New here", 7), "me", true),
            "an unlisted chat asks for a reload"
        );
    }

    #[test]
    fn a_message_to_the_open_chat_behind_other_windows_counts_until_seen() {
        let mut chats = Chats::default();
        chats.list_loaded(page(vec![chat("c1", "jean", "Jean", None, 0)], None), "me", false);
        chats.open("c1", true);
        chats.messages_loaded("c1", page(vec![], None), "me");
        chats.live(&live("c1", "m1", "jean", "Are you there?", 5), "me", false);
        chats.live(&live("c1", "m1", "jean", "Are you there?", 5), "me", false);
        let view = chats.view().clone();
        assert_eq!(view.rows.as_ref().unwrap()[0].unread, 1, "counted once, as the server counts it");
        assert_eq!(view.open.as_ref().unwrap().messages.len(), 1);
        // The window comes into sight and reads it.
        chats.seen("c1");
        assert_eq!(chats.view().rows.as_ref().unwrap()[0].unread, 0);
    }

    #[test]
    fn own_replies_show_at_once_and_take_the_servers_id() {
        let mut chats = Chats::default();
        chats.list_loaded(page(vec![chat("c1", "jean", "Jean", None, 0)], None), "me", false);
        chats.open("c1", true);
        chats.messages_loaded("c1", page(vec![], None), "me");
        chats.echo("c1", "Yes, it is.", "Amina", 10, "send-1");
        chats.echo("c1", "Pick up at 9?", "Amina", 11, "send-2");
        let open = chats.view().open.clone().unwrap();
        assert!(open.messages.iter().all(|m| m.sending && m.mine));
        assert!(chats.view().rows.as_ref().unwrap()[0].last_from_me);
        // Answers match their request, in whatever order they come.
        chats.sent(&MessageSent { chat_id: "c1".into(), message_id: "m8".into(), at: 12 }, "send-2");
        let open = chats.view().open.clone().unwrap();
        assert!(open.messages[0].sending);
        assert_eq!((open.messages[1].id.as_str(), open.messages[1].sending), ("m8", false));
        chats.sent(&MessageSent { chat_id: "c1".into(), message_id: "m7".into(), at: 12 }, "send-1");
        let open = chats.view().open.clone().unwrap();
        assert_eq!((open.messages[0].id.as_str(), open.messages[0].sending), ("m7", false));
        // A reply in a chat not yet listed (the first message from a booking row).
        assert!(chats.echo("dm-new", "Hi", "Amina", 13, "send-3"));
    }

    #[test]
    fn a_refused_message_says_why_instead_of_sending_forever() {
        let mut chats = Chats::default();
        chats.list_loaded(page(vec![chat("c1", "jean", "Jean", None, 0)], None), "me", false);
        chats.open("c1", true);
        chats.messages_loaded("c1", page(vec![], None), "me");
        chats.echo("c1", "Hello again", "Amina", 10, "send-1");
        chats.echo("c1", "And again", "Amina", 11, "send-2");
        chats.refused("send-2", "Too many messages; try again in 30 s.");
        let open = chats.view().open.clone().unwrap();
        assert!(open.messages[0].sending && open.messages[0].failed.is_none());
        assert!(!open.messages[1].sending);
        assert_eq!(open.messages[1].failed.as_deref(), Some("Too many messages; try again in 30 s."));
        // An answer for another request changes nothing here.
        chats.refused("send-9", "no");
        assert!(chats.view().open.clone().unwrap().messages[0].sending);
    }
}
