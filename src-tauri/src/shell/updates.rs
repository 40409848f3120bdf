//! Updates: tauri-plugin-updater checks the release manifest (latest.json)
//! at start and every few hours; "Update available — 0.3.0" shows in the tray
//! menu and the window, and installs on request: the download is verified
//! against the public key built into the app (an unsigned or tampered one is
//! refused and the running version keeps running), installed (the
//! AppImage replaced, or the .deb/.rpm through the system's privilege
//! prompt, or the Windows/macOS installer), and the app restarts hidden in
//! the tray.

use serde::Serialize;
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Manager, Url};
use tauri_plugin_updater::{Update, UpdaterExt};
use ts_rs::TS;

use crate::state::AppState;

/// The first check waits a little: the app has just started and the
/// connection comes first.
const FIRST_CHECK: Duration = Duration::from_secs(5);
/// Then every six hours.
const EVERY: Duration = Duration::from_secs(6 * 3600);

/// What the window and the tray show about updates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateView {
    /// The running version.
    pub current: String,
    /// A newer version offered by the release manifest.
    pub available: Option<String>,
    /// It is downloading or installing.
    pub installing: bool,
    /// Why the last check or install failed, in words.
    pub error: Option<String>,
}

/// The update state (a managed state; its locks are taken alone).
pub struct Updates {
    view: Mutex<UpdateView>,
    offered: Mutex<Option<Update>>,
    /// `URUTIBIZ_UPDATE_URL`: another manifest (a staging channel, a test).
    endpoint: Option<Url>,
    /// Restarts into the installed version (the app says how).
    restart: fn(&AppHandle),
}

impl Updates {
    /// No update known yet; `endpoint` replaces the configured manifest;
    /// `restart` runs once an update is installed.
    pub fn new(current: String, endpoint: Option<Url>, restart: fn(&AppHandle)) -> Updates {
        Updates {
            view: Mutex::new(UpdateView { current, ..UpdateView::default() }),
            offered: Mutex::new(None),
            endpoint,
            restart,
        }
    }

    /// What the window and the tray show.
    pub fn view(&self) -> UpdateView {
        self.view.lock().expect("updates lock").clone()
    }

    fn set(&self, change: impl FnOnce(&mut UpdateView)) {
        change(&mut self.view.lock().expect("updates lock"));
    }
}

/// Why an update did not happen.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The updater failed: no manifest, a bad signature, an install refused.
    #[error(transparent)]
    Updater(#[from] tauri_plugin_updater::Error),
    /// Install was asked for with no update offered.
    #[error("no update is available")]
    NothingOffered,
}

/// Words for a failure, for people: a signature problem says the update was
/// refused, not just that something broke.
fn explain(error: &UpdateError) -> String {
    match error {
        UpdateError::Updater(tauri_plugin_updater::Error::Minisign(e)) => {
            // A stranger's key, a tampered or a cut-short download.
            format!("The update was refused: its signature does not verify with this app's key ({e}).")
        }
        UpdateError::Updater(tauri_plugin_updater::Error::SignatureUtf8(_)) => {
            "The update was refused: it is not signed.".into()
        }
        other => other.to_string(),
    }
}

fn updater(app: &AppHandle) -> Result<tauri_plugin_updater::Updater, UpdateError> {
    let mut builder = app.updater_builder();
    if let Some(endpoint) = &app.state::<Updates>().endpoint {
        builder = builder.endpoints(vec![endpoint.clone()])?;
    }
    Ok(builder.build()?)
}

/// Asks the manifest whether a newer version exists.
pub async fn check(app: &AppHandle) -> Result<Option<String>, UpdateError> {
    let found = updater(app)?.check().await?;
    let version = found.as_ref().map(|u| u.version.clone());
    let updates = app.state::<Updates>();
    *updates.offered.lock().expect("updates lock") = found;
    updates.set(|v| {
        v.available.clone_from(&version);
        v.error = None;
    });
    if let Some(version) = &version {
        tracing::info!(%version, "an update is available");
    }
    app.state::<AppState>().changed(false);
    Ok(version)
}

/// Checks at start and every few hours; a failed check is logged and
/// retried at the next one.
pub fn spawn_checker(app: &AppHandle) {
    // A development build is never installed: nothing to update, and tests
    // of it must not reach the internet.
    if cfg!(debug_assertions) && app.state::<Updates>().endpoint.is_none() {
        tracing::info!("development build: not checking for updates (URUTIBIZ_UPDATE_URL would)");
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_CHECK).await;
        loop {
            if let Err(e) = check(&app).await {
                tracing::warn!(error = %e, "could not check for updates");
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// Downloads, verifies and installs the offered update, then restarts. A
/// failure leaves the running version running and says why.
pub fn install(app: &AppHandle) {
    let updates = app.state::<Updates>();
    if updates.view().installing {
        return;
    }
    updates.set(|v| {
        v.installing = true;
        v.error = None;
    });
    app.state::<AppState>().changed(false);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let offered = app.state::<Updates>().offered.lock().expect("updates lock").clone();
        let result = match offered {
            Some(update) => update.download_and_install(|_, _| {}, || {}).await.map_err(UpdateError::from),
            None => Err(UpdateError::NothingOffered),
        };
        match result {
            Ok(()) => {
                let restart = app.state::<Updates>().restart;
                restart(&app);
            }
            Err(e) => {
                let why = explain(&e);
                tracing::warn!(error = %e, reason = %why, "update not installed");
                app.state::<Updates>().set(|v| {
                    v.installing = false;
                    v.error = Some(why.clone());
                });
                crate::news::notice(&app, "Update not installed", &why);
                app.state::<AppState>().changed(false);
            }
        }
    });
}
