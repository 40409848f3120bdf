//! The app's live side as one state machine: what the client core reports,
//! the popup timers and the history load come in as an [`Input`]; what the
//! app must do comes out as [`Effect`]s, data the shell carries out
//! (`src-tauri/src/live.rs`): show a popup, play a sound, wake later, load
//! a page over HTTP, mark a conversation read, redraw.
//!
//! [`Machine`] owns the state these decisions read and change: the
//! history, the popups gathering or held, the Bookings and Chats views,
//! and whether a replay is under way. The shell keeps it behind its one
//! lock, calls [`Machine::handle`] and acts after releasing the lock.

use crate::alert_text::Alert;
use crate::booking_answers::{answerable, booking_of, sentence, Answerable};
use crate::bookings::BookingsView;
use crate::chats::Chats;
use crate::history::{Change, History, Item};
use crate::popup_rules::{opens_at, Arrival, Popup, PopupRules, Quiet};
use crate::web_page::Page;
use chrono::{DateTime, Local};
use std::time::Instant;
use urutibiz_protocol::api::NotificationItem;
use urutibiz_protocol::{ServerEvent, ServerMessage};

/// The references of the person's own chat messages start with this, so a
/// refusal (an `error` frame with that reference) finds its message.
pub const CHAT_REFERENCE_PREFIX: &str = "send-";

/// What happened.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A client started for a (new) session: the views are forgotten.
    ClientStarted,
    /// The connection came up: events until `resumed` are a replay.
    Online,
    /// A server frame (other than the answer to one of the person's
    /// booking buttons, which the shell's booking actions take first).
    Frame(&'a ServerMessage),
    /// The moment an earlier [`Effect::WakeAt`] asked for: gathered
    /// notifications become a popup.
    GatherDue,
    /// Time passed: quiet hours or Do not disturb may have ended.
    Tick,
    /// The recent notifications, loaded over HTTP after [`Effect::LoadHistory`].
    HistoryLoaded(&'a [NotificationItem]),
}

/// What the machine reads of the world besides its input.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The person's popup and sound settings.
    pub quiet: Quiet<'a>,
    /// Who is signed in (their user id; empty when nobody is).
    pub me: &'a str,
    /// The window is on screen in front of the person.
    pub in_sight: bool,
    /// Wall-clock time (quiet hours, Do not disturb).
    pub now: DateTime<Local>,
    /// Monotonic time (gathering popups).
    pub at: Instant,
}

/// What the shell must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Show a popup (replacing the same booking's earlier one).
    Popup(PopupOrder),
    /// Play the named alert sound (`booking`, `message`, `system`).
    Sound(&'static str),
    /// Hand back [`Input::GatherDue`] at this moment.
    WakeAt(Instant),
    /// Load the recent notifications over HTTP and hand them back as
    /// [`Input::HistoryLoaded`].
    LoadHistory,
    /// Load the bookings now; or once a burst of changes has settled.
    LoadBookings,
    LoadBookingsSoon,
    /// Load the chat list now; or once a burst of changes has settled.
    LoadChats,
    LoadChatsSoon,
    /// The person saw this conversation: mark it read on every device.
    MarkChatRead(String),
    /// The window and tray show something new; `cache`: the history
    /// changed and the cache is to be saved.
    Redraw {
        cache: bool,
    },
}

/// A popup to show, with what it is about: where a click opens the window,
/// which booking's popup it replaces, whether it carries Confirm and
/// Decline, its page on the website, and the notification it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct PopupOrder {
    pub alert: Alert,
    /// The history item (or `chat:<id>`) the window opens at.
    pub focus: Option<String>,
    /// The booking whose popup it replaces.
    pub booking: Option<String>,
    /// A request its person can answer: Confirm and Decline.
    pub answer: Option<Answerable>,
    /// Its page on the website ("Open in browser", when one is configured).
    pub web: Option<Page>,
    /// The notification it stands for, marked read when the person acts.
    pub read: Option<String>,
}

