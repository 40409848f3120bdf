//! Start at login, hidden in the tray: alerts keep coming after a reboot
//! without anyone remembering to launch the app. On by default once someone
//! has signed in (a setting turns it off). tauri-plugin-autostart writes the
//! OS's entry: an XDG autostart `.desktop` file on Linux, a launch agent on
//! macOS, a Run key on Windows; each starts the app with `--hidden`.

use crate::state::AppState;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt;

/// The argument the login entry starts the app with.
pub const HIDDEN: &str = urutibiz_desktop_core::launch::HIDDEN;

/// `--no-autostart`: this run leaves the login entry alone (the demo, which
/// runs a development build nobody wants started at every login).
pub struct LeaveAlone(pub bool);

/// A session started (a sign-in, or a restored session): the first one
/// turns start at login on. Later ones leave the entry alone, so one the
/// user removed with the desktop's own tools stays removed.
pub fn on_session<R: Runtime>(app: &AppHandle<R>) {
    if app.try_state::<LeaveAlone>().is_some_and(|leave| leave.0) {
        return;
    }
    let state = app.state::<AppState>();
    if state.lock().settings.start_at_login.is_some() {
        return;
    }
    if let Err(e) = set(app, true) {
        tracing::warn!(error = %e, "could not add the start-at-login entry");
    }
}

/// The user turned start at login on or off.
pub fn set<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<(), tauri_plugin_autostart::Error> {
    let launcher = app.autolaunch();
    if on {
        launcher.enable()?;
    } else if launcher.is_enabled()? {
        launcher.disable()?;
    }
    let state = app.state::<AppState>();
    let mut known = state.lock();
    let settings = &mut known.settings;
    settings.start_at_login = Some(on);
    state.store.save_settings(settings);
    drop(known);
    state.changed(false);
    Ok(())
}
