//! The app's shared state: history, settings, the connection and the
//! token. The window's view of it all is gathered in `views/snapshot.rs`.

use crate::store::settings::{Settings, SettingsStore};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use ts_rs::TS;
use urutibiz_client::{ConnectionState, Handle};
use urutibiz_desktop_core::history::History;
use urutibiz_desktop_core::machine::Machine;

/// The connection as the status line shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionView {
    /// `connecting`, `online`, `offline` or `signed-out`.
    pub state: String,
    /// Since when (Unix milliseconds), for online and offline.
    #[ts(type = "number | null")]
    pub since_ms: Option<i64>,
    /// Milliseconds to the next attempt, when offline.
    #[ts(type = "number | null")]
    pub retry_in_ms: Option<u64>,
    /// Why, for offline and signed-out.
    pub reason: Option<String>,
}

impl ConnectionView {
    /// Signed out, with a reason.
    pub fn signed_out(reason: &str) -> ConnectionView {
        ConnectionView {
            state: "signed-out".into(),
            since_ms: None,
            retry_in_ms: None,
            reason: Some(reason.into()),
        }
    }
}

impl From<&ConnectionState> for ConnectionView {
    fn from(state: &ConnectionState) -> Self {
        let (name, since_ms, retry_in_ms, reason) = match state {
            ConnectionState::Connecting => ("connecting", None, None, None),
            ConnectionState::Online { since_ms } => ("online", Some(*since_ms), None, None),
            ConnectionState::Offline { since_ms, retry_in_ms, reason } => {
                ("offline", Some(*since_ms), Some(*retry_in_ms), Some(reason.clone()))
            }
            ConnectionState::SignedOut { reason } => ("signed-out", None, None, Some(reason.clone())),
        };
        ConnectionView { state: name.into(), since_ms, retry_in_ms, reason }
    }
}

/// Where the token is kept.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeychainView {
    /// The OS keychain holds the token.
    pub available: bool,
    /// What the user should know (e.g. "kept in memory only").
    pub message: Option<String>,
}

/// What the app knows and the window shows, behind [`AppState::lock`].
pub struct Known {
    /// The core's live state: history, popups gathering or held, the
    /// Bookings and Chats views (see `live.rs`).
    pub machine: Machine,
    /// The user's settings.
    pub settings: Settings,
    /// The connection.
    pub connection: ConnectionView,
    /// The running client, if signed in.
    pub client: Option<Handle>,
    /// The token in use.
    pub token: Option<String>,
    /// Where the token is kept.
    pub keychain: KeychainView,
    /// An item to show when the window opens.
    pub focus_item: Option<String>,
}

/// Shared by commands, the tray, and the client pump: one owner of what
/// the app knows ([`Known`], one lock), the settings file, and the flags
/// that wake the redraw task.
///
/// Locks: every lock of the app (this one, and each other managed state's
/// own) is taken alone, for a statement or a short block: copy out what is
/// needed, release, then take the next. None is held across an `.await`,
/// so there is no order to remember.
pub struct AppState {
    known: Mutex<Known>,
    /// The settings file.
    pub store: SettingsStore,
    dirty: AtomicBool,
    cache_dirty: AtomicBool,
    /// Wakes the redraw task (`live::run_redraws`); nothing runs while idle.
    pub wake: tokio::sync::Notify,
}

impl AppState {
    /// A state from the settings file.
    pub fn new(store: SettingsStore) -> AppState {
        let known = Known {
            machine: Machine::restored(History::from_cache(store.items()), store.popups_issued()),
            settings: store.settings(),
            connection: ConnectionView::signed_out("Not signed in"),
            client: None,
            token: None,
            keychain: KeychainView { available: true, message: None },
            focus_item: None,
        };
        AppState {
            known: Mutex::new(known),
            store,
            dirty: AtomicBool::new(true),
            cache_dirty: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// What the app knows, locked until the guard goes (keep it short; see
    /// the type's note on locks).
    pub fn lock(&self) -> MutexGuard<'_, Known> {
        self.known.lock().expect("app state lock")
    }

    /// Sends a command to the running client, if there is one.
    pub fn send(&self, command: urutibiz_client::Command) {
        if let Some(client) = self.lock().client.as_ref() {
            client.send(command);
        }
    }

    /// Something the window, tray or cache shows changed.
    pub fn changed(&self, history_changed: bool) {
        self.dirty.store(true, Ordering::SeqCst);
        if history_changed {
            self.cache_dirty.store(true, Ordering::SeqCst);
        }
        self.wake.notify_one();
    }

    /// Takes the "changed" flag.
    pub fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::SeqCst)
    }

    /// Saves the history and the popups' tokens (copied out under the lock,
    /// written after it).
    pub fn save_cache(&self) {
        let (items, issued) = {
            let known = self.lock();
            (known.machine.history.items.clone(), known.machine.issued.clone())
        };
        self.store.save_cache(&items, &issued);
    }

    /// Takes the "history changed" flag.
    pub fn take_cache_dirty(&self) -> bool {
        self.cache_dirty.swap(false, Ordering::SeqCst)
    }
}
