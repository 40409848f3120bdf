//! Who is signed in: the account's state (the user, the browser sign-in's
//! progress, the session's renewal), and forgetting a previous user's
//! cached data before anything of another user or server is shown. How a
//! person signs in and stays signed in is `sign_in.rs`'s, above this.
//!
//! Locks: each of `Account`'s mutexes is taken alone, never while holding
//! another lock of `Account` or `AppState`.

use crate::state::AppState;
use crate::store::keychain::StoredSession;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Manager};
use tokio::sync::Notify;
use ts_rs::TS;
use urutibiz_client::auth::{Provider, Refreshing};

/// This app's client id at the provider.
pub const CLIENT_ID: &str = "urutibiz-desktop";

/// Who is signed in, as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserView {
    /// The user id.
    pub id: String,
    /// The display name, when known.
    pub name: Option<String>,
}

impl UserView {
    /// The keychain entry for this user's session with `provider`.
    pub(crate) fn session(&self, provider: &Provider, refresh_token: String) -> StoredSession {
        StoredSession::Provider {
            issuer: provider.issuer().to_owned(),
            client_id: provider.client_id().to_owned(),
            refresh_token,
            user_id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

/// The browser sign-in as the window shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignInView {
    /// Waiting for the person to finish in the browser.
    pub waiting: bool,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// The account's state; managed by Tauri beside [`AppState`].
#[derive(Default)]
pub struct Account {
    pub(crate) user: Mutex<Option<UserView>>,
    sign_in: Mutex<SignInView>,
    /// A browser sign-in or a restore in progress.
    task: Mutex<Option<JoinHandle<()>>>,
    pub(crate) refreshing: Mutex<Option<Refreshing>>,
    /// Shared with the client core: poked to renew before reconnecting.
    pub(crate) wake: Arc<Notify>,
    /// A refresher owns the token.
    pub(crate) renewing: AtomicBool,
}

impl Account {
    /// Who is signed in.
    pub fn user(&self) -> Option<UserView> {
        self.user.lock().expect("user lock").clone()
    }

    /// The browser sign-in's progress.
    pub fn sign_in_view(&self) -> SignInView {
        self.sign_in.lock().expect("sign-in lock").clone()
    }

    /// Whether the session is being renewed now: a stored session at start,
    /// or a renewal whose rotated refresh token is not in the keychain yet.
    pub fn renewal_under_way(&self) -> bool {
        let restoring =
            self.task.lock().expect("task lock").as_ref().is_some_and(|t| !t.inner().is_finished());
        restoring
            || self.refreshing.lock().expect("refreshing lock").as_ref().is_some_and(Refreshing::in_flight)
    }

    /// The rotated refresh token of the last renewal is kept.
    pub(crate) fn renewal_kept(&self) {
        if let Some(refreshing) = self.refreshing.lock().expect("refreshing lock").as_ref() {
            refreshing.kept();
        }
    }

    /// What the client core pokes to get a fresh token, when one is renewed.
    pub fn token_refresh(&self) -> Option<Arc<Notify>> {
        self.renewing.load(Ordering::SeqCst).then(|| self.wake.clone())
    }

    pub(crate) fn set_sign_in(&self, view: SignInView) {
        *self.sign_in.lock().expect("sign-in lock") = view;
    }

    pub(crate) fn replace_task(&self, task: Option<JoinHandle<()>>) {
        if let Some(old) = std::mem::replace(&mut *self.task.lock().expect("task lock"), task) {
            old.abort();
        }
    }

    /// Stops renewing (the refresher is aborted when dropped).
    pub(crate) fn stop_renewing(&self) {
        self.renewing.store(false, Ordering::SeqCst);
        self.refreshing.lock().expect("refreshing lock").take();
    }
}

/// Forgets the cached history, position and unread count when they belong
/// to another user or server than `user_id` on the current server.
pub fn claim_cache(app: &AppHandle, user_id: &str) {
    let state = app.state::<AppState>();
    let server = state.lock().settings.server_url.clone();
    let owner = format!("{server}\n{user_id}");
    if state.store.cache_owner().as_deref() != Some(owner.as_str()) {
        state.store.forget_user_data();
        state.lock().machine.forget_user();
        state.store.set_cache_owner(&owner);
        state.changed(true);
    }
}

/// Forgets the account's session (the caller clears the rest).
pub fn forget(app: &AppHandle) {
    let account = app.state::<Account>();
    account.replace_task(None);
    account.stop_renewing();
    *account.user.lock().expect("user lock") = None;
    account.set_sign_in(SignInView::default());
}

/// Who a pasted token speaks for, read without verifying it (the server
/// verifies): to show a name and to know whose cache is whose.
pub fn user_of_token(token: &str) -> Option<UserView> {
    let claims = urutibiz_client::auth::jwt_claims(token)?;
    let id = match claims.get("sub")? {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let name = claims.get("name").and_then(|n| n.as_str()).map(str::to_owned);
    Some(UserView { id, name })
}

/// Records who a pasted token speaks for.
pub fn set_token_user(app: &AppHandle, user: Option<UserView>) {
    let account = app.state::<Account>();
    account.replace_task(None);
    account.stop_renewing();
    *account.user.lock().expect("user lock") = user;
}
