//! "Open in UrutiBiz": the page of a booking, chat or notification on the
//! website, at the address the user or installer configured (`--web-url`,
//! Settings). Paths: `/bookings/<id>`, `/messages/<chatId>`,
//! `/notifications/<id>`; a notification about a booking or a chat opens
//! that page instead.

use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;
use urutibiz_desktop_core::web_page::Page;

/// Opens `page` in the browser; an error says why (no website configured).
pub fn open(app: &AppHandle, page: &Page) -> Result<(), crate::error::Error> {
    use tauri::Manager;
    let site = app.state::<crate::state::AppState>().lock().settings.web_url.clone();
    let site = site.ok_or_else(|| {
        crate::error::Error::Invalid(
            "Set the website address in Settings to open pages in the browser.".into(),
        )
    })?;
    let url =
        page.url(&site).ok_or_else(|| crate::error::Error::Invalid("That page cannot be opened.".into()))?;
    open_browser(app, &url).map_err(crate::error::Error::Invalid)
}

/// Opens the system browser at `url`; `$BROWSER` wins when set, as for
/// other Unix programs.
pub fn open_browser(app: &AppHandle, url: &str) -> Result<(), String> {
    if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let mut child = std::process::Command::new(&browser)
            .arg(url)
            .spawn()
            .map_err(|e| format!("{}: {e}", browser.to_string_lossy()))?;
        std::thread::spawn(move || child.wait());
        return Ok(());
    }
    app.opener().open_url(url, None::<&str>).map_err(|e| e.to_string())
}
