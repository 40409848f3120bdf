//! Who is signed in, and how they stay signed in.
//!
//! - **Browser sign-in** (the usual way): the system browser opens at the
//!   OpenID provider; the client core receives the code on a loopback
//!   redirect and exchanges it. The refresh token goes to the keychain.
//! - **Staying signed in**: the client core's refresher renews the access
//!   token in-band; every rotated refresh token replaces the stored one.
//!   When the provider refuses, the session ends with a popup saying so.
//! - **At start**: a stored session is renewed with its refresh token, no
//!   browser; if the provider cannot be reached yet, it keeps trying.
//! - **A pasted token** (advanced) is used as it is, until it expires.
//!
//! Before anything is shown for a user or server other than the last one,
//! the previous user's cached history, position and unread count are
//! forgotten.
//!
//! Locks: each of `Account`'s mutexes is taken alone, never while holding
//! another lock of `Account` or `AppState`.

use crate::keychain::{self, StoredSession};
use crate::state::{AppState, ConnectionView, KeychainView};
use crate::{live, popups};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;
use tokio::sync::Notify;
use ts_rs::TS;
use urutibiz_client::auth::provider::RefreshError;
use urutibiz_client::auth::{spawn_refresher, AuthEvent, Provider, Refreshing, Tokens};

/// This app's client id at the provider.
pub const CLIENT_ID: &str = "urutibiz-desktop";
/// How long the browser step may take before the app gives up on it.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest wait between attempts to renew a stored session at start.
const RESTORE_BACKOFF_CAP: Duration = Duration::from_secs(60);

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
    fn session(&self, provider: &Provider, refresh_token: String) -> StoredSession {
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
    user: Mutex<Option<UserView>>,
    sign_in: Mutex<SignInView>,
    /// A browser sign-in or a restore in progress.
    task: Mutex<Option<JoinHandle<()>>>,
    refreshing: Mutex<Option<Refreshing>>,
    /// Shared with the client core: poked to renew before reconnecting.
    wake: Arc<Notify>,
    /// A refresher owns the token.
    renewing: AtomicBool,
}

