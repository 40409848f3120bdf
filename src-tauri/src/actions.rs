//! What the user can do, shared by commands (the window) and the tray menu.
//! Read state goes through the server so other devices agree; the local
//! view changes at once.

use crate::keychain::StoredSession;
use crate::state::{AppState, ConnectionView, KeychainView};
use crate::{account, keychain, live};
use tauri::{AppHandle, Manager};
use urutibiz_client::Command;
use urutibiz_desktop_core::dnd;

fn send(state: &AppState, command: Command) {
    if let Some(client) = state.client.lock().expect("client lock").as_ref() {
        client.send(command);
    }
}

/// Marks notifications read.
pub fn mark_read(app: &AppHandle, ids: Vec<String>) {
    let state = app.state::<AppState>();
    state.history.lock().expect("history lock").mark_read_locally(&ids);
    send(&state, Command::MarkRead(ids));
    state.changed(true);
}

/// Marks every notification read.
pub fn mark_all_read(app: &AppHandle) {
    let state = app.state::<AppState>();
    state.history.lock().expect("history lock").mark_all_read_locally();
    send(&state, Command::MarkAllRead);
    state.changed(true);
}

/// Clears history on every device.
pub fn clear(app: &AppHandle) {
    let state = app.state::<AppState>();
    state.history.lock().expect("history lock").clear_locally();
    send(&state, Command::Clear);
    state.changed(true);
}

/// Marks a conversation read (the user opened it or is watching it): its
/// message notifications at once here, and on every device by the server.
pub fn mark_chat_read(app: &AppHandle, chat_id: &str) {
    let state = app.state::<AppState>();
    {
        let mut history = state.history.lock().expect("history lock");
        let ids: Vec<String> = history
            .items
            .iter()
            .filter(|i| {
                !i.read
                    && i.kind == "message"
                    && i.data.get("chatId").and_then(|c| c.as_str()) == Some(chat_id)
            })
            .map(|i| i.id.clone())
            .collect();
        history.mark_read_locally(&ids);
    }
    send(&state, Command::MarkChatRead(chat_id.to_owned()));
    state.changed(true);
}

/// Replies in a chat; the message shows at once as the user's own.
pub fn send_message(app: &AppHandle, chat_id: String, message: String) {
    let reference = crate::chats::next_reference();
    crate::chats::on_own_message(app, &chat_id, &message, &reference);
    send(&app.state::<AppState>(), Command::SendMessage { chat_id, message, reference });
    app.state::<AppState>().changed(false);
}

/// Writes to the other party of a booking: their chat (its id known from
/// the booking) shows the message at once; the server starts the chat.
pub fn message_user(app: &AppHandle, to_user_id: String, chat_id: String, message: String) {
    let reference = crate::chats::next_reference();
    crate::chats::on_own_message(app, &chat_id, &message, &reference);
    send(&app.state::<AppState>(), Command::MessageUser { to_user_id, message, reference });
    app.state::<AppState>().changed(false);
}

/// `hour`, `tomorrow` or `off`.
pub fn set_dnd(app: &AppHandle, mode: &str) {
    let state = app.state::<AppState>();
    let now = chrono::Local::now();
    let until = match mode {
        "hour" => Some(dnd::for_one_hour(now)),
        "tomorrow" => Some(dnd::until_tomorrow_morning(now)),
        _ => None,
    };
    let mut settings = state.settings.lock().expect("settings lock");
    settings.dnd_until = until;
    state.store.save_settings(&settings);
    drop(settings);
    state.changed(false);
}

/// Replaces the notification preferences; the badge follows at once.
pub fn set_preferences(app: &AppHandle, mut preferences: urutibiz_desktop_core::preferences::Preferences) {
    preferences.forget_expired_mutes(chrono::Local::now().timestamp_millis());
    let state = app.state::<AppState>();
    let mut settings = state.settings.lock().expect("settings lock");
    settings.preferences = preferences;
    state.store.save_settings(&settings);
    drop(settings);
    state.changed(false);
}

/// Reconnects now: the running client drops its socket and connects again
/// (a restart would leave the refresher talking to the old client).
pub fn reconnect(app: &AppHandle) {
    let state = app.state::<AppState>();
    let running = state.client.lock().expect("client lock").clone();
    match running {
        Some(client) => client.send(Command::Reconnect),
        None => live::start(app),
    }
}

/// Uses a pasted `token` (and remembers it in the keychain when `persist`).
pub fn sign_in(app: &AppHandle, token: String, persist: bool) {
    let user = account::user_of_token(&token);
    if let Some(user) = &user {
        account::claim_cache(app, &user.id);
    }
    account::set_token_user(app, user);
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
    *state.keychain.lock().expect("keychain lock") = keychain;
    *state.token.lock().expect("token lock") = Some(token);
    live::start(app);
    state.changed(false);
}

/// Forgets the token and this user's cached data.
pub fn sign_out(app: &AppHandle) {
    account::forget(app);
    let state = app.state::<AppState>();
    keychain::delete();
    *state.token.lock().expect("token lock") = None;
    if let Some(client) = state.client.lock().expect("client lock").take() {
        client.send(Command::Shutdown);
    }
    state.store.forget_user_data();
    *state.history.lock().expect("history lock") = Default::default();
    *state.connection.lock().expect("connection lock") = ConnectionView::signed_out("Signed out");
    state.changed(true);
}
