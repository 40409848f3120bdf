//! The app as one state machine: what the client core reports, what the
//! person does (in the window, the tray, on a popup), the popup timers and
//! the history load come in as an [`Input`]; what the app must do comes out
//! as [`Effect`]s, data the shell carries out (`src-tauri/src/effects.rs`):
//! show a popup, play a sound, wake later, ask the server, load a page over
//! HTTP, open the window or a web page, redraw.
//!
//! [`Machine`] owns the state these decisions read and change: the
//! history, the popups gathering or held, the Bookings and Chats views,
//! the booking requests awaiting their answer (or the connection, for a
//! short while), the tokens of the popups shown ([`crate::popup_acts`]),
//! and whether a replay is under way. The shell keeps it behind its one lock, calls
//! [`Machine::handle`] and acts after releasing the lock.

use crate::alert_text::Alert;
use crate::alert_text::Urgency;
use crate::booking_answers::{answerable, booking_of, outcome, row_outcome, sentence, Answerable, Decision};
use crate::bookings::{BookingRow, BookingsView};
use crate::chats::Chats;
use crate::deep_link::{self, Link};
use crate::history::{Change, History, Item};
use crate::popup_acts::IssuedPopups;
pub use crate::popup_acts::{PopupChoice, PopupClick, PopupTarget};
use crate::popup_rules::{opens_at, Arrival, Popup, PopupRules, Quiet};
use crate::web_page::Page;
use chrono::{DateTime, Local};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use urutibiz_protocol::api::{self, ChatSummary, Cursor, MessageItem, NotificationItem};
use urutibiz_protocol::{BookingStatus, ServerEvent, ServerMessage};

/// The references of the person's own chat messages start with this, so a
/// refusal (an `error` frame with that reference) finds its message.
pub const CHAT_REFERENCE_PREFIX: &str = "send-";

/// The references of the person's booking requests start with this, so
/// the answer finds where the request came from.
pub const BOOKING_REFERENCE_PREFIX: &str = "popup-";

/// How long a Confirm or Decline pressed while offline waits for the
/// connection: a toast's button can start the app, which needs a moment to
/// connect; an older click must not land much later.
pub const HOLD_OFFLINE_ANSWER: Duration = Duration::from_secs(30);

/// What happened.
#[derive(Debug, Clone)]
pub enum Input<'a> {
    /// A client started for a (new) session: the views are forgotten.
    ClientStarted,
    /// The connection came up: events until `resumed` are a replay.
    Online,
    /// A server frame (other than the answer to one of the person's
    /// booking buttons, which the shell's booking actions take first).
    Frame(&'a ServerMessage),
    /// The moment an earlier [`Effect::WakeAt`] asked for: gathered
    /// notifications become a popup, an answer that waited in vain for the
    /// connection says so.
    Due,
    /// Time passed: quiet hours or Do not disturb may have ended.
    Tick,
    /// The recent notifications, loaded over HTTP after [`Effect::LoadHistory`].
    HistoryLoaded(&'a [NotificationItem]),
    /// The bookings, loaded over HTTP (`Err`: why not, in words).
    BookingsLoaded(Result<Vec<BookingRow>, String>),
    /// A page of the chat list; `more`: a next page, added below.
    ChatsLoaded { page: Result<api::Page<ChatSummary>, String>, more: bool },
    /// A page of a conversation's messages.
    MessagesLoaded { chat_id: String, page: Result<api::Page<MessageItem>, String> },
    /// A popup about the app itself (signed out, an update refused): shown
    /// at once, with the system sound unless sounds are off.
    Notice { title: &'a str, body: &'a str },
    /// The person did something.
    Person(Act),
}

/// What the person did, in the window, the tray or on a popup.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// Read these notifications (opened them).
    MarkRead(Vec<String>),
    /// "Mark all as read".
    MarkAllRead,
    /// Clear the history on every device.
    Clear,
    /// Chose a recent notification in the tray menu.
    TrayItemChosen(String),
    /// Clicked a popup or one of its buttons.
    PopupClicked(PopupClick),
    /// A move on a row of the Bookings view.
    MoveBooking { booking_id: String, status: BookingStatus },
    /// Opened a conversation; `mark_read` when they opened it themselves
    /// (a click, a popup), not a link's.
    OpenChat { chat_id: String, mark_read: bool },
    /// Is looking at the open conversation (read it if the window is in
    /// sight and it is the open one).
    ReadChat(String),
    /// Scrolled up in the open conversation.
    LoadOlderMessages,
    /// Scrolled to the end of the chat list.
    LoadMoreChats,
    /// Wrote in a conversation.
    SendMessage { chat_id: String, message: String },
    /// Wrote to the other party of a booking (their chat's id known from
    /// the booking; the server starts the chat).
    MessageUser { to_user_id: String, chat_id: String, message: String },
    /// Asked for the Bookings view again (its retry).
    ReloadBookings,
    /// Asked for the chat list again (its retry).
    ReloadChats,
    /// Launched the app again, perhaps with a `urutibiz:` link: the window
    /// shows, at the link's booking or chat (a chat opened by a link is
    /// shown, not read: a link can come from anyone); a popup's link with a
    /// token this app issued is that popup's click.
    Launched(Option<Link>),
}

/// What the app asks the server, through the running client.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerRequest {
    MarkRead(Vec<String>),
    MarkAllRead,
    Clear,
    /// A conversation read on every device.
    MarkChatRead(String),
    /// A message, answered (or refused) with `reference`.
    SendMessage {
        chat_id: String,
        message: String,
        reference: String,
    },
    /// A message to a user, in the chat the server starts or finds.
    MessageUser {
        to_user_id: String,
        message: String,
        reference: String,
    },
    /// A booking move; the answer comes back with `reference`.
    UpdateBooking {
        booking_id: String,
        status: BookingStatus,
        reference: String,
    },
}

/// The words for a booking move asked for while offline.
pub const OFFLINE: &str = "Offline — try again when connected.";

/// What the machine reads of the world besides its input.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The person's popup and sound settings.
    pub quiet: Quiet<'a>,
    /// Who is signed in (their user id; empty when nobody is).
    pub me: &'a str,
    /// Their name, on their own messages.
    pub my_name: &'a str,
    /// The window is on screen in front of the person.
    pub in_sight: bool,
    /// Wall-clock time (quiet hours, Do not disturb).
    pub now: DateTime<Local>,
    /// Monotonic time (gathering popups).
    pub at: Instant,
    /// A client is running and online: requests can be sent now.
    pub online: bool,
}

