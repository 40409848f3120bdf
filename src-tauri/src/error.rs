//! The error commands return to the UI: serializable, with a message for people.

use serde::{Serialize, Serializer};

/// What went wrong in a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input was not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The settings file could not be read or written.
    #[error("settings: {0}")]
    Store(#[from] tauri_plugin_store::Error),
    /// The OS's start-at-login entry could not be changed.
    #[error("start at login: {0}")]
    Autostart(#[from] tauri_plugin_autostart::Error),
    /// The server did not answer a request of the window.
    #[error(transparent)]
    Server(#[from] urutibiz_client::history::HistoryError),
    /// An update could not be checked for or installed.
    #[error(transparent)]
    Update(#[from] crate::shell::updates::UpdateError),
    /// A page could not be opened in the browser.
    #[error(transparent)]
    WebLink(#[from] crate::shell::web_link::WebLinkError),
    /// Tauri failed (window, tray).
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// Result of a command.
pub type Result<T> = std::result::Result<T, Error>;
