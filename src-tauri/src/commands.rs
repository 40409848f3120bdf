//! Commands the window calls.

use crate::account::Account;
use crate::actions;
use crate::error::{Error, Result};
use crate::session::endpoint;
use crate::shell::web_link;
use crate::state::AppState;
use crate::views::snapshot::Snapshot;
use tauri::{AppHandle, State};
use urutibiz_desktop_core::bookings::BookingChange;
use urutibiz_desktop_core::machine::Act;
use urutibiz_desktop_core::preferences::Preferences;
use urutibiz_desktop_core::web_page::Page;
use urutibiz_protocol::room::is_valid_id;
use urutibiz_protocol::BookingStatus;

/// Everything the window shows.
#[tauri::command]
pub fn get_snapshot(
    state: State<'_, AppState>,
    account: State<'_, Account>,
    updates: State<'_, crate::shell::updates::Updates>,
) -> Snapshot {
    crate::views::snapshot::of(&state, &account, &updates)
}

/// Moves one of the user's bookings (a button of the Bookings view); the
/// outcome shows on the row.
#[tauri::command]
pub fn update_booking(app: AppHandle, booking_id: String, status: String) -> Result<()> {
    // Any status but the first one can be moved to.
    let status = BookingStatus::parse(&status)
        .filter(|s| *s != BookingStatus::Pending)
        .ok_or_else(|| Error::Invalid(format!("unknown booking status {status}")))?;
    actions::move_booking(&app, booking_id, status).map_err(|why| Error::Invalid(why.into()))
}

/// Saves notification preferences; they apply to the next notification.
#[tauri::command]
pub fn set_preferences(app: AppHandle, preferences: Preferences) -> Result<()> {
    preferences.quiet_hours.check().map_err(Error::Invalid)?;
    actions::set_preferences(&app, preferences);
    Ok(())
}

/// A booking's status changes, oldest first (the row's timeline).
#[tauri::command]
pub async fn booking_timeline(app: AppHandle, booking_id: String) -> Result<Vec<BookingChange>> {
    if !is_valid_id(&booking_id) {
        return Err(Error::Invalid("That is not a booking of yours.".into()));
    }
    let config =
        crate::session::client::client_config(&app).ok_or_else(|| Error::Invalid("Sign in first.".into()))?;
    let booking = urutibiz_client::history::booking(&config, &booking_id).await?;
    Ok(BookingChange::timeline(&booking))
}

/// Loads the user's bookings again (the Bookings view's retry).
#[tauri::command]
pub fn reload_bookings(app: AppHandle) {
    actions::act(&app, Act::ReloadBookings);
}

/// The notification the window should open at, once.
#[tauri::command]
pub fn take_focus_item(state: State<'_, AppState>) -> Option<String> {
    state.lock().focus_item.take()
}

/// Marks notifications read.
#[tauri::command]
pub fn mark_read(app: AppHandle, ids: Vec<String>) -> Result<()> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(Error::Invalid("give 1 to 500 ids".into()));
    }
    actions::mark_read(&app, ids);
    Ok(())
}

/// Marks every notification read.
#[tauri::command]
pub fn mark_all_read(app: AppHandle) {
    actions::mark_all_read(&app);
}

/// Clears notification history.
#[tauri::command]
pub fn clear_all(app: AppHandle) {
    actions::clear(&app);
}

/// Replies in a chat the user takes part in.
#[tauri::command]
pub fn send_message(app: AppHandle, chat_id: String, message: String) -> Result<()> {
    actions::send_message(&app, chat_id, message_text(&message)?);
    Ok(())
}

/// A chat message as the server takes it: trimmed, 1 to 4000 characters.
fn message_text(message: &str) -> Result<String> {
    let message = message.trim();
    if message.is_empty() || message.chars().count() > 4000 {
        return Err(Error::Invalid("A message must have 1 to 4000 characters.".into()));
    }
    Ok(message.to_owned())
}

/// Writes to the other party of one of the user's bookings.
#[tauri::command]
pub fn message_user(app: AppHandle, to_user_id: String, chat_id: String, message: String) -> Result<()> {
    let message = message_text(&message)?;
    if !is_valid_id(&to_user_id) || !is_valid_id(&chat_id) {
        return Err(Error::Invalid("That is not a user or chat of yours.".into()));
    }
    actions::message_user(&app, to_user_id, chat_id, message);
    Ok(())
}

/// Shows a conversation: its newest messages load. `mark_read` when the
/// person opened it themselves (a click, a popup); a link's conversation is
/// read by [`read_chat`] once the person looks at it.
#[tauri::command]
pub fn open_chat(app: AppHandle, chat_id: String, mark_read: bool) -> Result<()> {
    if !is_valid_id(&chat_id) {
        return Err(Error::Invalid("That is not a chat of yours.".into()));
    }
    actions::act(&app, Act::OpenChat { chat_id, mark_read });
    Ok(())
}

/// The person is looking at the open conversation (the window is focused
/// and visible, or they acted in it): it is read on every device. Nothing
/// happens for a conversation that is not open, or a window out of sight.
#[tauri::command]
pub fn read_chat(app: AppHandle, chat_id: String) -> Result<()> {
    if !is_valid_id(&chat_id) {
        return Err(Error::Invalid("That is not a chat of yours.".into()));
    }
    actions::act(&app, Act::ReadChat(chat_id));
    Ok(())
}

