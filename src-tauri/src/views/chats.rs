//! The signed-in user's conversations, from the server: the list (names,
//! last message, unread per chat) loaded when the connection comes up and
//! again after a burst of messages or read changes; one open conversation
//! whose history loads a page at a time as the user scrolls back. Live
//! messages and the user's own replies show at once, before any reload.

use std::time::Duration;
use tauri::{AppHandle, Manager};
use urutibiz_client::history;
use urutibiz_desktop_core::chats::Chats;
use urutibiz_protocol::api::Cursor;

use crate::state::AppState;

/// Chats per page of the list.
const CHATS_PAGE: usize = 50;
/// Messages per page of a conversation.
const MESSAGES_PAGE: usize = 50;
/// A burst of messages or read changes becomes one list reload after this long.
const SETTLE: Duration = Duration::from_millis(800);

/// The chat list's reload after a burst (a managed state); the chats
/// themselves are the core's, in [`AppState`].
#[derive(Default)]
pub struct MyChats {
    reload_soon: crate::views::settle::Settling,
}

/// Runs `change` on the chats under the app's lock.
pub fn with<T>(app: &AppHandle, change: impl FnOnce(&mut Chats) -> T) -> T {
    change(&mut app.state::<AppState>().lock().machine.chats)
}

fn me(app: &AppHandle) -> String {
    crate::account::user_id(app)
}

/// Loads the first page of the list now (the open chat stays open).
pub fn reload(app: &AppHandle) {
    load_list(app, None);
}

/// Loads the list's next page.
pub fn load_more(app: &AppHandle) {
    let next = with(app, |c| c.next_chats());
    if next.is_some() {
        load_list(app, next);
    }
}

fn load_list(app: &AppHandle, before: Option<Cursor>) {
    let Some(config) = crate::session::client::client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let page = history::my_chats(&config, before.as_ref(), CHATS_PAGE).await.map_err(|e| {
            tracing::warn!(error = %e, "could not load chats");
            e.to_string()
        });
        let me = me(&app);
        with(&app, |c| c.list_loaded(page, &me, before.is_some()));
        app.state::<AppState>().changed(false);
    });
}

/// Reloads the list once a burst of changes has settled.
pub fn reload_soon(app: &AppHandle) {
    app.state::<MyChats>().reload_soon.schedule(app, SETTLE, reload);
}

/// Opens a conversation: its newest page loads; with `mark_read` (the
/// person opened it) it is read on every device.
pub fn open(app: &AppHandle, chat_id: String, mark_read: bool) {
    with(app, |c| c.open(&chat_id, mark_read));
    if mark_read {
        mark_chat_read(app, &chat_id);
    }
    load_messages(app, chat_id, None);
}

/// Reads `chat_id` if it is the open conversation and the window is in
/// front of the person.
pub fn read_if_seen(app: &AppHandle, chat_id: &str) {
    let open = with(app, |c| c.open_id() == Some(chat_id));
    if open && window_in_sight(app) {
        with(app, |c| c.seen(chat_id));
        mark_chat_read(app, chat_id);
    }
}

/// The main window is visible and focused.
pub fn window_in_sight(app: &AppHandle) -> bool {
    app.get_webview_window(crate::shell::window::MAIN)
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false))
}

/// Loads the open conversation's next older page, if any.
pub fn load_older(app: &AppHandle) {
    if let Some((chat_id, before)) = with(app, Chats::want_older) {
        load_messages(app, chat_id, Some(before));
    }
}

fn load_messages(app: &AppHandle, chat_id: String, before: Option<Cursor>) {
    app.state::<AppState>().changed(false);
    let Some(config) = crate::session::client::client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let page =
            history::chat_messages(&config, &chat_id, before.as_ref(), MESSAGES_PAGE).await.map_err(|e| {
                match e {
                    // Someone else's chat and a missing one answer alike.
                    history::HistoryError::Refused(status) if status.as_u16() == 403 => {
                        "not found".to_owned()
                    }
                    e => e.to_string(),
                }
            });
        let me = me(&app);
        with(&app, |c| c.messages_loaded(&chat_id, page, &me));
        app.state::<AppState>().changed(false);
    });
}

/// The user wrote in `chat_id` (from the Chats view or a booking row).
pub fn on_own_message(app: &AppHandle, chat_id: &str, message: &str, reference: &str) {
    let name =
        app.state::<crate::account::Account>().user().and_then(|u| u.name).unwrap_or_else(|| "You".into());
    let at = chrono::Local::now().timestamp_millis();
    if with(app, |c| c.echo(chat_id, message, &name, at, reference)) {
        reload_soon(app);
    }
}

/// A fresh reference for one of the user's messages.
pub fn next_reference() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!(
        "{}{}",
        urutibiz_desktop_core::machine::CHAT_REFERENCE_PREFIX,
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Marks a conversation read (the user opened it or is watching it): its
/// message notifications at once here, and on every device by the server.
pub fn mark_chat_read(app: &AppHandle, chat_id: &str) {
    let state = app.state::<AppState>();
    {
        let mut known = state.lock();
        let history = &mut known.machine.history;
        let ids: Vec<String> = history
            .items
            .iter()
            .filter(|i| !i.read && i.about().chat_id() == Some(chat_id))
            .map(|i| i.id.clone())
            .collect();
        history.mark_read_locally(&ids);
    }
    state.send(urutibiz_client::Command::MarkChatRead(chat_id.to_owned()));
    state.changed(true);
}