/// What the shell must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Show a popup (replacing the same booking's earlier one).
    Popup(PopupOrder),
    /// Play the named alert sound (`booking`, `message`, `system`).
    Sound(&'static str),
    /// Hand back [`Input::Due`] at this moment.
    WakeAt(Instant),
    /// Load the recent notifications over HTTP and hand them back as
    /// [`Input::HistoryLoaded`].
    LoadHistory,
    /// Load the bookings now; or once a burst of changes has settled.
    LoadBookings,
    LoadBookingsSoon,
    /// Load the chat list's first page now; or once a burst of changes has
    /// settled; or the page after `Cursor`. Each comes back as
    /// [`Input::ChatsLoaded`].
    LoadChats,
    LoadChatsSoon,
    LoadMoreChats(Cursor),
    /// Load a conversation's newest messages, or those before `before`
    /// ([`Input::MessagesLoaded`]).
    LoadMessages {
        chat_id: String,
        before: Option<Cursor>,
    },
    /// The window and tray show something new; `cache`: the history
    /// changed and the cache is to be saved.
    Redraw {
        cache: bool,
    },
    /// Ask the server.
    Request(ServerRequest),
    /// Show the window, at this item (or `chat:<id>`) when given.
    ShowWindow(Option<String>),
    /// Open this page of the website in the browser.
    OpenPage(Page),
    /// The person's act could not be done; the words say why (the window
    /// shows them where it asked).
    Refused(&'static str),
}

/// A popup to show, what it is about, and the one-time token its click
/// hands back ([`PopupClick`], or a link carrying it).
#[derive(Debug, Clone, PartialEq)]
pub struct PopupOrder {
    pub alert: Alert,
    pub target: PopupTarget,
    /// Issued by [`Machine::handle`] for every popup it orders.
    pub token: String,
}

impl PopupOrder {
    /// A popup about nothing in particular (a summary, a notice).
    pub fn plain(alert: Alert) -> PopupOrder {
        PopupOrder { alert, target: PopupTarget::default(), token: String::new() }
    }

    /// A popup about one notification.
    pub fn about(alert: Alert, item: &Item) -> PopupOrder {
        let target = PopupTarget {
            focus: Some(opens_at(item)),
            booking: booking_of(item),
            answer: answerable(item),
            web: Some(Page::of_item(item)),
            read: Some(item.id.clone()),
        };
        PopupOrder { alert, target, token: String::new() }
    }

    /// The outcome of a booking button, in the place of the booking's
    /// popup; `answer` when it can still be answered (a refusal).
    pub fn for_booking(alert: Alert, booking_id: &str, answer: Option<Answerable>) -> PopupOrder {
        let target = PopupTarget {
            focus: None,
            booking: Some(booking_id.to_owned()),
            answer,
            web: Some(Page::Booking(booking_id.to_owned())),
            read: None,
        };
        PopupOrder { alert, target, token: String::new() }
    }

    /// The link a popup's button launches where the OS acts by links
    /// (Windows toasts): it leads where the popup is about (all an unknown
    /// token can show) and carries the popup's token and the choice.
    pub fn link(&self, choice: PopupChoice) -> Link {
        let target = &self.target;
        let target = if let Some(booking) = &target.booking {
            deep_link::Target::Booking(booking.clone())
        } else if let Some(chat) = target.chat() {
            deep_link::Target::Chat(chat.to_owned())
        } else {
            deep_link::Target::Notifications
        };
        Link { target, click: Some(PopupClick { choice, token: self.token.clone() }) }
    }
}

/// The state the live side decides with.
#[derive(Debug, Default)]
pub struct Machine {
    /// Notifications with their read state, the latest status per booking.
    pub history: History,
    /// Popups gathering, and held through quiet hours.
    pub popups: PopupRules,
    /// The Bookings view.
    pub bookings: BookingsView,
    /// The Chats view.
    pub chats: Chats,
    /// From going online until `resumed`, events are a replay.
    replaying: bool,
    /// Booking requests awaiting their answer, by reference.
    waiting: HashMap<String, Origin>,
    /// Confirm or Decline pressed offline, waiting for the connection until
    /// the instant each carries.
    held: Vec<(Answerable, Decision, Instant)>,
    /// The tokens of the popups shown, saved with the history (a click can
    /// come back to a later process).
    pub issued: IssuedPopups,
    next_reference: u64,
    next_message: u64,
}

/// Where a booking request came from, so its answer goes back there.
#[derive(Debug, Clone)]
enum Origin {
    /// A popup's button: the answer is a popup in its place.
    Popup(Answerable, Decision),
    /// A button of the Bookings view: the answer shows on the row.
    Window { booking_id: String },
}

impl Machine {
    /// A machine starting from the cached history.
    pub fn new(history: History) -> Machine {
        Machine { history, ..Machine::default() }
    }

    /// A machine starting from the cached history and the saved tokens of
    /// the popups shown before.
    pub fn restored(history: History, issued: IssuedPopups) -> Machine {
        Machine { history, issued, ..Machine::default() }
    }

    /// Something happened: the state changes, and what the shell must do
    /// comes back.
    pub fn handle(&mut self, input: Input<'_>, cx: &Context<'_>) -> Vec<Effect> {
        let mut effects = Vec::new();
        match input {
            Input::ClientStarted => {
                self.replaying = false;
                self.bookings.forget();
                self.chats.forget();
            }
            Input::Online => {
                self.replaying = true;
                for (booking, decision, _) in std::mem::take(&mut self.held) {
                    self.decide(booking, decision, cx, &mut effects);
                }
            }
            Input::Frame(frame) => self.frame(frame, cx, &mut effects),
            Input::Due => {
                self.flush(cx, &mut effects);
                let (due, waiting) = std::mem::take(&mut self.held).into_iter().partition(|h| h.2 <= cx.at);
                self.held = waiting;
                for (booking, _, _) in due {
                    effects.push(Effect::Popup(offline(&booking)));
                }
            }
            Input::Tick => {
                if let Some(popup) = self.popups.after_quiet_hours(cx.quiet, cx.now) {
                    show(popup, &mut effects);
                }
            }
            Input::HistoryLoaded(items) => {
                self.history.replace_from_server(items);
                effects.push(Effect::Redraw { cache: true });
            }
            Input::BookingsLoaded(rows) => {
                self.bookings.loaded(rows);
                effects.push(Effect::Redraw { cache: false });
            }
            Input::ChatsLoaded { page, more } => {
                self.chats.list_loaded(page, cx.me, more);
                effects.push(Effect::Redraw { cache: false });
            }
            Input::MessagesLoaded { chat_id, page } => {
                self.chats.messages_loaded(&chat_id, page, cx.me);
                effects.push(Effect::Redraw { cache: false });
            }
            Input::Notice { title, body } => {
                if !cx.quiet.muted {
                    effects.push(Effect::Sound("system"));
                }
                let alert = Alert {
                    title: title.to_owned(),
                    body: body.to_owned(),
                    urgency: Urgency::Normal,
                    sound: "system",
                };
                effects.push(Effect::Popup(PopupOrder::plain(alert)));
            }
            Input::Person(act) => self.act(act, cx, &mut effects),
        }
        let now_ms = cx.now.timestamp_millis();
        for effect in &mut effects {
            if let Effect::Popup(order) = effect {
                order.token = self.issued.issue(&order.target, now_ms);
            }
        }
        effects
    }

    /// A conversation was seen: its message notifications are read here
    /// at once, and on every device by the server.
    fn mark_chat_read(&mut self, chat_id: &str, effects: &mut Vec<Effect>) {
        let ids: Vec<String> = (self.history.items.iter())
            .filter(|i| !i.read && i.about().chat_id() == Some(chat_id))
            .map(|i| i.id.clone())
            .collect();
        self.history.mark_read_locally(&ids);
        effects.extend([
            Effect::Request(ServerRequest::MarkChatRead(chat_id.to_owned())),
            Effect::Redraw { cache: true },
        ]);
    }

    /// The person's own message shows at once, as sending, under a fresh
    /// reference; the request follows.
    fn own_message(
        &mut self,
        chat_id: &str,
        message: &str,
        cx: &Context<'_>,
        effects: &mut Vec<Effect>,
    ) -> String {
        self.next_message += 1;
        let reference = format!("{CHAT_REFERENCE_PREFIX}{}", self.next_message);
        let name = if cx.my_name.is_empty() { "You" } else { cx.my_name };
        if self.chats.echo(chat_id, message, name, cx.now.timestamp_millis(), &reference) {
            effects.push(Effect::LoadChatsSoon);
        }
        effects.push(Effect::Redraw { cache: false });
        reference
    }

    fn act(&mut self, act: Act, cx: &Context<'_>, effects: &mut Vec<Effect>) {
        match act {
            Act::MarkRead(ids) => self.mark_read(ids, effects),
            Act::MarkAllRead => {
                self.history.mark_all_read_locally();
                effects.extend([Effect::Request(ServerRequest::MarkAllRead), Effect::Redraw { cache: true }]);
            }
            Act::Clear => {
                self.history.clear_locally();
                effects.extend([Effect::Request(ServerRequest::Clear), Effect::Redraw { cache: true }]);
            }
            Act::TrayItemChosen(id) => {
                self.mark_read(vec![id.clone()], effects);
                effects.push(Effect::ShowWindow(Some(id)));
            }
            Act::PopupClicked(click) => {
                // A popup replaced since, or one of a previous run whose
                // token went: nothing to act on.
                self.popup_clicked(click, cx, effects);
            }
            Act::OpenChat { chat_id, mark_read } => {
                self.chats.open(&chat_id, mark_read);
                if mark_read {
                    self.mark_chat_read(&chat_id, effects);
                }
                effects.extend([
                    Effect::Redraw { cache: false },
                    Effect::LoadMessages { chat_id, before: None },
                ]);
            }
            Act::ReadChat(chat_id) => {
                if cx.in_sight && self.chats.open_id() == Some(chat_id.as_str()) {
                    self.chats.seen(&chat_id);
                    self.mark_chat_read(&chat_id, effects);
                }
            }
            Act::LoadOlderMessages => {
                if let Some((chat_id, before)) = self.chats.want_older() {
                    effects.extend([
                        Effect::Redraw { cache: false },
                        Effect::LoadMessages { chat_id, before: Some(before) },
                    ]);
                }
            }
            Act::LoadMoreChats => effects.extend(self.chats.next_chats().map(Effect::LoadMoreChats)),
            Act::SendMessage { chat_id, message } => {
                let reference = self.own_message(&chat_id, &message, cx, effects);
                effects.push(Effect::Request(ServerRequest::SendMessage { chat_id, message, reference }));
            }
            Act::MessageUser { to_user_id, chat_id, message } => {
                let reference = self.own_message(&chat_id, &message, cx, effects);
                effects.push(Effect::Request(ServerRequest::MessageUser { to_user_id, message, reference }));
            }
            Act::ReloadBookings => effects.push(Effect::LoadBookings),
            Act::ReloadChats => effects.push(Effect::LoadChats),
            Act::Launched(None) => effects.push(Effect::ShowWindow(None)),
            Act::Launched(Some(Link { target, click })) => {
                // Not a token of ours (a link from a page or a mail, a spent
                // or revoked one): it only shows what it names.
                if !click.is_some_and(|click| self.popup_clicked(click, cx, effects)) {
                    effects.push(Effect::ShowWindow(target.focus()));
                }
            }
            Act::MoveBooking { booking_id, status } => {
                if !cx.online {
                    effects.push(Effect::Refused(OFFLINE));
                    return;
                }
                self.bookings.mark(&booking_id, true, None);
                effects.push(Effect::Redraw { cache: false });
                let origin = Origin::Window { booking_id: booking_id.clone() };
                effects.push(self.request_move(booking_id, status, origin));
            }
        }
    }

    /// A click on a popup: acted on if its token is one the app issued and
    /// has not spent (`false` otherwise).
    fn popup_clicked(&mut self, click: PopupClick, cx: &Context<'_>, effects: &mut Vec<Effect>) -> bool {
        let PopupClick { choice, token } = click;
        let Some(target) = self.issued.redeem(&token, cx.now.timestamp_millis()) else { return false };
        // Acting on a popup about one notification is having seen it; a
        // Confirm or Decline with no request behind it did nothing.
        let acted = !matches!(choice, PopupChoice::Decide(_)) || target.answer.is_some();
        if let Some(id) = target.read.filter(|_| acted) {
            self.mark_read(vec![id], effects);
        }
        match choice {
            PopupChoice::Open | PopupChoice::Reply => effects.push(Effect::ShowWindow(target.focus)),
            PopupChoice::OpenOnWeb => effects.extend(target.web.map(Effect::OpenPage)),
            PopupChoice::Decide(decision) => {
                if let Some(booking) = target.answer {
                    self.decide(booking, decision, cx, effects);
                }
            }
        }
        true
    }

    fn mark_read(&mut self, ids: Vec<String>, effects: &mut Vec<Effect>) {
        self.history.mark_read_locally(&ids);
        effects.extend([Effect::Request(ServerRequest::MarkRead(ids)), Effect::Redraw { cache: true }]);
    }

    /// Confirm or Decline on a request's popup: asked of the server, or,
    /// offline, held for the connection a little while (a toast's button
    /// may have just started the app), then a popup in its place saying to
    /// try again (an old click must not land hours later).
    fn decide(
        &mut self,
        booking: Answerable,
        decision: Decision,
        cx: &Context<'_>,
        effects: &mut Vec<Effect>,
    ) {
        if !cx.online {
            let until = cx.at + HOLD_OFFLINE_ANSWER;
            self.held.push((booking, decision, until));
            effects.push(Effect::WakeAt(until));
            return;
        }
        let booking_id = booking.booking_id.clone();
        effects.push(self.request_move(booking_id, decision.status(), Origin::Popup(booking, decision)));
    }

    fn request_move(&mut self, booking_id: String, status: BookingStatus, origin: Origin) -> Effect {
        self.next_reference += 1;
        let reference = format!("{BOOKING_REFERENCE_PREFIX}{}", self.next_reference);
        self.waiting.insert(reference.clone(), origin);
        Effect::Request(ServerRequest::UpdateBooking { booking_id, status, reference })
    }

    /// The answer to one of the person's booking requests: shown where the
    /// request came from. `false` when the frame answers none.
    fn answer(&mut self, frame: &ServerMessage, effects: &mut Vec<Effect>) -> bool {
        let Some(reference) = frame.reference.as_deref().filter(|r| r.starts_with(BOOKING_REFERENCE_PREFIX))
        else {
            return false;
        };
        let Some(origin) = self.waiting.remove(reference) else { return false };
        match origin {
            Origin::Popup(booking, decision) => {
                let alert = outcome(&booking, decision, frame);
                effects.push(Effect::Popup(PopupOrder::for_booking(alert, &booking.booking_id, None)));
            }
            Origin::Window { booking_id } => {
                self.bookings.mark(&booking_id, false, row_outcome(frame));
                effects.extend([Effect::Redraw { cache: false }, Effect::LoadBookings]);
            }
        }
        true
    }

    /// The person signed out, or someone else signed in on this computer:
    /// their history, views, gathering and held popups, and the answers
    /// their clicks await go with them (the shell forgets what its store
    /// keeps of them at the same moment, under the same lock).
    pub fn forget_user(&mut self) {
        *self = Machine { next_reference: self.next_reference, ..Machine::default() };
    }

    /// A booking request awaits its answer, or the connection (only this
    /// process can show it).
    pub fn answers_waiting(&self) -> bool {
        !self.waiting.is_empty() || !self.held.is_empty()
    }

    fn frame(&mut self, frame: &ServerMessage, cx: &Context<'_>, effects: &mut Vec<Effect>) {
        if self.answer(frame, effects) {
            return;
        }
        match &frame.event {
            ServerEvent::Resumed(_) | ServerEvent::ResyncRequired(_) => {
                // The replay is over: what it brought becomes one popup, and
                // what a replay cannot bring is loaded.
                self.replaying = false;
                self.flush(cx, effects);
                effects.extend([Effect::LoadBookings, Effect::LoadChats]);
                let resync = matches!(frame.event, ServerEvent::ResyncRequired(_));
                if resync || self.history.items.is_empty() {
                    effects.push(Effect::LoadHistory);
                }
            }
            ServerEvent::NewMessage(message) => {
                if self.chats.live(message, cx.me, cx.in_sight) {
                    effects.push(Effect::LoadChatsSoon);
                }
                let open = self.chats.open_id() == Some(message.chat_id.as_str());
                if open && cx.in_sight && message.from_user_id != cx.me {
                    self.mark_chat_read(&message.chat_id, effects);
                }
                effects.push(Effect::Redraw { cache: false });
            }
            ServerEvent::MessageSent(sent) => {
                self.chats.sent(sent, frame.reference.as_deref().unwrap_or_default());
                effects.push(Effect::Redraw { cache: false });
            }
            ServerEvent::Error(error) => {
                let mine = frame.reference.as_deref().filter(|r| r.starts_with(CHAT_REFERENCE_PREFIX));
                if let Some(reference) = mine {
                    self.chats.refused(reference, &sentence(&error.message));
                    effects.push(Effect::Redraw { cache: false });
                    return;
                }
            }
            _ => {}
        }
        match self.history.apply(frame) {
            Change::Added(item) => {
                match self.popups.arrived(item, self.replaying, cx.at) {
                    Arrival::FlushNow => self.flush(cx, effects),
                    Arrival::FlushAt(at) => effects.push(Effect::WakeAt(at)),
                    Arrival::Wait => {}
                }
                effects.push(Effect::Redraw { cache: true });
            }
            Change::ReadState => {
                // Unread counts per chat are the server's to tell.
                effects.push(Effect::LoadChatsSoon);
                effects.push(Effect::Redraw { cache: true });
            }
            Change::Booking => {
                let placed = match &frame.event {
                    ServerEvent::BookingStatusChanged(change) => self.bookings.changed_live(change, cx.me),
                    _ => false,
                };
                if !placed {
                    effects.push(Effect::LoadBookingsSoon);
                }
                effects.push(Effect::Redraw { cache: false });
            }
            Change::Nothing => {}
        }
    }

    fn flush(&mut self, cx: &Context<'_>, effects: &mut Vec<Effect>) {
        if let Some(popup) = self.popups.flush(cx.quiet, cx.now, cx.at) {
            show(popup, effects);
        }
    }

    /// Something only this process can finish: popups held for the end of
    /// quiet hours, or notifications gathering for a popup.
    pub fn popups_waiting(&self) -> bool {
        self.popups.holding() || self.popups.gathering()
    }
}

/// The popup, in a request's place, saying its answer could not be sent.
fn offline(booking: &Answerable) -> PopupOrder {
    let alert = Alert {
        title: format!("Offline — {}", booking.label),
        body: "Try again when UrutiBiz is connected.".into(),
        urgency: Urgency::Normal,
        sound: "system",
    };
    PopupOrder::for_booking(alert, &booking.booking_id, None)
}

fn show(Popup { alert, sound, about }: Popup, effects: &mut Vec<Effect>) {
    if sound {
        effects.push(Effect::Sound(alert.sound));
    }
    effects.push(Effect::Popup(match &about {
        Some(item) => PopupOrder::about(alert, item),
        None => PopupOrder::plain(alert),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert_text::Urgency;
    use crate::bookings::BookingRow;
    use crate::preferences::{Preferences, QuietHours};
    use chrono::TimeZone;
    use serde_json::{json, Value};
    use std::time::Duration;

    fn frame(v: Value) -> ServerMessage {
        ServerMessage::from_value(v).unwrap()
    }

    fn request(seq: i64, booking: &str) -> ServerMessage {
        frame(json!({"event": "notification", "id": format!("n{seq}"), "seq": seq, "data": {
            "id": format!("n{seq}"), "type": "booking", "title": "Booking requested", "body": "Jean requested Camera.",
            "data": {"bookingId": booking, "status": "pending", "item": "Camera", "otherPartyName": "Jean"},
            "createdAt": 1}}))
    }

    fn system(seq: i64, title: &str) -> ServerMessage {
        frame(json!({"event": "notification", "id": format!("n{seq}"), "seq": seq, "data": {
            "id": format!("n{seq}"), "type": "system", "title": title, "body": "b", "data": {}, "createdAt": 1}}))
    }

    fn resumed() -> ServerMessage {
        frame(
            json!({"event": "resumed", "data": {"replayed": 2, "collapsed": 0, "seq": 3, "unreadCount": 2}}),
        )
    }

    /// Quiet hours every day from 11:00 to 12:30: noon is quiet.
    fn quiet_around_noon() -> Preferences {
        Preferences {
            quiet_hours: QuietHours {
                enabled: true,
                start: "11:00".into(),
                end: "12:30".into(),
                days: (0..7).collect(),
                urgent_stays_loud: true,
            },
            ..Preferences::default()
        }
    }

    fn noon() -> DateTime<Local> {
        Local.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
    }

    fn cx<'a>(preferences: &'a Preferences, at: Instant) -> Context<'a> {
        Context {
            quiet: Quiet { muted: false, dnd_until: None, preferences },
            me: "host-amina",
            my_name: "Amina",
            in_sight: false,
            now: noon(),
            at,
            online: true,
        }
    }

    /// Effects with their popups' tokens blanked (each checked to be one):
    /// tokens are random.
    fn tokenless(mut effects: Vec<Effect>) -> Vec<Effect> {
        for effect in &mut effects {
            if let Effect::Popup(order) = effect {
                assert!(crate::popup_acts::is_token(&order.token), "{order:?}");
                order.token.clear();
            }
        }
        effects
    }

    fn request_popup() -> PopupOrder {
        PopupOrder {
            token: String::new(),
            alert: Alert {
                title: "Booking requested — Camera (Jean)".into(),
                body: "Jean requested Camera.".into(),
                urgency: Urgency::Normal,
                sound: "booking",
            },
            target: PopupTarget {
                focus: Some("n1".into()),
                booking: Some("b-1".into()),
                answer: Some(Answerable { booking_id: "b-1".into(), label: "Camera".into() }),
                web: Some(Page::Booking("b-1".into())),
                read: Some("n1".into()),
            },
        }
    }

    #[test]
    fn a_live_booking_request_pops_up_at_once_with_its_buttons_and_sound() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let effects = machine.handle(Input::Frame(&request(1, "b-1")), &cx(&prefs, t));
        assert_eq!(
            tokenless(effects),
            [Effect::Sound("booking"), Effect::Popup(request_popup()), Effect::Redraw { cache: true }]
        );
        assert_eq!(machine.history.unread, 1);
    }

    #[test]
    fn a_replay_becomes_one_summary_when_it_ends_and_loads_the_views() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        assert_eq!(machine.handle(Input::Online, &cx(&prefs, t)), []);
        for seq in 1..=3 {
            let effects =
                machine.handle(Input::Frame(&system(seq, &format!("Payout {seq}"))), &cx(&prefs, t));
            assert_eq!(effects, [Effect::Redraw { cache: true }], "a replayed notification waits");
        }
        let effects = machine.handle(Input::Frame(&resumed()), &cx(&prefs, t));
        let [Effect::Sound("system"), Effect::Popup(summary), Effect::LoadBookings, Effect::LoadChats, Effect::LoadChatsSoon, Effect::Redraw { cache: true }] =
            effects.as_slice()
        else {
            panic!("unexpected effects {effects:?}");
        };
        assert_eq!(summary.alert.title, "3 new notifications");
        assert_eq!(summary.target, PopupTarget::default(), "a summary opens the list");
    }

    #[test]
    fn a_first_start_loads_the_history_over_http_and_saves_it() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.handle(Input::Online, &cx(&prefs, t));
        let effects = machine.handle(Input::Frame(&resumed()), &cx(&prefs, t));
        assert!(effects.contains(&Effect::LoadHistory), "{effects:?}");
        let items: Vec<NotificationItem> =
            serde_json::from_value(json!([{"id": "n9", "seq": 9, "type": "system",
            "title": "Welcome", "body": "b", "data": {}, "createdAt": 1, "read": false}]))
            .unwrap();
        assert_eq!(
            machine.handle(Input::HistoryLoaded(&items), &cx(&prefs, t)),
            [Effect::Redraw { cache: true }]
        );
        assert_eq!(machine.history.items[0].title, "Welcome");
    }

    #[test]
    fn notifications_close_together_gather_until_the_wake_up() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let first = machine.handle(Input::Frame(&system(1, "One")), &cx(&prefs, t));
        assert!(matches!(first.as_slice(), [Effect::Sound(_), Effect::Popup(_), Effect::Redraw { .. }]));
        let soon = t + Duration::from_millis(100);
        let second = machine.handle(Input::Frame(&system(2, "Two")), &cx(&prefs, soon));
        assert_eq!(
            second,
            [Effect::WakeAt(soon + crate::popup_rules::GATHER), Effect::Redraw { cache: true }]
        );
        assert!(machine.popups_waiting(), "the gathering holds the process");
        let third = machine.handle(Input::Frame(&system(3, "Three")), &cx(&prefs, soon));
        assert_eq!(third, [Effect::Redraw { cache: true }], "one wake-up for the burst");
        let due = machine.handle(Input::Due, &cx(&prefs, soon + crate::popup_rules::GATHER));
        let [Effect::Sound("system"), Effect::Popup(summary)] = due.as_slice() else { panic!("{due:?}") };
        assert_eq!(summary.alert.title, "2 new notifications");
        assert!(!machine.popups_waiting());
    }

    #[test]
    fn quiet_hours_hold_popups_and_the_tick_after_them_summarises() {
        let prefs = quiet_around_noon();
        let (mut machine, t) = (Machine::default(), Instant::now());
        let held = machine.handle(Input::Frame(&system(1, "Quiet")), &cx(&prefs, t));
        assert_eq!(held, [Effect::Redraw { cache: true }]);
        assert_eq!(machine.handle(Input::Tick, &cx(&prefs, t)), [], "still quiet at noon");
        let later = Context { now: noon() + chrono::Duration::minutes(31), ..cx(&prefs, t) };
        let after = machine.handle(Input::Tick, &later);
        let [Effect::Sound("system"), Effect::Popup(summary)] = after.as_slice() else { panic!("{after:?}") };
        assert!(summary.alert.title.starts_with("While it was quiet: "), "{}", summary.alert.title);
        assert_eq!(machine.handle(Input::Tick, &later), [], "summarised once");
    }

    #[test]
    fn a_live_booking_change_updates_its_row_or_reloads_the_list() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let row: BookingRow = BookingRow::from(
            &serde_json::from_value::<urutibiz_protocol::api::BookingView>(
                json!({"id": "b-1", "title": "Camera",
                "status": "pending", "hostId": "host-amina", "hostName": "Amina", "renterId": "renter-jean",
                "renterName": "Jean", "otherPartyId": "renter-jean", "otherPartyName": "Jean", "updatedAt": 1,
                "actions": ["confirmed", "rejected"], "chatId": "dm-1"}),
            )
            .unwrap(),
        );
        machine.bookings.loaded(Ok(vec![row]));
        let change = |booking: &str| {
            frame(
                json!({"event": "booking-status-changed", "id": "e", "seq": 5, "data": {"bookingId": booking,
                "status": "confirmed", "previousStatus": "pending", "changedBy": "host-amina", "at": 2}}),
            )
        };
        assert_eq!(
            machine.handle(Input::Frame(&change("b-1")), &cx(&prefs, t)),
            [Effect::Redraw { cache: false }]
        );
        assert_eq!(
            machine.handle(Input::Frame(&change("b-unknown")), &cx(&prefs, t)),
            [Effect::LoadBookingsSoon, Effect::Redraw { cache: false }]
        );
    }

    #[test]
    fn a_refused_chat_message_shows_why_and_other_errors_pass() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let refused = frame(
            json!({"event": "error", "ref": "send-1", "data": {"code": "forbidden", "message": "not a participant", "ref": "send-1"}}),
        );
        assert_eq!(machine.handle(Input::Frame(&refused), &cx(&prefs, t)), [Effect::Redraw { cache: false }]);
        let other = frame(
            json!({"event": "error", "ref": "x-1", "data": {"code": "forbidden", "message": "no", "ref": "x-1"}}),
        );
        assert_eq!(machine.handle(Input::Frame(&other), &cx(&prefs, t)), []);
    }

    #[test]
    fn a_live_message_in_the_open_chat_in_sight_is_read_at_once() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.chats.open("dm-1", true);
        let message = frame(json!({"event": "new-message", "id": "m", "seq": 3, "data": {"chatId": "dm-1",
            "messageId": "m-1", "fromUserId": "renter-jean", "fromName": "Jean", "message": "Hi", "at": 1}}));
        let in_sight = Context { in_sight: true, ..cx(&prefs, t) };
        assert_eq!(
            machine.handle(Input::Frame(&message), &in_sight),
            [
                Effect::LoadChatsSoon,
                Effect::Request(ServerRequest::MarkChatRead("dm-1".into())),
                Effect::Redraw { cache: true },
                Effect::Redraw { cache: false }
            ]
        );
    }

    #[test]
    fn a_new_client_forgets_the_views() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.bookings.loaded(Ok(vec![]));
        machine.handle(Input::Online, &cx(&prefs, t));
        assert_eq!(machine.handle(Input::ClientStarted, &cx(&prefs, t)), []);
        assert_eq!(machine.bookings, BookingsView::default());
        // Not replaying any more: a notification pops up at once.
        let effects = machine.handle(Input::Frame(&system(1, "Hello")), &cx(&prefs, t));
        assert!(matches!(effects.as_slice(), [Effect::Sound(_), Effect::Popup(_), Effect::Redraw { .. }]));
    }

    /// A click on a booking request's popup (`answer`: with its Confirm
    /// and Decline) that `machine` showed.
    fn click(machine: &mut Machine, choice: PopupChoice, answer: bool) -> PopupClick {
        let mut target = request_popup().target;
        target.answer = target.answer.filter(|_| answer);
        let token = machine.issued.issue(&target, noon().timestamp_millis());
        PopupClick { choice, token }
    }

    fn read(ids: &[&str]) -> [Effect; 2] {
        [
            Effect::Request(ServerRequest::MarkRead(ids.iter().map(|id| id.to_string()).collect())),
            Effect::Redraw { cache: true },
        ]
    }

    #[test]
    fn confirm_on_a_popup_reads_it_asks_the_server_and_the_answer_takes_its_place() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.handle(Input::Frame(&request(1, "b-1")), &cx(&prefs, t));
        let act = Act::PopupClicked(click(&mut machine, PopupChoice::Decide(Decision::Confirm), true));
        let effects = machine.handle(Input::Person(act), &cx(&prefs, t));
        let mut expected = read(&["n1"]).to_vec();
        expected.push(Effect::Request(ServerRequest::UpdateBooking {
            booking_id: "b-1".into(),
            status: BookingStatus::Confirmed,
            reference: "popup-1".into(),
        }));
        assert_eq!(effects, expected);
        assert!(machine.history.items[0].read);
        assert!(machine.answers_waiting(), "the answer holds the process");

        let answer = frame(json!({"event": "booking-updated", "ref": "popup-1",
            "data": {"bookingId": "b-1", "status": "confirmed", "previousStatus": "pending"}}));
        let effects = machine.handle(Input::Frame(&answer), &cx(&prefs, t));
        let [Effect::Popup(outcome)] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(outcome.alert.title, "Confirmed — Camera");
        assert_eq!(outcome.target.booking.as_deref(), Some("b-1"), "in the request popup's place");
        assert!(!machine.answers_waiting());
        assert_eq!(machine.handle(Input::Frame(&answer), &cx(&prefs, t)), [], "answered once");
    }

    #[test]
    fn confirm_offline_waits_for_the_connection_and_is_asked_when_it_comes() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let offline = Context { online: false, ..cx(&prefs, t) };
        let act = Act::PopupClicked(click(&mut machine, PopupChoice::Decide(Decision::Confirm), true));
        let effects = machine.handle(Input::Person(act), &offline);
        let mut expected = read(&["n1"]).to_vec();
        expected.push(Effect::WakeAt(t + HOLD_OFFLINE_ANSWER));
        assert_eq!(effects, expected);
        assert!(machine.answers_waiting(), "the held answer holds the process");
        let online = Context { at: t + Duration::from_secs(3), ..cx(&prefs, t) };
        assert_eq!(
            machine.handle(Input::Online, &online),
            [Effect::Request(ServerRequest::UpdateBooking {
                booking_id: "b-1".into(),
                status: BookingStatus::Confirmed,
                reference: "popup-1".into(),
            })]
        );
        let at_deadline = Context { at: t + HOLD_OFFLINE_ANSWER, ..online };
        assert_eq!(machine.handle(Input::Due, &at_deadline), [], "sent, so nothing to say at the deadline");
    }

    #[test]
    fn confirm_offline_that_never_connects_says_so_in_the_popups_place_and_asks_nothing() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let offline = Context { online: false, ..cx(&prefs, t) };
        let act = Act::PopupClicked(click(&mut machine, PopupChoice::Decide(Decision::Decline), true));
        machine.handle(Input::Person(act), &offline);
        let early = Context { at: t + Duration::from_secs(29), ..offline };
        assert_eq!(machine.handle(Input::Due, &early), [], "still waiting");
        let late = Context { at: t + HOLD_OFFLINE_ANSWER, ..offline };
        let effects = machine.handle(Input::Due, &late);
        let [Effect::Popup(popup)] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(popup.alert.title, "Offline — Camera");
        assert_eq!(popup.target.booking.as_deref(), Some("b-1"), "in the request popup's place");
        assert!(!machine.answers_waiting());
        assert_eq!(machine.handle(Input::Online, &cx(&prefs, t)), [], "an old click does not land later");
    }

    /// The popup `machine` ordered among `effects`.
    fn popup_of(effects: &[Effect]) -> PopupOrder {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::Popup(order) => Some(order.clone()),
                _ => None,
            })
            .expect("a popup")
    }

    #[test]
    fn a_popup_s_click_acts_once_and_a_replaced_popup_s_not_at_all() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let shown = popup_of(&machine.handle(Input::Frame(&request(1, "b-1")), &cx(&prefs, t)));
        let open = || Act::PopupClicked(PopupClick { choice: PopupChoice::Open, token: shown.token.clone() });
        assert_eq!(
            machine.handle(Input::Person(open()), &cx(&prefs, t)).last(),
            Some(&Effect::ShowWindow(Some("n1".into())))
        );
        assert_eq!(machine.handle(Input::Person(open()), &cx(&prefs, t)), [], "spent");

        let apart = t + crate::popup_rules::GATHER * 2;
        let request = popup_of(&machine.handle(Input::Frame(&request(2, "b-2")), &cx(&prefs, apart)));
        let cancelled = frame(json!({"event": "notification", "id": "n3", "seq": 3, "data": {
            "id": "n3", "type": "booking", "title": "Booking cancelled", "body": "Jean cancelled Camera.",
            "data": {"bookingId": "b-2", "status": "cancelled", "item": "Camera"}, "createdAt": 1}}));
        let later = apart + crate::popup_rules::GATHER * 2;
        let replacing = popup_of(&machine.handle(Input::Frame(&cancelled), &cx(&prefs, later)));
        assert_eq!(replacing.target.booking.as_deref(), Some("b-2"));
        let confirm = Act::PopupClicked(PopupClick {
            choice: PopupChoice::Decide(Decision::Confirm),
            token: request.token.clone(),
        });
        assert_eq!(
            machine.handle(Input::Person(confirm), &cx(&prefs, later)),
            [],
            "the request's popup was replaced: its Confirm must not act"
        );
    }

    #[test]
    fn a_toast_s_link_acts_as_its_click_and_any_other_link_only_shows() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let shown = popup_of(&machine.handle(Input::Frame(&request(1, "b-1")), &cx(&prefs, t)));
        let confirm = shown.link(PopupChoice::Decide(Decision::Confirm));
        assert_eq!(confirm.target, deep_link::Target::Booking("b-1".into()), "what a stranger's token shows");
        let forged = Link {
            click: Some(PopupClick { token: "f".repeat(32), ..confirm.click.clone().unwrap() }),
            ..confirm.clone()
        };
        let launched = |link: &Link| Input::Person(Act::Launched(Some(link.clone())));
        assert_eq!(
            machine.handle(launched(&forged), &cx(&prefs, t)),
            [Effect::ShowWindow(Some("booking:b-1".into()))],
            "a token this app did not issue confirms nothing"
        );
        assert!(!machine.history.items[0].read);
        let effects = machine.handle(launched(&confirm), &cx(&prefs, t));
        assert_eq!(
            effects.last(),
            Some(&Effect::Request(ServerRequest::UpdateBooking {
                booking_id: "b-1".into(),
                status: BookingStatus::Confirmed,
                reference: "popup-1".into(),
            }))
        );
        assert_eq!(
            machine.handle(launched(&confirm), &cx(&prefs, t)),
            [Effect::ShowWindow(Some("booking:b-1".into()))],
            "the same link again only shows"
        );
    }

    #[test]
    fn a_toast_clicked_after_a_restart_still_acts() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let shown = popup_of(&machine.handle(Input::Frame(&request(1, "b-1")), &cx(&prefs, t)));
        let saved = serde_json::to_value(&machine.issued).unwrap();
        let history = History::from_cache(machine.history.items.clone());
        let mut restarted = Machine::restored(history, serde_json::from_value(saved).unwrap());
        let decline = Act::Launched(Some(shown.link(PopupChoice::Decide(Decision::Decline))));
        let offline = Context { online: false, ..cx(&prefs, t) };
        let effects = restarted.handle(Input::Person(decline), &offline);
        assert_eq!(effects.last(), Some(&Effect::WakeAt(t + HOLD_OFFLINE_ANSWER)), "{effects:?}");
        let [Effect::Request(ServerRequest::UpdateBooking { status: BookingStatus::Rejected, .. })] =
            restarted.handle(Input::Online, &cx(&prefs, t)).as_slice()
        else {
            panic!("the decline is sent once connected")
        };
    }

    #[test]
    fn popup_links_lead_where_the_popup_is_about() {
        let order = |target| PopupOrder { target, ..request_popup() };
        let chat = order(PopupTarget { focus: Some("chat:dm-1".into()), ..PopupTarget::default() });
        assert_eq!(chat.link(PopupChoice::Reply).target, deep_link::Target::Chat("dm-1".into()));
        let summary = order(PopupTarget::default());
        assert_eq!(summary.link(PopupChoice::Open).target, deep_link::Target::Notifications);
    }

    #[test]
    fn a_button_with_no_request_behind_it_does_nothing() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let act = Act::PopupClicked(click(&mut machine, PopupChoice::Decide(Decision::Confirm), false));
        assert_eq!(machine.handle(Input::Person(act), &cx(&prefs, t)), []);
    }

    #[test]
    fn opening_a_popup_or_its_page_reads_it() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let act = Act::PopupClicked(click(&mut machine, PopupChoice::Open, true));
        let open = machine.handle(Input::Person(act), &cx(&prefs, t));
        let mut expected = read(&["n1"]).to_vec();
        expected.push(Effect::ShowWindow(Some("n1".into())));
        assert_eq!(open, expected);
        let act = Act::PopupClicked(click(&mut machine, PopupChoice::OpenOnWeb, true));
        let web = machine.handle(Input::Person(act), &cx(&prefs, t));
        let mut expected = read(&["n1"]).to_vec();
        expected.push(Effect::OpenPage(Page::Booking("b-1".into())));
        assert_eq!(web, expected);
        let tray = machine.handle(Input::Person(Act::TrayItemChosen("n7".into())), &cx(&prefs, t));
        let mut expected = read(&["n7"]).to_vec();
        expected.push(Effect::ShowWindow(Some("n7".into())));
        assert_eq!(tray, expected);
    }

    #[test]
    fn a_move_from_the_bookings_view_marks_its_row_and_shows_the_answer_there() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let offline = Context { online: false, ..cx(&prefs, t) };
        let act = || Act::MoveBooking { booking_id: "b-1".into(), status: BookingStatus::Cancelled };
        assert_eq!(machine.handle(Input::Person(act()), &offline), [Effect::Refused(OFFLINE)]);
        let effects = machine.handle(Input::Person(act()), &cx(&prefs, t));
        assert_eq!(
            effects,
            [
                Effect::Redraw { cache: false },
                Effect::Request(ServerRequest::UpdateBooking {
                    booking_id: "b-1".into(),
                    status: BookingStatus::Cancelled,
                    reference: "popup-1".into(),
                })
            ]
        );
        let refused = frame(json!({"event": "error", "ref": "popup-1",
            "data": {"code": "invalid-transition", "message": "already cancelled by Jean", "ref": "popup-1"}}));
        assert_eq!(
            machine.handle(Input::Frame(&refused), &cx(&prefs, t)),
            [Effect::Redraw { cache: false }, Effect::LoadBookings]
        );
    }

    #[test]
    fn marking_all_read_and_clearing_ask_the_server_too() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.handle(Input::Frame(&system(1, "One")), &cx(&prefs, t));
        assert_eq!(
            machine.handle(Input::Person(Act::MarkAllRead), &cx(&prefs, t)),
            [Effect::Request(ServerRequest::MarkAllRead), Effect::Redraw { cache: true }]
        );
        assert_eq!(machine.history.unread, 0);
        assert_eq!(
            machine.handle(Input::Person(Act::Clear), &cx(&prefs, t)),
            [Effect::Request(ServerRequest::Clear), Effect::Redraw { cache: true }]
        );
        assert!(machine.history.items.is_empty());
    }

    fn chat_note(seq: i64, chat: &str) -> ServerMessage {
        frame(json!({"event": "notification", "id": format!("n{seq}"), "seq": seq, "data": {
            "id": format!("n{seq}"), "type": "message", "title": "Message from Jean", "body": "Hi",
            "data": {"chatId": chat, "fromName": "Jean"}, "createdAt": 1}}))
    }

    #[test]
    fn opening_a_conversation_reads_its_notifications_and_loads_its_messages() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.handle(Input::Frame(&chat_note(1, "dm-1")), &cx(&prefs, t));
        machine.handle(Input::Frame(&chat_note(2, "dm-2")), &cx(&prefs, t));
        let act = Act::OpenChat { chat_id: "dm-1".into(), mark_read: true };
        assert_eq!(
            machine.handle(Input::Person(act), &cx(&prefs, t)),
            [
                Effect::Request(ServerRequest::MarkChatRead("dm-1".into())),
                Effect::Redraw { cache: true },
                Effect::Redraw { cache: false },
                Effect::LoadMessages { chat_id: "dm-1".into(), before: None },
            ]
        );
        let read: Vec<(&str, bool)> = machine.history.items.iter().map(|i| (i.id.as_str(), i.read)).collect();
        assert_eq!(read, [("n2", false), ("n1", true)], "only that conversation's notification");
        let page: api::Page<MessageItem> =
            serde_json::from_value(json!({"items": [{"messageId": "m-1", "seq": 4, "chatId": "dm-1",
            "fromUserId": "renter-jean", "fromName": "Jean", "message": "Hi", "at": 1}], "nextBefore": null}))
            .unwrap();
        let loaded = Input::MessagesLoaded { chat_id: "dm-1".into(), page: Ok(page) };
        assert_eq!(machine.handle(loaded, &cx(&prefs, t)), [Effect::Redraw { cache: false }]);
        assert_eq!(machine.chats.view().open.as_ref().map(|o| o.messages.len()), Some(1));
    }

    #[test]
    fn a_link_s_conversation_is_read_only_once_the_window_is_in_sight() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.handle(
            Input::Person(Act::OpenChat { chat_id: "dm-1".into(), mark_read: false }),
            &cx(&prefs, t),
        );
        let look = || Input::Person(Act::ReadChat("dm-1".into()));
        assert_eq!(machine.handle(look(), &cx(&prefs, t)), [], "out of sight");
        let in_sight = Context { in_sight: true, ..cx(&prefs, t) };
        assert_eq!(
            machine.handle(look(), &in_sight),
            [Effect::Request(ServerRequest::MarkChatRead("dm-1".into())), Effect::Redraw { cache: true }]
        );
        let other = Input::Person(Act::ReadChat("dm-9".into()));
        assert_eq!(machine.handle(other, &in_sight), [], "not the open conversation");
    }

    #[test]
    fn an_own_message_shows_at_once_and_its_refusal_says_why() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.handle(
            Input::Person(Act::OpenChat { chat_id: "dm-1".into(), mark_read: false }),
            &cx(&prefs, t),
        );
        let send = Act::SendMessage { chat_id: "dm-1".into(), message: "Still free?".into() };
        let effects = machine.handle(Input::Person(send), &cx(&prefs, t));
        assert_eq!(
            effects.last(),
            Some(&Effect::Request(ServerRequest::SendMessage {
                chat_id: "dm-1".into(),
                message: "Still free?".into(),
                reference: "send-1".into(),
            }))
        );
        let shown = machine.chats.view().open.as_ref().unwrap().messages.last().cloned().unwrap();
        assert!(shown.mine && shown.sending && shown.from_name == "Amina", "{shown:?}");
        let refused = frame(json!({"event": "error", "ref": "send-1",
            "data": {"code": "forbidden", "message": "not a participant", "ref": "send-1"}}));
        machine.handle(Input::Frame(&refused), &cx(&prefs, t));
        let failed = machine.chats.view().open.as_ref().unwrap().messages.last().cloned().unwrap();
        assert_eq!((failed.sending, failed.failed.as_deref()), (false, Some("Not a participant.")));
    }

    #[test]
    fn loads_come_back_into_the_views() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        assert_eq!(
            machine.handle(Input::Person(Act::ReloadBookings), &cx(&prefs, t)),
            [Effect::LoadBookings]
        );
        let failed = Input::BookingsLoaded(Err("offline".into()));
        assert_eq!(machine.handle(failed, &cx(&prefs, t)), [Effect::Redraw { cache: false }]);
        assert_eq!(machine.bookings.error.as_deref(), Some("offline"));
        assert_eq!(
            machine.handle(Input::Person(Act::LoadMoreChats), &cx(&prefs, t)),
            [],
            "no next page known"
        );
    }

    #[test]
    fn a_user_who_leaves_takes_everything_with_them_held_popups_included() {
        let prefs = quiet_around_noon();
        let (mut machine, t) = (Machine::default(), Instant::now());
        machine.handle(Input::Frame(&system(1, "Amina's payout")), &cx(&prefs, t));
        let confirm = click(&mut machine, PopupChoice::Decide(Decision::Confirm), true);
        machine.handle(Input::Person(Act::PopupClicked(confirm)), &cx(&prefs, t));
        let open_later = click(&mut machine, PopupChoice::Open, true);
        assert!(machine.popups.holding() && machine.answers_waiting());
        machine.forget_user();
        assert_eq!(
            machine.handle(Input::Person(Act::PopupClicked(open_later)), &cx(&prefs, t)),
            [],
            "their popups' tokens went with them"
        );
        assert!(machine.history.items.is_empty() && !machine.popups_waiting() && !machine.answers_waiting());
        let after = Context { now: noon() + chrono::Duration::minutes(31), ..cx(&prefs, t) };
        assert_eq!(
            machine.handle(Input::Tick, &after),
            [],
            "no summary of the previous user's notifications"
        );
        // Their late answer finds nothing to show.
        let answer = frame(json!({"event": "booking-updated", "ref": "popup-1",
            "data": {"bookingId": "b-1", "status": "confirmed", "previousStatus": "pending"}}));
        assert_eq!(machine.handle(Input::Frame(&answer), &cx(&prefs, t)), []);
    }

    #[test]
    fn a_notice_about_the_app_pops_up_with_the_system_sound_unless_sounds_are_off() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let notice =
            || Input::Notice { title: "Signed out of UrutiBiz", body: "Open UrutiBiz to sign in again." };
        let effects = machine.handle(notice(), &cx(&prefs, t));
        let [Effect::Sound("system"), Effect::Popup(popup)] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(popup.alert.title, "Signed out of UrutiBiz");
        assert_eq!(popup.target, PopupTarget::default());
        let muted = Context { quiet: Quiet { muted: true, ..cx(&prefs, t).quiet }, ..cx(&prefs, t) };
        assert!(matches!(machine.handle(notice(), &muted).as_slice(), [Effect::Popup(_)]));
    }

    #[test]
    fn a_launch_with_a_link_shows_the_window_there_and_reads_nothing() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        machine.handle(Input::Frame(&chat_note(1, "dm-1")), &cx(&prefs, t));
        let mut launched = |link| machine.handle(Input::Person(Act::Launched(link)), &cx(&prefs, t));
        assert_eq!(
            launched(Some(deep_link::Target::Booking("b-2".into()).into())),
            [Effect::ShowWindow(Some("booking:b-2".into()))]
        );
        assert_eq!(
            launched(Some(deep_link::Target::Chat("dm-1".into()).into())),
            [Effect::ShowWindow(Some("chat-link:dm-1".into()))]
        );
        assert_eq!(launched(None), [Effect::ShowWindow(None)]);
        assert!(!machine.history.items[0].read, "a link's conversation waits for the person to look");
    }
}