impl PopupOrder {
    /// A popup about nothing in particular (a summary, a notice).
    pub fn plain(alert: Alert) -> PopupOrder {
        PopupOrder { alert, focus: None, booking: None, answer: None, web: None, read: None }
    }

    /// A popup about one notification.
    pub fn about(alert: Alert, item: &Item) -> PopupOrder {
        PopupOrder {
            alert,
            focus: Some(opens_at(item)),
            booking: booking_of(item),
            answer: answerable(item),
            web: Some(Page::of_item(item)),
            read: Some(item.id.clone()),
        }
    }

    /// The outcome of a booking button, in the place of the booking's
    /// popup; `answer` when it can still be answered (a refusal).
    pub fn for_booking(alert: Alert, booking_id: &str, answer: Option<Answerable>) -> PopupOrder {
        PopupOrder {
            alert,
            focus: None,
            booking: Some(booking_id.to_owned()),
            answer,
            web: Some(Page::Booking(booking_id.to_owned())),
            read: None,
        }
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
}

impl Machine {
    /// A machine starting from the cached history.
    pub fn new(history: History) -> Machine {
        Machine { history, ..Machine::default() }
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
            Input::Online => self.replaying = true,
            Input::Frame(frame) => self.frame(frame, cx, &mut effects),
            Input::GatherDue => self.flush(cx, &mut effects),
            Input::Tick => {
                if let Some(popup) = self.popups.after_quiet_hours(cx.quiet, cx.now) {
                    show(popup, &mut effects);
                }
            }
            Input::HistoryLoaded(items) => {
                self.history.replace_from_server(items);
                effects.push(Effect::Redraw { cache: true });
            }
        }
        effects
    }

    fn frame(&mut self, frame: &ServerMessage, cx: &Context<'_>, effects: &mut Vec<Effect>) {
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
                    effects.push(Effect::MarkChatRead(message.chat_id.clone()));
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

    fn noon() -> DateTime<Local> {
        Local.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
    }

    fn cx<'a>(preferences: &'a Preferences, at: Instant) -> Context<'a> {
        Context {
            quiet: Quiet { muted: false, dnd_until: None, preferences },
            me: "host-amina",
            in_sight: false,
            now: noon(),
            at,
        }
    }

    fn request_popup() -> PopupOrder {
        PopupOrder {
            alert: Alert {
                title: "Booking requested — Camera (Jean)".into(),
                body: "Jean requested Camera.".into(),
                urgency: Urgency::Normal,
                sound: "booking",
            },
            focus: Some("n1".into()),
            booking: Some("b-1".into()),
            answer: Some(Answerable { booking_id: "b-1".into(), label: "Camera".into() }),
            web: Some(Page::Booking("b-1".into())),
            read: Some("n1".into()),
        }
    }

    #[test]
    fn a_live_booking_request_pops_up_at_once_with_its_buttons_and_sound() {
        let (mut machine, prefs, t) = (Machine::default(), Preferences::default(), Instant::now());
        let effects = machine.handle(Input::Frame(&request(1, "b-1")), &cx(&prefs, t));
        assert_eq!(
            effects,
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
        assert_eq!((summary.focus.as_ref(), summary.read.as_ref()), (None, None), "a summary opens the list");
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
        let due = machine.handle(Input::GatherDue, &cx(&prefs, soon + crate::popup_rules::GATHER));
        let [Effect::Sound("system"), Effect::Popup(summary)] = due.as_slice() else { panic!("{due:?}") };
        assert_eq!(summary.alert.title, "2 new notifications");
        assert!(!machine.popups_waiting());
    }

    #[test]
    fn quiet_hours_hold_popups_and_the_tick_after_them_summarises() {
        let prefs = Preferences {
            quiet_hours: QuietHours {
                enabled: true,
                start: "11:00".into(),
                end: "12:30".into(),
                days: (0..7).collect(),
                urgent_stays_loud: true,
            },
            ..Preferences::default()
        };
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
            [Effect::LoadChatsSoon, Effect::MarkChatRead("dm-1".into()), Effect::Redraw { cache: false }]
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
}
