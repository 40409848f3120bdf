//! Native notifications with notify-rust (tauri-plugin-notification has no
//! click events on desktop). No popup storms: a replay after reconnecting
//! becomes one summary when it ends, and live notifications arriving within
//! a short window of a popup are gathered into the next one. A lone live
//! notification shows at once.
//!
//! One popup per booking: later news of a booking (confirmed, started, the
//! outcome of a button) replaces its earlier popup in place. A booking
//! request carries Confirm and Decline ([`crate::booking_actions`]).
//!
//! Acting on a popup about one notification (Open, Reply, Confirm, Decline,
//! Open in browser) marks that notification read everywhere: the person
//! has seen it. A summary's Open only opens the list, where its
//! notifications still show as new.

use crate::alert_text::{alert_for, summary_for, Alert, Urgency};
use crate::booking_actions::{self, Answerable, Decision};
use crate::history::Item;
use crate::state::AppState;
use crate::{actions, dnd, web_link, window};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tauri::{AppHandle, Manager};

/// The popup action of a message that opens its conversation to answer.
const REPLY: &str = "reply";

/// The popup action that opens its page on the website.
const OPEN_ON_WEB: &str = "web";

/// Notifications within this window are shown together.
const GATHER: Duration = Duration::from_millis(1200);

/// Gathers notifications and shows them.
pub struct Popups {
    pending: Mutex<Vec<Item>>,
    scheduled: AtomicBool,
    warned: AtomicBool,
    last_shown: Mutex<Option<Instant>>,
    /// Notifications quiet hours kept from popping up, for their summary.
    held: Mutex<Vec<Item>>,
    icon: Option<PathBuf>,
    /// The popup showing each booking: its notification id and which
    /// showing it is (a replaced popup's button must not act twice).
    by_booking: Mutex<HashMap<String, Showing>>,
    /// Popups on screen waiting for a click (their threads answer it).
    on_screen: AtomicUsize,
}

/// A booking's popup on screen.
#[derive(Debug, Clone, Copy, Default)]
struct Showing {
    /// The daemon's id, 0 until it answered.
    id: u32,
    /// Counts the popups shown for the booking.
    generation: u64,
}

impl Popups {
    /// Popups are held for the end of quiet hours.
    pub fn holding(&self) -> bool {
        !self.held.lock().expect("popups lock").is_empty()
    }

    /// Something only this process can finish: popups held for the end of
    /// quiet hours, notifications gathering for a popup, or a popup on
    /// screen whose buttons this process answers.
    pub fn busy(&self) -> bool {
        self.holding()
            || !self.pending.lock().expect("popups lock").is_empty()
            || self.on_screen.load(Ordering::SeqCst) > 0
    }

    /// `icon` is a PNG path for the popup (the app icon).
    pub fn new(icon: Option<PathBuf>) -> Popups {
        Popups {
            pending: Mutex::default(),
            scheduled: AtomicBool::new(false),
            warned: AtomicBool::new(false),
            last_shown: Mutex::new(None),
            held: Mutex::default(),
            icon,
            by_booking: Mutex::default(),
            on_screen: AtomicUsize::new(0),
        }
    }
}

/// A notification arrived. During a replay it waits for [`replay_done`];
/// live, it shows at once unless a popup was just shown, in which case it
/// joins the next one.
pub fn push(app: &AppHandle, item: Item, replaying: bool) {
    let state = app.state::<AppState>();
    let popups = &state.popups;
    let mut pending = popups.pending.lock().expect("popups lock");
    pending.push(item);
    if replaying {
        return;
    }
    let recent = popups.last_shown.lock().expect("popups lock").is_some_and(|at| at.elapsed() < GATHER);
    if pending.len() == 1 && !recent && !popups.scheduled.load(Ordering::SeqCst) {
        drop(pending);
        flush(app);
        return;
    }
    drop(pending);
    if !popups.scheduled.swap(true, Ordering::SeqCst) {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(GATHER).await;
            flush(&app);
        });
    }
}

/// A replay ended: everything it brought becomes one popup.
pub fn replay_done(app: &AppHandle) {
    flush(app);
}

/// Where clicking a lone notification's popup opens the window: a message
/// at its conversation (to answer it), anything else at its history row.
fn opens_at(item: &Item) -> String {
    match item.data.get("chatId").and_then(|c| c.as_str()) {
        Some(chat_id) if item.kind == "message" => format!("chat:{chat_id}"),
        _ => item.id.clone(),
    }
}

