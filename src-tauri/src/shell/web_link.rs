//! "Open in UrutiBiz": the page of a booking, chat or notification on the
//! website, at the address the user or installer configured (`--web-url`,
//! Settings). Paths: `/bookings/<id>`, `/messages/<chatId>`,
//! `/notifications/<id>`; a notification about a booking or a chat opens
//! that page instead.

use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;
use urutibiz_desktop_core::web_page::Page;

/// Why a page could not be opened; the words are shown to the person.
#[derive(Debug, thiserror::Error)]
pub enum WebLinkError {
    #[error("Set the website address in Settings to open pages in the browser.")]
    NoWebsite,
    #[error("That page cannot be opened.")]
    NotAPage,
    /// `$BROWSER` could not be started.
    #[error("{browser}: {source}")]
    Browser {
        browser: String,
        #[source]
        source: std::io::Error,
    },
    /// The OS's opener refused.
    #[error(transparent)]
    Opener(#[from] tauri_plugin_opener::Error),
}

pub fn open(app: &AppHandle, page: &Page) -> Result<(), WebLinkError> {
    use tauri::Manager;
    let site = app.state::<crate::state::AppState>().lock().settings.web_url.clone();
    let site = site.ok_or(WebLinkError::NoWebsite)?;
    let url = page.url(&site).ok_or(WebLinkError::NotAPage)?;
    open_browser(app, &url)
}

/// Opens `url` with `$BROWSER` when set (how tests and some desktops choose
/// one), else the OS's default.
pub fn open_browser(app: &AppHandle, url: &str) -> Result<(), WebLinkError> {
    if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let mut child = std::process::Command::new(&browser).arg(url).spawn().map_err(|source| {
            WebLinkError::Browser { browser: browser.to_string_lossy().into_owned(), source }
        })?;
        std::thread::spawn(move || child.wait());
        return Ok(());
    }
    Ok(app.opener().open_url(url, None::<&str>)?)
}
