//! Native notifications with notify-rust (tauri-plugin-notification has no
//! click events on desktop). No popup storms: a replay after reconnecting
//! becomes one summary when it ends, and live notifications arriving within
//! a short window of a popup are gathered into the next one. A lone live
//! notification shows at once.

use crate::alert_text::{alert_for, summary_for, Alert, Urgency};
use crate::history::Item;
use crate::state::AppState;
use crate::{dnd, window};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tauri::{AppHandle, Manager};

/// Notifications within this window are shown together.
const GATHER: Duration = Duration::from_millis(1200);

/// Gathers notifications and shows them.
pub struct Popups {
    pending: Mutex<Vec<Item>>,
    scheduled: AtomicBool,
    warned: AtomicBool,
    last_shown: Mutex<Option<Instant>>,
    icon: Option<PathBuf>,
}

impl Popups {
    /// `icon` is a PNG path for the popup (the app icon).
    pub fn new(icon: Option<PathBuf>) -> Popups {
        Popups {
            pending: Mutex::default(),
            scheduled: AtomicBool::new(false),
            warned: AtomicBool::new(false),
            last_shown: Mutex::new(None),
            icon,
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

fn flush(app: &AppHandle) {
    let state = app.state::<AppState>();
    state.popups.scheduled.store(false, Ordering::SeqCst);
    let items = std::mem::take(&mut *state.popups.pending.lock().expect("popups lock"));
    let Some(first) = items.first() else { return };
    *state.popups.last_shown.lock().expect("popups lock") = Some(Instant::now());
    let (muted, dnd_until) = {
        let settings = state.settings.lock().expect("settings lock");
        (settings.muted, settings.dnd_until)
    };
    if dnd::is_active(dnd_until, chrono::Local::now().timestamp_millis()) {
        return;
    }
    let (alert, focus) = if items.len() == 1 {
        (alert_for(first), Some(first.id.clone()))
    } else {
        (summary_for(&items), None)
    };
    if !muted {
        state.sounds.play(alert.sound);
    }
    show(app, &state.popups, alert, focus);
}

/// A popup about the app itself (e.g. signed out), shown at once.
pub fn notice(app: &AppHandle, title: &str, body: &str) {
    let state = app.state::<AppState>();
    if !state.settings.lock().expect("settings lock").muted {
        state.sounds.play("system");
    }
    let alert =
        Alert { title: title.to_owned(), body: body.to_owned(), urgency: Urgency::Normal, sound: "system" };
    show(app, &state.popups, alert, None);
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

fn show(app: &AppHandle, popups: &Popups, alert: Alert, focus: Option<String>) {
    let mut popup = notify_rust::Notification::new();
    popup
        .appname("UrutiBiz")
        .summary(&escape_markup(&alert.title))
        .body(&escape_markup(&alert.body))
        .action("default", "Open");
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
            _handle.wait_for_action(|action| {
                if action == "default" {
                    window::show(&app, focus.clone());
                }
            });
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
