//! The client core as the app runs it: its settings from the token and
//! server in use, and (re)starting it. What a client reports goes to the
//! app's pump down the news channel ([`crate::news`]), so the parts that
//! start a client (signing in, reconnecting) need not know what becomes of
//! its news.

use crate::account::Account;
use crate::news::{News, NewsTo};
use crate::state::AppState;
use std::sync::Arc;
use tauri::{AppHandle, Manager};
use urutibiz_client::{spawn, ClientConfig, Command};

/// The client settings for the current token and server; `None` when signed out.
pub fn client_config(app: &AppHandle) -> Option<ClientConfig> {
    let state = app.state::<AppState>();
    let token = state.lock().token.clone()?;
    let server = state.lock().settings.server_url.clone();
    let mut config = ClientConfig::new(server, token);
    config.token_refresh = app.state::<Account>().token_refresh();
    Some(config)
}

/// (Re)starts the client with the current token and server.
pub fn start(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Some(config) = client_config(app) else { return };
    crate::shell::autostart::on_session(app);
    if let Some(old) = state.lock().client.take() {
        old.send(Command::Shutdown);
    }
    let position = Arc::new(state.store.clone());
    // The client runs on Tauri's tokio runtime; setup and menu handlers are
    // not inside it.
    let runtime = tauri::async_runtime::handle();
    let _entered = runtime.inner().enter();
    let news = app.state::<NewsTo>().0.clone();
    // Told before the client's first update: whoever signs in next sees
    // their own bookings and chats, loaded afresh.
    let _ = news.send(News::Started);
    let (handle, mut updates) = spawn(config, position);
    state.lock().client = Some(handle);
    tauri::async_runtime::spawn(async move {
        while let Some(update) = updates.recv().await {
            if news.send(News::Update(Box::new(update))).is_err() {
                return;
            }
        }
    });
}