fn flush(app: &AppHandle) {
    let state = app.state::<AppState>();
    state.popups.scheduled.store(false, Ordering::SeqCst);
    let arrived = std::mem::take(&mut *state.popups.pending.lock().expect("popups lock"));
    let (muted, dnd_until, preferences) = {
        let settings = state.settings.lock().expect("settings lock");
        (settings.muted, settings.dnd_until, settings.preferences.clone())
    };
    let now = chrono::Local::now();
    if dnd::is_active(dnd_until, now.timestamp_millis()) {
        return;
    }
    // Each notification as its kind and the hour say: shown now, held for
    // the end of quiet hours, or only in history and the badge.
    let mut items = Vec::with_capacity(arrived.len());
    let mut with_sound = false;
    for item in arrived {
        if preferences.is_muted(&item, now.timestamp_millis()) {
            continue;
        }
        let delivery = preferences.delivery(&item, now.naive_local());
        if delivery.held {
            state.popups.held.lock().expect("popups lock").push(item);
        } else if delivery.popup {
            with_sound |= delivery.sound;
            items.push(item);
        }
    }
    let Some(first) = items.first() else { return };
    *state.popups.last_shown.lock().expect("popups lock") = Some(Instant::now());
    let (alert, focus, booking, answer) = if items.len() == 1 {
        (
            alert_for(first),
            Some(opens_at(first)),
            booking_actions::booking_of(first),
            booking_actions::answerable(first),
        )
    } else {
        (summary_for(&items), None, None, None)
    };
    if !muted && with_sound {
        state.sounds.play(alert.sound);
    }
    let web = (items.len() == 1).then(|| web_link::Page::of_item(first));
    let read = (items.len() == 1).then(|| first.id.clone());
    show(app, &state.popups, alert, Target { focus, booking, answer, web, read });
}

/// Once quiet hours are over, what they held back comes as one popup.
/// Called now and then by the ticker.
pub fn after_quiet_hours(app: &AppHandle) {
    let state = app.state::<AppState>();
    if state.popups.held.lock().expect("popups lock").is_empty() {
        return;
    }
    let (quiet, dnd_until, muted) = {
        let settings = state.settings.lock().expect("settings lock");
        (settings.preferences.quiet_hours.clone(), settings.dnd_until, settings.muted)
    };
    let now = chrono::Local::now();
    if quiet.is_quiet(now.naive_local()) || dnd::is_active(dnd_until, now.timestamp_millis()) {
        return;
    }
    let held = std::mem::take(&mut *state.popups.held.lock().expect("popups lock"));
    let summary = summary_for(&held);
    let alert = Alert { title: format!("While it was quiet: {}", summary.title), ..summary };
    if !muted {
        state.sounds.play(alert.sound);
    }
    show(app, &state.popups, alert, Target::default());
}

/// A popup about a booking, in the place of the booking's earlier popup:
/// the outcome of a button, which the person is waiting for (no sound, and
/// shown even in Do not disturb).
pub fn show_for_booking(app: &AppHandle, alert: Alert, booking_id: &str, answer: Option<Answerable>) {
    let state = app.state::<AppState>();
    let target = Target {
        focus: None,
        booking: Some(booking_id.to_owned()),
        answer,
        web: Some(web_link::Page::Booking(booking_id.to_owned())),
        read: None,
    };
    show(app, &state.popups, alert, target);
}

/// What a popup is about.
#[derive(Debug, Default)]
struct Target {
    /// The history item the window opens at.
    focus: Option<String>,
    /// The booking whose popup it replaces.
    booking: Option<String>,
    /// A request its person can answer: Confirm and Decline.
    answer: Option<Answerable>,
    /// Its page on the website ("Open in browser", when one is configured).
    web: Option<web_link::Page>,
    /// The notification it stands for, marked read when the person acts.
    read: Option<String>,
}

/// A popup about the app itself (e.g. signed out), shown at once.
pub fn notice(app: &AppHandle, title: &str, body: &str) {
    let state = app.state::<AppState>();
    if !state.settings.lock().expect("settings lock").muted {
        state.sounds.play("system");
    }
    let alert =
        Alert { title: title.to_owned(), body: body.to_owned(), urgency: Urgency::Normal, sound: "system" };
    show(app, &state.popups, alert, Target::default());
}

