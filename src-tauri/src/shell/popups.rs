//! Native notifications with notify-rust (tauri-plugin-notification has no
//! click events on desktop), shown as the core's popup rules
//! ([`urutibiz_desktop_core::popup_rules`]) decide: gathered, summarised
//! after a replay, held through quiet hours.
//!
//! One popup per booking: later news of a booking (confirmed, started, the
//! outcome of a button) replaces its earlier popup in place. A booking
//! request carries Confirm and Decline; what a click does is the app's to
//! say (`clicks.rs`, above this), given to [`Popups::new`].
//!
//! Acting on a popup about one notification (Open, Reply, Confirm, Decline,
//! Open in browser) marks that notification read everywhere: the person
//! has seen it. A summary's Open only opens the list, where its
//! notifications still show as new.

use crate::shell::sound::Sounds;
use crate::state::AppState;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use tauri::{AppHandle, Manager};
use urutibiz_desktop_core::alert_text::{Alert, Urgency};
use urutibiz_desktop_core::booking_answers::{answerable, booking_of, Answerable, Decision};
use urutibiz_desktop_core::history::Item;
use urutibiz_desktop_core::popup_rules::{opens_at, Arrival, Popup, PopupRules, Quiet};
use urutibiz_desktop_core::web_page::Page;

/// The popup action of a message that opens its conversation to answer.
const REPLY: &str = "reply";

/// The popup action that opens its page on the website.
const OPEN_ON_WEB: &str = "web";

/// Shows notifications.
pub struct Popups {
    /// What is gathering and what quiet hours hold (taken alone, never
    /// across another lock).
    rules: Mutex<PopupRules>,
    warned: AtomicBool,
    icon: Option<PathBuf>,
    /// The popup showing each booking: its notification id and which
    /// showing it is (a replaced popup's button must not act twice).
    by_booking: Mutex<HashMap<String, Showing>>,
    /// Popups on screen waiting for a click (their threads answer it).
    on_screen: AtomicUsize,
    /// What a click does: given by the app, which knows the actions
    /// (popups only show and listen).
    on_click: fn(&AppHandle, Click),
}

/// What the person chose on a popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The popup itself: open the window at what it is about.
    Open,
    /// "Reply": open the conversation with its reply box.
    Reply,
    /// "Open in browser".
    OpenOnWeb,
    /// Confirm or Decline a booking request.
    Decide(Decision),
}

/// A click on a popup, with what the popup is about.
#[derive(Debug, Clone)]
pub struct Click {
    pub choice: Choice,
    /// Where the window opens: a history item, or `chat:<id>`.
    pub focus: Option<String>,
    /// Its page on the website.
    pub web: Option<Page>,
    /// The request its buttons answer.
    pub answer: Option<Answerable>,
    /// The notification it stands for, marked read when the person acts.
    pub read: Option<String>,
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
        self.rules.lock().expect("popups lock").holding()
    }

    /// Something only this process can finish: popups held for the end of
    /// quiet hours, notifications gathering for a popup, or a popup on
    /// screen whose buttons this process answers.
    pub fn busy(&self) -> bool {
        let waiting = {
            let rules = self.rules.lock().expect("popups lock");
            rules.holding() || rules.gathering()
        };
        waiting || self.on_screen.load(Ordering::SeqCst) > 0
    }

    /// `icon` is a PNG path for the popup (the app icon); `on_click` is
    /// what a click on a popup does.
    pub fn new(icon: Option<PathBuf>, on_click: fn(&AppHandle, Click)) -> Popups {
        Popups {
            rules: Mutex::default(),
            warned: AtomicBool::new(false),
            icon,
            by_booking: Mutex::default(),
            on_screen: AtomicUsize::new(0),
            on_click,
        }
    }
}

/// A notification arrived: shown now, gathered for a moment, or kept for
/// the replay's end, as the rules say.
pub fn push(app: &AppHandle, item: Item, replaying: bool) {
    let arrival =
        app.state::<Popups>().rules.lock().expect("popups lock").arrived(item, replaying, Instant::now());
    match arrival {
        Arrival::FlushNow => flush(app),
        Arrival::FlushAt(at) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                flush(&app);
            });
        }
        Arrival::Wait => {}
    }
}

/// A replay ended: everything it brought becomes one popup.
pub fn replay_done(app: &AppHandle) {
    flush(app);
}