/// Loads the open conversation's older messages (the user scrolled up).
#[tauri::command]
pub fn load_older_messages(app: AppHandle) {
    actions::act(&app, Act::LoadOlderMessages);
}

/// Lists more conversations.
#[tauri::command]
pub fn load_more_chats(app: AppHandle) {
    actions::act(&app, Act::LoadMoreChats);
}

/// Loads the conversation list again (the Chats view's retry).
#[tauri::command]
pub fn reload_chats(app: AppHandle) {
    actions::act(&app, Act::ReloadChats);
}

/// Signs in through the system browser with the OpenID provider at
/// `issuer`; the outcome shows in the snapshot's `signIn`.
#[tauri::command]
pub fn sign_in_with_browser(app: AppHandle, server_url: String, issuer: String) -> Result<()> {
    let server_url = endpoint::check(&server_url, "server address")?;
    let issuer = endpoint::check(&issuer, "sign-in address")?;
    crate::session::sign_in::begin_browser_sign_in(&app, server_url, issuer);
    Ok(())
}

/// Gives up on a browser sign-in in progress.
#[tauri::command]
pub fn cancel_sign_in(app: AppHandle) {
    crate::session::sign_in::cancel_sign_in(&app);
}

/// Signs in with a pasted token (the advanced way).
#[tauri::command]
pub fn sign_in(app: AppHandle, state: State<'_, AppState>, server_url: String, token: String) -> Result<()> {
    let server_url = endpoint::check(&server_url, "server address")?;
    let token = token.trim().to_owned();
    if token.split('.').count() != 3 || token.len() < 20 {
        return Err(Error::Invalid(
            "That does not look like a token: it should have three parts separated by dots.".into(),
        ));
    }
    {
        let mut known = state.lock();
        let settings = &mut known.settings;
        settings.server_url = server_url;
        state.store.save_settings(settings);
    }
    crate::session::sign_in::with_token(&app, token, true);
    Ok(())
}

/// Signs out and forgets the token.
#[tauri::command]
pub fn sign_out(app: AppHandle) {
    actions::sign_out(&app);
}

/// Opens a booking (`booking`), conversation (`chat`) or notification
/// (`notification`: the page it is about) on the website.
#[tauri::command]
pub fn open_on_web(app: AppHandle, state: State<'_, AppState>, kind: String, id: String) -> Result<()> {
    let page = match kind.as_str() {
        "booking" => Page::Booking(id),
        "chat" => Page::Chat(id),
        "notification" => {
            let known = state.lock();
            let history = &known.machine.history;
            let item = history.items.iter().find(|i| i.id == id);
            item.map(Page::of_item).unwrap_or(Page::Notification(id))
        }
        _ => return Err(Error::Invalid(format!("unknown page kind {kind}"))),
    };
    Ok(web_link::open(&app, &page)?)
}

/// The website's address (empty: none, and no "Open in browser").
#[tauri::command]
pub fn set_web_url(state: State<'_, AppState>, url: String) -> Result<()> {
    let url = match url.trim() {
        "" => None,
        given => Some(endpoint::check(given, "website address")?),
    };
    let mut known = state.lock();
    let settings = &mut known.settings;
    settings.web_url = url;
    state.store.save_settings(settings);
    drop(known);
    state.changed(false);
    Ok(())
}

/// Installs the offered update and restarts; a refusal shows in the window.
#[tauri::command]
pub fn install_update(app: AppHandle) {
    crate::shell::updates::install(&app);
}

/// Checks for an update now; answers the newer version, if any.
#[tauri::command]
pub async fn check_for_updates(app: AppHandle) -> Result<Option<String>> {
    Ok(crate::shell::updates::check(&app).await?)
}

/// Start at login on or off.
#[tauri::command]
pub fn set_start_at_login(app: AppHandle, on: bool) -> Result<()> {
    crate::shell::autostart::set(&app, on)?;
    Ok(())
}

/// `system`, `light` or `dark`.
#[tauri::command]
pub fn set_theme(state: State<'_, AppState>, theme: String) -> Result<()> {
    if !matches!(theme.as_str(), "system" | "light" | "dark") {
        return Err(Error::Invalid(format!("unknown theme {theme}")));
    }
    let mut known = state.lock();
    let settings = &mut known.settings;
    settings.theme = theme;
    state.store.save_settings(settings);
    drop(known);
    state.changed(false);
    Ok(())
}

/// Sounds on or off.
#[tauri::command]
pub fn set_muted(state: State<'_, AppState>, muted: bool) {
    let mut known = state.lock();
    let settings = &mut known.settings;
    settings.muted = muted;
    state.store.save_settings(settings);
    drop(known);
    state.changed(false);
}

/// Do not disturb: `hour`, `tomorrow` or `off`.
#[tauri::command]
pub fn set_dnd(app: AppHandle, mode: String) -> Result<()> {
    if !matches!(mode.as_str(), "hour" | "tomorrow" | "off") {
        return Err(Error::Invalid(format!("unknown mode {mode}")));
    }
    actions::set_dnd(&app, &mode);
    Ok(())
}

/// Reconnects now (e.g. after the user fixed their network).
#[tauri::command]
pub fn reconnect(app: AppHandle) {
    actions::reconnect(&app);
}