/// The signed-in user's id (`""` before the account is known).
pub fn user_id(app: &AppHandle) -> String {
    app.state::<Account>().user().map(|u| u.id).unwrap_or_default()
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
    fn renewal_kept(&self) {
        if let Some(refreshing) = self.refreshing.lock().expect("refreshing lock").as_ref() {
            refreshing.kept();
        }
    }

    /// What the client core pokes to get a fresh token, when one is renewed.
    pub fn token_refresh(&self) -> Option<Arc<Notify>> {
        self.renewing.load(Ordering::SeqCst).then(|| self.wake.clone())
    }

    fn set_sign_in(&self, view: SignInView) {
        *self.sign_in.lock().expect("sign-in lock") = view;
    }

    fn replace_task(&self, task: Option<JoinHandle<()>>) {
        if let Some(old) = std::mem::replace(&mut *self.task.lock().expect("task lock"), task) {
            old.abort();
        }
    }

    /// Stops renewing (the refresher is aborted when dropped).
    fn stop_renewing(&self) {
        self.renewing.store(false, Ordering::SeqCst);
        self.refreshing.lock().expect("refreshing lock").take();
    }
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

/// Starts a browser sign-in with `issuer` for `server_url` (both checked).
pub fn begin_browser_sign_in(app: &AppHandle, server_url: String, issuer: String) {
    let state = app.state::<AppState>();
    {
        let mut settings = state.settings.lock().expect("settings lock");
        settings.server_url = server_url;
        settings.issuer_url = issuer.clone();
        state.store.save_settings(&settings);
    }
    let account = app.state::<Account>();
    tracing::info!(%issuer, "browser sign-in started");
    account.set_sign_in(SignInView { waiting: true, error: None });
    state.changed(false);
    let app2 = app.clone();
    let task = tauri::async_runtime::spawn(async move {
        let app = app2;
        let outcome = async {
            let provider = Provider::discover(&issuer, CLIENT_ID).await?;
            let signed = provider.sign_in(|url| open_browser(&app, url), SIGN_IN_TIMEOUT).await?;
            Ok::<_, urutibiz_client::auth::provider::SignInError>((provider, signed))
        }
        .await;
        let account = app.state::<Account>();
        match outcome {
            Ok((provider, signed)) => {
                let user = UserView { id: signed.user_id.clone(), name: signed.name.clone() };
                let stored = signed
                    .tokens
                    .refresh_token
                    .clone()
                    .map(|refresh_token| user.session(&provider, refresh_token));
                remember(&app, stored.as_ref());
                account.set_sign_in(SignInView::default());
                activate(&app, Arc::new(provider), signed.tokens, user);
            }
            Err(e) => {
                tracing::info!(error = %e, "browser sign-in failed");
                account.set_sign_in(SignInView { waiting: false, error: Some(e.to_string()) });
            }
        }
        app.state::<AppState>().changed(false);
    });
    account.replace_task(Some(task));
}

/// Gives up on a browser sign-in in progress.
pub fn cancel_sign_in(app: &AppHandle) {
    let account = app.state::<Account>();
    account.replace_task(None);
    account.set_sign_in(SignInView { waiting: false, error: Some("Sign-in cancelled.".into()) });
    app.state::<AppState>().changed(false);
}

/// Keeps the session in the keychain, and says where it is kept.
fn remember(app: &AppHandle, session: Option<&StoredSession>) {
    let view = match session.map(keychain::save) {
        None => KeychainView {
            available: false,
            message: Some(
                "The sign-in service gave no refresh token: you will need to sign in again later.".into(),
            ),
        },
        Some(Ok(())) => KeychainView { available: true, message: None },
        Some(Err(e)) => {
            tracing::warn!(error = %e, "no keychain; keeping the session in memory only");
            KeychainView {
                available: false,
                message: Some(
                    "No keychain on this system: the session is kept in memory only, so you will need to sign in again after a restart."
                        .into(),
                ),
            }
        }
    };
    *app.state::<AppState>().keychain.lock().expect("keychain lock") = view;
}

/// Forgets the cached history, position and unread count when they belong
/// to another user or server than `user_id` on the current server.
pub fn claim_cache(app: &AppHandle, user_id: &str) {
    let state = app.state::<AppState>();
    let server = state.settings.lock().expect("settings lock").server_url.clone();
    let owner = format!("{server}\n{user_id}");
    if state.store.cache_owner().as_deref() != Some(owner.as_str()) {
        state.store.forget_user_data();
        *state.history.lock().expect("history lock") = Default::default();
        state.store.set_cache_owner(&owner);
        state.changed(true);
    }
}

/// Uses fresh provider tokens: starts the client and the refresher.
fn activate(app: &AppHandle, provider: Arc<Provider>, tokens: Tokens, user: UserView) {
    claim_cache(app, &user.id);
    let account = app.state::<Account>();
    let state = app.state::<AppState>();
    account.stop_renewing();
    *account.user.lock().expect("user lock") = Some(user.clone());
    account.renewing.store(true, Ordering::SeqCst);
    *state.token.lock().expect("token lock") = Some(tokens.access_token.clone());
    live::start(app);
    let Some(client) = state.client.lock().expect("client lock").clone() else { return };
    let runtime = tauri::async_runtime::handle();
    let _entered = runtime.inner().enter();
    let (refreshing, mut events) = spawn_refresher(provider.clone(), tokens, client, account.wake.clone());
    *account.refreshing.lock().expect("refreshing lock") = Some(refreshing);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                AuthEvent::Refreshed(tokens) => {
                    let state = app.state::<AppState>();
                    *state.token.lock().expect("token lock") = Some(tokens.access_token.clone());
                    if let Some(refresh_token) = tokens.refresh_token {
                        let session = user.session(&provider, refresh_token);
                        let available = state.keychain.lock().expect("keychain lock").available;
                        if available {
                            if let Err(e) = keychain::save(&session) {
                                tracing::warn!(error = %e, "could not keep the renewed session in the keychain");
                            }
                        }
                    }
                    app.state::<Account>().renewal_kept();
                }
                AuthEvent::RefreshFailed { reason, retry_in } => {
                    tracing::info!(%reason, ?retry_in, "renewing the session failed; the socket stays up");
                }
                AuthEvent::SignedOut { reason } => {
                    end_session(&app, &reason);
                    return;
                }
            }
        }
    });
}

