//! How a person signs in and stays signed in.
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
//! forgotten ([`crate::account::claim_cache`]).

use crate::account::{claim_cache, Account, SignInView, UserView, CLIENT_ID};
use crate::state::{AppState, ConnectionView, KeychainView};
use crate::store::keychain::{self, StoredSession};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use urutibiz_client::auth::provider::RefreshError;
use urutibiz_client::auth::{spawn_refresher, AuthEvent, Provider, Tokens};

/// How long the browser step may take before the app gives up on it.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest wait between attempts to renew a stored session at start.
const RESTORE_BACKOFF_CAP: Duration = Duration::from_secs(60);

/// Starts a browser sign-in with `issuer` for `server_url` (both checked).
pub fn begin_browser_sign_in(app: &AppHandle, server_url: String, issuer: String) {
    let state = app.state::<AppState>();
    {
        let mut known = state.lock();
        let settings = &mut known.settings;
        settings.server_url = server_url;
        settings.issuer_url = issuer.clone();
        state.store.save_settings(settings);
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
            let signed = provider
                .sign_in(
                    |url| crate::shell::web_link::open_browser(&app, url).map_err(|e| e.to_string()),
                    SIGN_IN_TIMEOUT,
                )
                .await?;
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
    app.state::<AppState>().lock().keychain = view;
}

/// Uses fresh provider tokens: starts the client and the refresher.
fn activate(app: &AppHandle, provider: Arc<Provider>, tokens: Tokens, user: UserView) {
    claim_cache(app, &user.id);
    let account = app.state::<Account>();
    let state = app.state::<AppState>();
    account.stop_renewing();
    *account.user.lock().expect("user lock") = Some(user.clone());
    account.renewing.store(true, Ordering::SeqCst);
    state.lock().token = Some(tokens.access_token.clone());
    crate::session::client::start(app);
    let Some(client) = state.lock().client.clone() else { return };
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
                    state.lock().token = Some(tokens.access_token.clone());
                    if let Some(refresh_token) = tokens.refresh_token {
                        let session = user.session(&provider, refresh_token);
                        let available = state.lock().keychain.available;
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
    state.lock().token = None;
    if let Some(client) = state.lock().client.take() {
        client.send(urutibiz_client::Command::Shutdown);
    }
    state.lock().connection = ConnectionView::signed_out(reason);
    state.changed(false);
    crate::news::notice(app, "Signed out of UrutiBiz", &format!("{reason}. Open UrutiBiz to sign in again."));
}

/// At start: renews a stored session without the browser, or uses a stored
/// pasted token. Keeps trying while the provider cannot be reached.
pub fn restore(app: &AppHandle) {
    let state = app.state::<AppState>();
    match keychain::load() {
        Ok(None) => {}
        Ok(Some(StoredSession::Token { token })) => with_token(app, token, true),
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
            state.lock().keychain = KeychainView {
                available: false,
                message: Some("No keychain on this system: sessions are kept in memory only.".into()),
            };
            state.lock().connection = ConnectionView::signed_out("Not signed in");
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
                state.lock().connection = ConnectionView {
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

/// Uses a pasted `token` (and remembers it in the keychain when `persist`).
pub fn with_token(app: &AppHandle, token: String, persist: bool) {
    let user = crate::account::user_of_token(&token);
    if let Some(user) = &user {
        crate::account::claim_cache(app, &user.id);
    }
    crate::account::set_token_user(app, user);
    let state = app.state::<AppState>();
    let keychain = if !persist {
        KeychainView {
            available: false,
            message: Some("Token from the command line: kept in memory only.".into()),
        }
    } else {
        match keychain::save(&StoredSession::Token { token: token.clone() }) {
            Ok(()) => KeychainView { available: true, message: None },
            Err(e) => {
                tracing::warn!(error = %e, "no keychain; keeping the token in memory only");
                KeychainView {
                    available: false,
                    message: Some(
                        "No keychain on this system: you will need to sign in again after a restart.".into(),
                    ),
                }
            }
        }
    };
    state.lock().keychain = keychain;
    state.lock().token = Some(token);
    crate::session::client::start(app);
    state.changed(false);
}
