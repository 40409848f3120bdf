//! Giving memory back once the window is closed. WebKit keeps its network
//! process and the pages it touched after its webview is destroyed (about
//! 80 MiB PSS more than a process that never opened a window), so once the
//! window has stayed closed for a while the tray process starts a fresh copy
//! of itself, hidden in the tray, and exits. The copy resumes the socket
//! from the stored position (nothing is lost or shown twice: a replay pops
//! nothing up) and restores the session from the keychain. It waits while
//! this process has something only it can finish: a popup on screen whose
//! buttons it answers, popups held for the end of quiet hours, a browser
//! sign-in, a booking click waiting for its answer, an update installing.

use std::ffi::OsString;
use std::time::Duration;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How long the window stays closed before the relaunch, unless
/// `URUTIBIZ_RELAUNCH_AFTER` (seconds, or `off`) says otherwise.
const DEFAULT_AFTER: Duration = Duration::from_secs(60);
/// How often a busy process looks again.
const RETRY: Duration = Duration::from_secs(5);

/// When to relaunch after the window closes (a managed state).
pub struct RelaunchAfter(pub Option<Duration>);

impl RelaunchAfter {
    /// From `URUTIBIZ_RELAUNCH_AFTER`: seconds, `off`, or unset (the default).
    pub fn from_env() -> RelaunchAfter {
        RelaunchAfter(parse(std::env::var("URUTIBIZ_RELAUNCH_AFTER").ok().as_deref()))
    }
}

fn parse(value: Option<&str>) -> Option<Duration> {
    match value.map(str::trim) {
        None | Some("") => Some(DEFAULT_AFTER),
        Some("off") | Some("0") => None,
        Some(seconds) => match seconds.parse::<u64>() {
            Ok(seconds) => Some(Duration::from_secs(seconds)),
            Err(_) => {
                tracing::warn!(
                    value = seconds,
                    "URUTIBIZ_RELAUNCH_AFTER is seconds or off; using the default"
                );
                Some(DEFAULT_AFTER)
            }
        },
    }
}

/// The copy's arguments: this process's, hidden, without a link to open.
pub fn relaunch_args(args: &[OsString]) -> Vec<OsString> {
    let mut kept: Vec<OsString> = args
        .iter()
        .filter(|a| !a.to_string_lossy().starts_with(&format!("{}:", crate::deep_link::SCHEME)))
        .cloned()
        .collect();
    if !kept.iter().any(|a| a == "--hidden") {
        kept.push("--hidden".into());
    }
    kept
}

/// Something only this process can finish.
fn busy(app: &AppHandle) -> bool {
    app.get_webview_window(crate::window::MAIN).is_some()
        || app.state::<AppState>().popups.busy()
        || app.state::<crate::account::Account>().sign_in_view().waiting
        || app.state::<crate::booking_actions::BookingActions>().waiting()
        || app.state::<crate::updates::Updates>().view().installing
}

/// The window was destroyed: relaunch once it has stayed closed long enough
/// and nothing holds this process.
pub fn window_closed(app: &AppHandle) {
    let Some(after) = app.state::<RelaunchAfter>().0 else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(after).await;
        loop {
            if app.get_webview_window(crate::window::MAIN).is_some() {
                // Opened again; its next close starts over.
                return;
            }
            if !busy(&app) {
                break;
            }
            tokio::time::sleep(RETRY).await;
        }
        // Checked again on the thread that opens windows, so a window
        // opened meanwhile is not lost.
        hidden(&app, busy, "window closed for a while: relaunching hidden to give WebKit's memory back");
    });
}

/// Replaces this process with a fresh copy hidden in the tray (after an
/// update too, which must come back to the tray whatever the first launch
/// showed), unless `hold` says, on the main thread, that it must stay.
pub fn hidden(app: &AppHandle, hold: fn(&AppHandle) -> bool, why: &'static str) {
    let handle = app.clone();
    let relaunched = app.run_on_main_thread(move || {
        if hold(&handle) {
            return;
        }
        let mut env = handle.env();
        env.args_os = relaunch_args(&env.args_os);
        // Save what a restart would otherwise redo from the server.
        let state = handle.state::<AppState>();
        let items = state.history.lock().expect("history lock").items.clone();
        state.store.save_items(&items);
        tracing::info!("{why}");
        // The copy must find no running instance to hand itself to.
        tauri_plugin_single_instance::destroy(&handle);
        handle.cleanup_before_exit();
        tauri::process::restart(&env);
    });
    if let Err(e) = relaunched {
        tracing::warn!(error = %e, "could not relaunch");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_starts_hidden_without_the_link() {
        let args: Vec<OsString> =
            ["urutibiz-desktop", "--server", "https://x", "urutibiz://booking/b1"].map(OsString::from).into();
        let expected: Vec<OsString> =
            ["urutibiz-desktop", "--server", "https://x", "--hidden"].map(OsString::from).into();
        assert_eq!(relaunch_args(&args), expected);
        let hidden: Vec<OsString> = ["urutibiz-desktop", "--hidden"].map(OsString::from).into();
        assert_eq!(relaunch_args(&hidden), hidden);
    }

    #[test]
    fn the_delay_is_seconds_or_off() {
        assert_eq!(parse(None), Some(DEFAULT_AFTER));
        assert_eq!(parse(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(parse(Some("off")), None);
        assert_eq!(parse(Some("soon")), Some(DEFAULT_AFTER));
    }
}
