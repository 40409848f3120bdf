//! The main window. Closing it destroys the webview, so an idle app costs
//! tens of MB instead of hundreds; opening builds it again.

use crate::state::AppState;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

/// The window's label.
pub const MAIN: &str = "main";

/// Shows (or builds) the window, optionally at one notification.
/// The focus that opens the Settings view instead of an item.
pub const SETTINGS_VIEW: &str = "view:settings";

/// Shows the window, opening at `focus`: a history item's id,
/// [`SETTINGS_VIEW`], or a link's `booking:<id>` / `chat:<id>`.
pub fn show(app: &AppHandle, focus: Option<String>) {
    if let Some(id) = &focus {
        app.state::<AppState>().lock().focus_item = Some(id.clone());
    }
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        if let Some(id) = focus {
            let _ = app.emit_to(MAIN, "focus-item", id);
        }
        return;
    }
    let built = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("UrutiBiz")
        .inner_size(460.0, 700.0)
        .min_inner_size(360.0, 420.0)
        .build();
    if let Err(e) = built {
        tracing::error!(error = %e, "could not open the window");
    }
}

/// After the webview is destroyed, hands freed heap back to the system:
/// glibc keeps it otherwise, and the idle tray app would look as big as
/// with its window open.
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let _ = std::thread::Builder::new().name("release-memory".into()).spawn(|| {
            std::thread::sleep(std::time::Duration::from_secs(1));
            // SAFETY: malloc_trim only returns free pages to the OS.
            unsafe {
                libc::malloc_trim(0);
            }
        });
    }
}

/// The main window is visible and focused: in front of the person.
pub fn in_sight(app: &AppHandle) -> bool {
    app.get_webview_window(MAIN)
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false))
}