/// The settings the rules read, copied out of their lock.
fn with_quiet<T>(app: &AppHandle, decide: impl FnOnce(Quiet<'_>) -> T) -> T {
    let state = app.state::<AppState>();
    let (muted, dnd_until, preferences) = {
        let known = state.lock();
        let settings = &known.settings;
        (settings.muted, settings.dnd_until, settings.preferences.clone())
    };
    decide(Quiet { muted, dnd_until, preferences: &preferences })
}

fn flush(app: &AppHandle) {
    let popups = app.state::<Popups>();
    let popup = with_quiet(app, |quiet| {
        popups.rules.lock().expect("popups lock").flush(quiet, chrono::Local::now(), Instant::now())
    });
    let Some(Popup { alert, sound, about }) = popup else { return };
    if sound {
        app.state::<Sounds>().play(alert.sound);
    }
    let target = match &about {
        Some(item) => Target {
            focus: Some(opens_at(item)),
            booking: booking_of(item),
            answer: answerable(item),
            web: Some(Page::of_item(item)),
            read: Some(item.id.clone()),
        },
        None => Target::default(),
    };
    show(app, &popups, alert, target);
}

/// Once quiet hours are over, what they held back comes as one popup.
/// Called now and then by the ticker.
pub fn after_quiet_hours(app: &AppHandle) {
    let popups = app.state::<Popups>();
    let popup = with_quiet(app, |quiet| {
        popups.rules.lock().expect("popups lock").after_quiet_hours(quiet, chrono::Local::now())
    });
    let Some(Popup { alert, sound, .. }) = popup else { return };
    if sound {
        app.state::<Sounds>().play(alert.sound);
    }
    show(app, &popups, alert, Target::default());
}

/// A popup about a booking, in the place of the booking's earlier popup:
/// the outcome of a button, which the person is waiting for (no sound, and
/// shown even in Do not disturb).
pub fn show_for_booking(app: &AppHandle, alert: Alert, booking_id: &str, answer: Option<Answerable>) {
    let target = Target {
        focus: None,
        booking: Some(booking_id.to_owned()),
        answer,
        web: Some(Page::Booking(booking_id.to_owned())),
        read: None,
    };
    show(app, &app.state::<Popups>(), alert, target);
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
    web: Option<Page>,
    /// The notification it stands for, marked read when the person acts.
    read: Option<String>,
}

/// A popup about the app itself (e.g. signed out), shown at once.
pub fn notice(app: &AppHandle, title: &str, body: &str) {
    let state = app.state::<AppState>();
    if !state.lock().settings.muted {
        app.state::<Sounds>().play("system");
    }
    let alert =
        Alert { title: title.to_owned(), body: body.to_owned(), urgency: Urgency::Normal, sound: "system" };
    show(app, &app.state::<Popups>(), alert, Target::default());
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
    let has_site = app.state::<AppState>().lock().settings.web_url.is_some();
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
                    let popups = app.state::<Popups>();
                    let mut shown = popups.by_booking.lock().expect("popups lock");
                    if let Some(entry) = shown.get_mut(booking) {
                        entry.id = _handle.id();
                    }
                }
                app.state::<Popups>().on_screen.fetch_add(1, Ordering::SeqCst);
                _handle.wait_for_action(|action| {
                    // A popup replaced by a newer one of its booking keeps
                    // its id; only the newest acts on a press.
                    let current = match (&booking, generation) {
                        (Some(booking), Some(generation)) => {
                            let popups = app.state::<Popups>();
                            let shown = popups.by_booking.lock().expect("popups lock");
                            shown.get(booking).is_some_and(|e| e.generation == generation)
                        }
                        _ => true,
                    };
                    if !current {
                        return;
                    }
                    let choice = match action {
                        "default" => Choice::Open,
                        REPLY => Choice::Reply,
                        OPEN_ON_WEB => Choice::OpenOnWeb,
                        other => match Decision::from_action(other) {
                            Some(decision) => Choice::Decide(decision),
                            // Dismissed or expired.
                            None => return,
                        },
                    };
                    let click = Click {
                        choice,
                        focus: focus.clone(),
                        web: web.clone(),
                        answer: answer.clone(),
                        read: read.clone(),
                    };
                    let handle = app.state::<Popups>().on_click;
                    handle(&app, click);
                });
                // Clicked, dismissed or expired.
                app.state::<Popups>().on_screen.fetch_sub(1, Ordering::SeqCst);
            }
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            let _ = (&booking, &answer, showing, &focus, &web, &read);
        }
        Err(e) => {
            let popups = app.state::<Popups>();
            if !popups.warned.swap(true, Ordering::SeqCst) {
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
    use super::escape_markup;

    #[test]
    fn markup_reaches_the_daemon_as_text() {
        assert_eq!(
            escape_markup("<b>Free</b> & <a href=\"http://x\">cheap</a>"),
            "&lt;b&gt;Free&lt;/b&gt; &amp; &lt;a href=\"http://x\"&gt;cheap&lt;/a&gt;"
        );
        assert_eq!(escape_markup("Amina: plain text"), "Amina: plain text");
    }
}