/// Text as the notification daemon must get it: bodies are other people's
/// words, and many Linux daemons render `<b>`, `<a href>`, `<img>` markup.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn show(app: &AppHandle, popups: &Popups, alert: Alert, target: Target) {
    let mut popup = notify_rust::Notification::new();
    popup
        .appname("UrutiBiz")
        .summary(&escape_markup(&alert.title))
        .body(&escape_markup(&alert.body))
        .action("default", "Open");
    if target.answer.is_some() {
        for decision in [Decision::Confirm, Decision::Decline] {
            let (action, label) = decision.action();
            popup.action(action, label);
        }
    }
    // Inline replies are KDE's alone (notify-rust cannot read them back), so
    // "Reply" opens the conversation with its reply box focused.
    let replies = target.focus.as_deref().is_some_and(|f| f.starts_with("chat:"));
    if replies {
        popup.action(REPLY, "Reply");
    }
    let has_site = app.state::<AppState>().settings.lock().expect("settings lock").web_url.is_some();
    if has_site && target.web.is_some() {
        popup.action(OPEN_ON_WEB, "Open in browser");
    }
    // Take the booking's earlier popup's place, and note this showing.
    let showing = target.booking.as_ref().map(|booking| {
        let mut shown = popups.by_booking.lock().expect("popups lock");
        let entry = shown.entry(booking.clone()).or_default();
        entry.generation += 1;
        *entry
    });
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Some(previous) = showing.filter(|s| s.id != 0) {
        popup.id(previous.id);
    }
    if let Some(icon) = &popups.icon {
        popup.icon(&icon.to_string_lossy());
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    popup.urgency(match alert.urgency {
        Urgency::Low => notify_rust::Urgency::Low,
        Urgency::Normal => notify_rust::Urgency::Normal,
        Urgency::Critical => notify_rust::Urgency::Critical,
    });
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = alert.urgency;
    let app = app.clone();
    let Target { focus, booking, answer, web, read } = target;
    let spawned = std::thread::Builder::new().name("popup".into()).spawn(move || match popup.show() {
        Ok(_handle) => {
            #[cfg(all(unix, not(target_os = "macos")))]
            {
                let generation = showing.map(|s| s.generation);
                if let Some(booking) = &booking {
                    // A replacing popup keeps the id, so whichever showing
                    // records it last records the same one.
                    let state = app.state::<AppState>();
                    let mut shown = state.popups.by_booking.lock().expect("popups lock");
                    if let Some(entry) = shown.get_mut(booking) {
                        entry.id = _handle.id();
                    }
                }
                app.state::<AppState>().popups.on_screen.fetch_add(1, Ordering::SeqCst);
                _handle.wait_for_action(|action| {
                    // A popup replaced by a newer one of its booking keeps
                    // its id; only the newest acts on a press.
                    let current = match (&booking, generation) {
                        (Some(booking), Some(generation)) => {
                            let state = app.state::<AppState>();
                            let shown = state.popups.by_booking.lock().expect("popups lock");
                            shown.get(booking).is_some_and(|e| e.generation == generation)
                        }
                        _ => true,
                    };
                    if !current {
                        return;
                    }
                    let acted = matches!(action, "default" | REPLY | OPEN_ON_WEB)
                        || (Decision::from_action(action).is_some() && answer.is_some());
                    if let Some(id) = read.as_ref().filter(|_| acted) {
                        actions::mark_read(&app, vec![id.clone()]);
                    }
                    match (action, Decision::from_action(action), &answer) {
                        ("default" | REPLY, _, _) => window::show(&app, focus.clone()),
                        (OPEN_ON_WEB, _, _) => {
                            if let Some(Err(e)) = web.as_ref().map(|page| web_link::open(&app, page)) {
                                tracing::warn!(error = %e, "could not open the page in the browser");
                            }
                        }
                        (_, Some(decision), Some(request)) => {
                            booking_actions::invoke(&app, request.clone(), decision)
                        }
                        _ => {}
                    }
                });
                // Clicked, dismissed or expired.
                app.state::<AppState>().popups.on_screen.fetch_sub(1, Ordering::SeqCst);
            }
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            let _ = (&booking, &answer, showing, &focus, &web, &read);
        }
        Err(e) => {
            let state = app.state::<AppState>();
            if !state.popups.warned.swap(true, Ordering::SeqCst) {
                tracing::warn!(error = %e, "cannot show desktop notifications (no notification service?)");
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start a notification thread");
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_markup, opens_at};
    use crate::history::Item;
    use serde_json::json;

    #[test]
    fn a_message_popup_opens_its_conversation() {
        let item = |kind: &str, data| Item::sample(1, kind, data);
        assert_eq!(opens_at(&item("message", json!({"chatId": "dm-1"}))), "chat:dm-1");
        assert_eq!(opens_at(&item("message", json!({}))), "n1");
        assert_eq!(opens_at(&item("booking", json!({"chatId": "dm-1", "bookingId": "b1"}))), "n1");
    }

    #[test]
    fn markup_reaches_the_daemon_as_text() {
        assert_eq!(
            escape_markup("<b>Free</b> & <a href=\"http://x\">cheap</a>"),
            "&lt;b&gt;Free&lt;/b&gt; &amp; &lt;a href=\"http://x\"&gt;cheap&lt;/a&gt;"
        );
        assert_eq!(escape_markup("Amina: plain text"), "Amina: plain text");
    }
}
