//! Giving memory back once the window is closed. WebKit keeps its network
//! process and the pages it touched after its webview is destroyed (about
//! 80 MiB PSS more than a process that never opened a window), so once the
//! window has stayed closed for a while the tray process starts a fresh copy
//! of itself, hidden in the tray, and exits. The copy resumes the socket
//! from the stored position (nothing is lost or shown twice: a replay pops
//! nothing up) and restores the session from the keychain. It waits while
//! this process has something only it can finish: a popup on screen whose
//! buttons it answers, popups held for the end of quiet hours, a browser
//! sign-in, a booking click waiting for its answer, an update installing,
//! a token renewal under way (a rotating provider has retired the old
//! refresh token before the new one is in the keychain), or a session the
//! copy could not restore (a token kept in memory only).
//!
//! The copy gets only what it needs: `--hidden` and the addresses in use.
//! Never a token (it would show in the process list, and after a sign-out
//! or another person's sign-in it would sign the old session back in): the
//! copy restores the session from the keychain.

use std::ffi::OsString;
use std::time::Duration;
use tauri::{AppHandle, Manager};

use crate::state::AppState;
use crate::store::settings::Settings;
use urutibiz_desktop_core::launch;

/// How long the window stays closed before the relaunch, unless
/// `URUTIBIZ_RELAUNCH_AFTER` (seconds, or `off`) says otherwise.
const DEFAULT_AFTER: Duration = Duration::from_secs(60);
/// How often a busy process looks again.
const RETRY: Duration = Duration::from_secs(5);

/// When to relaunch after the window closes (a managed state).
pub struct RelaunchAfter {
    after: Option<Duration>,
    /// This launch was told to leave start at login alone: so is the copy.
    no_autostart: bool,
}

impl RelaunchAfter {
    /// From `URUTIBIZ_RELAUNCH_AFTER`: seconds, `off`, or unset (the default).
    pub fn from_env(no_autostart: bool) -> RelaunchAfter {
        let after = parse(std::env::var("URUTIBIZ_RELAUNCH_AFTER").ok().as_deref());
        RelaunchAfter { after, no_autostart }
    }
}

/// What keeps this process from being replaced now (the app says: it knows
/// which of its parts have something only this process can finish).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Nothing: a copy can take over.
    No,
    /// The window is open again: its next close starts over.
    WindowOpen,
    /// Something under way must finish here first.
    Busy,
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

/// The copy's arguments: the program, hidden, at the addresses in use
/// (which may have come from this launch's flags rather than the saved
/// settings); nothing else of this process's command line.
pub fn relaunch_args(program: &OsString, settings: &Settings, no_autostart: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![program.clone(), launch::HIDDEN.into()];
    args.extend(["--server".into(), settings.server_url.clone().into()]);
    args.extend(["--issuer".into(), settings.issuer_url.clone().into()]);
    if let Some(web_url) = &settings.web_url {
        args.extend(["--web-url".into(), web_url.clone().into()]);
    }
    if no_autostart {
        args.push(launch::NO_AUTOSTART.into());
    }
    args
}

/// A session the copy could not restore: signed in with a token kept in
/// memory only (from the command line, or without a keychain).
pub fn memory_only(app: &AppHandle) -> bool {
    let state = app.state::<AppState>();
    let signed_in = state.lock().token.is_some();
    signed_in && !state.lock().keychain.available
}

/// The window was destroyed: relaunch once it has stayed closed long enough
/// and nothing holds this process (`hold` says what does: the app knows
/// which of its parts have something only this process can finish).
pub fn window_closed(app: &AppHandle, hold: fn(&AppHandle) -> Hold) {
    let Some(after) = app.state::<RelaunchAfter>().after else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(after).await;
        let mut said = false;
        loop {
            match hold(&app) {
                // Opened again; its next close starts over.
                Hold::WindowOpen => return,
                Hold::No => break,
                Hold::Busy => {}
            }
            if !said && memory_only(&app) {
                tracing::info!(
                    "not relaunching: the session is kept in memory only, and a copy could not restore it"
                );
                said = true;
            }
            tokio::time::sleep(RETRY).await;
        }
        // Checked again on the thread that opens windows, so a window
        // opened meanwhile is not lost.
        hidden(&app, hold, "window closed for a while: relaunching hidden to give WebKit's memory back");
    });
}

/// Replaces this process with a fresh copy hidden in the tray (after an
/// update too, which must come back to the tray whatever the first launch
/// showed), unless `hold` says, on the main thread, that it must stay.
pub fn hidden(app: &AppHandle, hold: fn(&AppHandle) -> Hold, why: &'static str) {
    let handle = app.clone();
    let relaunched = app.run_on_main_thread(move || {
        if hold(&handle) != Hold::No {
            return;
        }
        let mut env = handle.env();
        let state = handle.state::<AppState>();
        let program = env.args_os.first().cloned().unwrap_or_default();
        let settings = state.lock().settings.clone();
        env.args_os = relaunch_args(&program, &settings, handle.state::<RelaunchAfter>().no_autostart);
        // Save what a restart would otherwise redo from the server.
        state.save_cache();
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
    fn the_copy_starts_hidden_at_the_addresses_in_use_and_never_with_a_token() {
        let settings = Settings {
            server_url: "https://rt.example".into(),
            issuer_url: "https://id.example".into(),
            web_url: Some("https://urutibiz.example".into()),
            ..Settings::default()
        };
        let program = OsString::from("/usr/bin/urutibiz-desktop");
        let expected: Vec<OsString> = [
            "/usr/bin/urutibiz-desktop",
            "--hidden",
            "--server",
            "https://rt.example",
            "--issuer",
            "https://id.example",
            "--web-url",
            "https://urutibiz.example",
            "--no-autostart",
        ]
        .map(OsString::from)
        .into();
        assert_eq!(relaunch_args(&program, &settings, true), expected);
        let plain = relaunch_args(&program, &Settings { web_url: None, ..settings }, false);
        assert_eq!(plain.len(), 6);
        assert!(!plain.iter().any(|a| a == "--token" || a.to_string_lossy().starts_with("urutibiz:")));
    }

    #[test]
    fn the_delay_is_seconds_or_off() {
        assert_eq!(parse(None), Some(DEFAULT_AFTER));
        assert_eq!(parse(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(parse(Some("off")), None);
        assert_eq!(parse(Some("soon")), Some(DEFAULT_AFTER));
    }
}
