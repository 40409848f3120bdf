//! Settings and cache in the tauri-plugin-store file: server URL, sound,
//! do-not-disturb, theme, the cached history, the one-time tokens of the
//! popups shown (a click on one can come back after a restart), the last
//! position and whose they are. Never a sign-in token (the keychain's).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use tauri::Wry;
use tauri_plugin_store::Store;
use ts_rs::TS;
use urutibiz_client::PositionStore;
use urutibiz_desktop_core::history::Item;
use urutibiz_desktop_core::popup_acts::IssuedPopups;
use urutibiz_desktop_core::preferences::Preferences;

/// The store file, in the app's data directory.
pub const FILE: &str = "settings.json";

/// What the user chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Settings {
    /// Realtime server base URL.
    pub server_url: String,
    /// The OpenID provider people sign in with (issuer URL).
    pub issuer_url: String,
    /// No sounds.
    pub muted: bool,
    /// Do not disturb until then (Unix milliseconds).
    #[ts(type = "number | null")]
    pub dnd_until: Option<i64>,
    /// `system`, `light` or `dark`.
    pub theme: String,
    /// Per kind of notification, and quiet hours.
    pub preferences: Preferences,
    /// The UrutiBiz website, for "Open in browser" (checked, no trailing slash).
    pub web_url: Option<String>,
    /// Start hidden in the tray at login; `None` until the first sign-in
    /// turns it on.
    pub start_at_login: Option<bool>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server_url: "http://127.0.0.1:8080".into(),
            issuer_url: "http://127.0.0.1:8081".into(),
            muted: false,
            dnd_until: None,
            theme: "system".into(),
            preferences: Preferences::default(),
            web_url: None,
            start_at_login: None,
        }
    }
}

/// Typed access to the store file.
#[derive(Clone)]
pub struct SettingsStore {
    store: Arc<Store<Wry>>,
}

impl SettingsStore {
    /// Wraps an opened store.
    pub fn new(store: Arc<Store<Wry>>) -> SettingsStore {
        SettingsStore { store }
    }

    /// The settings, defaults for anything missing or unreadable.
    pub fn settings(&self) -> Settings {
        self.store.get("settings").and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    }

    /// Saves the settings.
    pub fn save_settings(&self, settings: &Settings) {
        self.store.set("settings", serde_json::to_value(settings).unwrap_or(Value::Null));
        self.flush();
    }

    /// The cached history.
    pub fn items(&self) -> Vec<Item> {
        self.store.get("history").and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    }

    /// The tokens of the popups shown before (their clicks may come back).
    pub fn popups_issued(&self) -> IssuedPopups {
        self.store.get("popups").and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    }

    /// Caches the history and the popups' tokens.
    pub fn save_cache(&self, items: &[Item], issued: &IssuedPopups) {
        self.store.set("history", serde_json::to_value(items).unwrap_or(Value::Null));
        self.store.set("popups", serde_json::to_value(issued).unwrap_or(Value::Null));
        self.flush();
    }

    /// Forgets history, popups and position (on sign-out: another user may
    /// sign in).
    pub fn forget_user_data(&self) {
        self.store.delete("history");
        self.store.delete("popups");
        self.store.delete("position");
        self.store.delete("cacheOwner");
        self.flush();
    }

    /// Whose history and position are cached: server URL and user id.
    pub fn cache_owner(&self) -> Option<String> {
        self.store.get("cacheOwner").and_then(|v| v.as_str().map(str::to_owned))
    }

    /// Records whose history and position are cached.
    pub fn set_cache_owner(&self, owner: &str) {
        self.store.set("cacheOwner", owner);
        self.flush();
    }

    fn flush(&self) {
        if let Err(e) = self.store.save() {
            tracing::warn!(error = %e, "could not save settings");
        }
    }
}

impl PositionStore for SettingsStore {
    fn load(&self) -> Option<i64> {
        self.store.get("position").and_then(|v| v.as_i64())
    }

    fn save(&self, seq: i64) {
        self.store.set("position", seq);
        self.flush();
    }
}
