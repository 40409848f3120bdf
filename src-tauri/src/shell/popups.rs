//! Native notifications with notify-rust (tauri-plugin-notification has no
//! click events on desktop): the popups the core orders
//! ([`urutibiz_desktop_core::machine::Effect::Popup`]; when and what is the
//! core's `popup_rules`), shown and listened to.
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

use crate::state::AppState;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use tauri::{AppHandle, Manager};
use urutibiz_desktop_core::alert_text::Urgency;
use urutibiz_desktop_core::booking_answers::Decision;
use urutibiz_desktop_core::machine::{PopupChoice, PopupClick, PopupOrder};

/// The popup action of a message that opens its conversation to answer.
const REPLY: &str = "reply";

/// The popup action that opens its page on the website.
const OPEN_ON_WEB: &str = "web";

/// Shows notifications.
pub struct Popups {
    warned: AtomicBool,
    icon: Option<PathBuf>,
    /// The popup showing each booking: its notification id and which
    /// showing it is (a replaced popup's button must not act twice).
    by_booking: Mutex<HashMap<String, Showing>>,
    /// Popups on screen waiting for a click (their threads answer it).
    on_screen: AtomicUsize,
    /// What a click does: given by the app, which knows the actions
    /// (popups only show and listen).
    on_click: fn(&AppHandle, PopupClick),
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
    /// A popup on screen waits for a click that this process answers.
    pub fn on_screen(&self) -> bool {
        self.on_screen.load(Ordering::SeqCst) > 0
    }

    /// `icon` is a PNG path for the popup (the app icon); `on_click` is
    /// what a click on a popup does.
    pub fn new(icon: Option<PathBuf>, on_click: fn(&AppHandle, PopupClick)) -> Popups {
        Popups {
            warned: AtomicBool::new(false),
            icon,
            by_booking: Mutex::default(),
            on_screen: AtomicUsize::new(0),
            on_click,
        }
    }
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

/// Shows a popup the core ordered, in the place of its booking's earlier
/// one; a thread waits for its click and hands it to the app.
pub fn show(app: &AppHandle, order: PopupOrder) {
    let popups = app.state::<Popups>();
    let PopupOrder { alert, target } = order;
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
    let booking = target.booking.clone();
    let showing = booking.as_ref().map(|booking| {
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
                        "default" => PopupChoice::Open,
                        REPLY => PopupChoice::Reply,
                        OPEN_ON_WEB => PopupChoice::OpenOnWeb,
                        other => match Decision::from_action(other) {
                            Some(decision) => PopupChoice::Decide(decision),
                            // Dismissed or expired.
                            None => return,
                        },
                    };
                    let click = PopupClick { choice, target: target.clone() };
                    let handle = app.state::<Popups>().on_click;
                    handle(&app, click);
                });
                // Clicked, dismissed or expired.
                app.state::<Popups>().on_screen.fetch_sub(1, Ordering::SeqCst);
            }
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            let _ = (&booking, showing, &target);
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
