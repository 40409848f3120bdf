//! Native notifications: the popups the core orders
//! ([`urutibiz_desktop_core::machine::Effect::Popup`]; when and what is the
//! core's `popup_rules`), shown and listened to. Linux (and macOS) through
//! notify-rust (tauri-plugin-notification has no click events on desktop);
//! Windows as toasts written here ([`toast`]), whose clicks come back as
//! `urutibiz:` links.
//!
//! One popup per booking: later news of a booking (confirmed, started, the
//! outcome of a button) replaces its earlier popup in place. A booking
//! request carries Confirm and Decline; a click hands back the popup's
//! one-time token with the choice, and what it does is the core's to say
//! (the app's `popup_clicks`, given to [`Popups::new`]): a replaced popup's
//! token no longer acts.
//!
//! Acting on a popup about one notification (Open, Reply, Confirm, Decline,
//! Open in browser) marks that notification read everywhere: the person
//! has seen it. A summary's Open only opens the list, where its
//! notifications still show as new.

#[cfg(any(windows, test))]
pub(crate) mod toast;

use crate::state::AppState;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use tauri::{AppHandle, Manager};
use urutibiz_desktop_core::machine::{PopupClick, PopupOrder};

/// Shows notifications.
pub struct Popups {
    warned: AtomicBool,
    /// The app icon as a PNG file, for the Linux daemon.
    #[cfg_attr(windows, allow(dead_code))]
    icon: Option<PathBuf>,
    /// The daemon's id of the popup showing each booking, so the next one
    /// takes its place.
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    by_booking: Mutex<HashMap<String, u32>>,
    /// Popups on screen waiting for a click that this process answers
    /// (Linux; a Windows toast's click reaches any later process).
    on_screen: AtomicUsize,
    /// What a click does: given by the app, which knows the actions
    /// (popups only show and listen).
    #[cfg_attr(windows, allow(dead_code))]
    on_click: fn(&AppHandle, PopupClick),
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

    /// Says once that popups cannot be shown here.
    fn cannot_show(&self, error: &dyn std::fmt::Display) {
        if !self.warned.swap(true, Ordering::SeqCst) {
            tracing::warn!(error = %error, "cannot show desktop notifications (no notification service?)");
        }
    }
}

/// Text as the notification daemon must get it: bodies are other people's
/// words, and many Linux daemons render `<b>`, `<a href>`, `<img>` markup
/// (macOS shows text as it is).
#[cfg(not(windows))]
fn daemon_text(text: &str) -> String {
    if cfg!(target_os = "macos") {
        text.to_owned()
    } else {
        escape_markup(text)
    }
}

/// `text` with the markup characters escaped.
#[cfg_attr(windows, allow(dead_code))]
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

/// Whether "Open in browser" has a site to open.
fn has_site(app: &AppHandle) -> bool {
    app.state::<AppState>().lock().settings.web_url.is_some()
}

/// Windows: sets the app's AppUserModelID for this process (at start).
#[cfg(windows)]
pub fn claim_app_id(app: &AppHandle) {
    toast::claim_app_id(&app.config().identifier);
}

/// Shows a popup the core ordered as a toast, in the place of its
/// booking's earlier one; its buttons are links back to the app.
#[cfg(windows)]
pub fn show(app: &AppHandle, order: PopupOrder) {
    let toast = toast::build(&order, has_site(app));
    let app_id = app.config().identifier.clone();
    let app = app.clone();
    // WinRT calls block for a moment; the windows crate joins the
    // multithreaded apartment on a thread that has none.
    let spawned = std::thread::Builder::new().name("popup".into()).spawn(move || {
        if let Err(e) = toast::show(&toast, &app_id) {
            app.state::<Popups>().cannot_show(&e);
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start a notification thread");
    }
}

/// Shows a popup the core ordered, in the place of its booking's earlier
/// one; a thread waits for its click and hands it to the app.
#[cfg(not(windows))]
pub fn show(app: &AppHandle, order: PopupOrder) {
    use urutibiz_desktop_core::machine::PopupChoice;
    let popups = app.state::<Popups>();
    let PopupOrder { alert, target, token } = order;
    let mut popup = notify_rust::Notification::new();
    popup
        .appname("UrutiBiz")
        .summary(&daemon_text(&alert.title))
        .body(&daemon_text(&alert.body))
        .action("default", PopupChoice::Open.label());
    for choice in target.buttons(has_site(app)) {
        popup.action(choice.name(), choice.label());
    }
    if let Some(icon) = &popups.icon {
        popup.icon(&icon.to_string_lossy());
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use urutibiz_desktop_core::alert_text::Urgency;
        // Take the booking's earlier popup's place.
        let previous = target
            .booking
            .as_ref()
            .and_then(|b| popups.by_booking.lock().expect("popups lock").get(b).copied());
        if let Some(id) = previous {
            popup.id(id);
        }
        popup.urgency(match alert.urgency {
            Urgency::Low => notify_rust::Urgency::Low,
            Urgency::Normal => notify_rust::Urgency::Normal,
            Urgency::Critical => notify_rust::Urgency::Critical,
        });
    }
    let app = app.clone();
    let booking = target.booking;
    let spawned = std::thread::Builder::new().name("popup".into()).spawn(move || match popup.show() {
        Ok(handle) => {
            let popups = app.state::<Popups>();
            // A replacing popup keeps the id, so whichever showing records
            // it last records the same one.
            #[cfg(all(unix, not(target_os = "macos")))]
            if let Some(booking) = booking {
                popups.by_booking.lock().expect("popups lock").insert(booking, handle.id());
            }
            #[cfg(target_os = "macos")]
            let _ = booking;
            popups.on_screen.fetch_add(1, Ordering::SeqCst);
            // A popup replaced by a newer one of its booking keeps its id,
            // so both threads hear a press; the core acts only on the
            // newer one's token. (macOS: notify-rust shows the popup here,
            // in NSUserNotificationCenter, its buttons in one menu.)
            handle.wait_for_action(|action| {
                let choice = match action {
                    "default" => PopupChoice::Open,
                    other => match PopupChoice::from_name(other) {
                        Some(choice) => choice,
                        // Dismissed or expired.
                        None => return,
                    },
                };
                let handle_click = app.state::<Popups>().on_click;
                handle_click(&app, PopupClick { choice, token: token.clone() });
            });
            // Clicked, dismissed or expired.
            app.state::<Popups>().on_screen.fetch_sub(1, Ordering::SeqCst);
        }
        Err(e) => app.state::<Popups>().cannot_show(&e),
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