/// The provider ended the session: signed out, saying why, history kept
/// for when the same person signs in again.
fn end_session(app: &AppHandle, reason: &str) {
    keychain::delete();
    let account = app.state::<Account>();
    account.stop_renewing();
    *account.user.lock().expect("user lock") = None;
    let state = app.state::<AppState>();
    *state.token.lock().expect("token lock") = None;
    if let Some(client) = state.client.lock().expect("client lock").take() {
        client.send(urutibiz_client::Command::Shutdown);
    }
    *state.connection.lock().expect("connection lock") = ConnectionView::signed_out(reason);
    state.changed(false);
    popups::notice(app, "Signed out of UrutiBiz", &format!("{reason}. Open UrutiBiz to sign in again."));
}

/// At start: renews a stored session without the browser, or uses a stored
/// pasted token. Keeps trying while the provider cannot be reached.
pub fn restore(app: &AppHandle) {
    let state = app.state::<AppState>();
    match keychain::load() {
        Ok(None) => {}
        Ok(Some(StoredSession::Token { token })) => crate::actions::sign_in(app, token, true),
        Ok(Some(StoredSession::Provider { issuer, client_id, refresh_token, user_id, name })) => {
            let user = UserView { id: user_id, name };
            *app.state::<Account>().user.lock().expect("user lock") = Some(user.clone());
            let app2 = app.clone();
            let task = tauri::async_runtime::spawn(async move {
                renew_stored(app2, issuer, client_id, refresh_token, user).await;
            });
            app.state::<Account>().replace_task(Some(task));
        }
        Err(e) => {
            tracing::warn!(error = %e, "no keychain available");
            *state.keychain.lock().expect("keychain lock") = KeychainView {
                available: false,
                message: Some("No keychain on this system: sessions are kept in memory only.".into()),
            };
            *state.connection.lock().expect("connection lock") = ConnectionView::signed_out("Not signed in");
        }
    }
}

async fn renew_stored(
    app: AppHandle,
    issuer: String,
    client_id: String,
    refresh_token: String,
    user: UserView,
) {
    let mut delay = Duration::from_secs(1);
    loop {
        let outcome = match Provider::discover(&issuer, &client_id).await {
            Ok(provider) => match provider.refresh(&refresh_token).await {
                Ok(tokens) => Ok((provider, tokens)),
                Err(RefreshError::Transient(e)) => Err(Some(e.to_string())),
                Err(refused) => {
                    end_session(&app, &refused.to_string());
                    return;
                }
            },
            Err(e) => Err(Some(e.to_string())),
        };
        match outcome {
            Ok((provider, tokens)) => {
                let stored =
                    tokens.refresh_token.clone().map(|refresh_token| user.session(&provider, refresh_token));
                remember(&app, stored.as_ref());
                activate(&app, Arc::new(provider), tokens, user);
                return;
            }
            Err(reason) => {
                let reason = reason.unwrap_or_default();
                tracing::info!(%reason, ?delay, "cannot renew the stored session yet");
                let state = app.state::<AppState>();
                *state.connection.lock().expect("connection lock") = ConnectionView {
                    state: "offline".into(),
                    since_ms: Some(chrono::Local::now().timestamp_millis()),
                    retry_in_ms: Some(delay.as_millis() as u64),
                    reason: Some(format!("renewing the session: {reason}")),
                };
                state.changed(false);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RESTORE_BACKOFF_CAP);
            }
        }
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
