//! What the user can do, shared by commands (the window) and the tray menu.
//! Read state goes through the server so other devices agree; the local
//! view changes at once (the core decides both: [`crate::effects::feed`]).
//! [`popup_clicks`]: what a click on a popup does.

pub(crate) mod popup_clicks;

use crate::account;
use crate::effects::feed;
use crate::state::{AppState, ConnectionView};
use crate::store::keychain;
use tauri::{AppHandle, Manager};
use urutibiz_client::Command;
use urutibiz_desktop_core::dnd;
use urutibiz_desktop_core::machine::{Act, Input};
use urutibiz_protocol::BookingStatus;

/// Marks notifications read.
pub fn mark_read(app: &AppHandle, ids: Vec<String>) {
    let _ = feed(app, Input::Person(Act::MarkRead(ids)));
}

/// Marks every notification read.
pub fn mark_all_read(app: &AppHandle) {
    let _ = feed(app, Input::Person(Act::MarkAllRead));
}

/// Clears history on every device.
pub fn clear(app: &AppHandle) {
    let _ = feed(app, Input::Person(Act::Clear));
}

/// A recent notification chosen in the tray menu: read, and shown.
pub fn open_item(app: &AppHandle, id: String) {
    let _ = feed(app, Input::Person(Act::TrayItemChosen(id)));
}

/// A move on a row of the Bookings view; `Err` (in words) when it cannot
/// be asked now.
pub fn move_booking(app: &AppHandle, booking_id: String, status: BookingStatus) -> Result<(), &'static str> {
    feed(app, Input::Person(Act::MoveBooking { booking_id, status }))
}

/// Replies in a chat; the message shows at once as the user's own.
pub fn send_message(app: &AppHandle, chat_id: String, message: String) {
    let _ = feed(app, Input::Person(Act::SendMessage { chat_id, message }));
}

/// Writes to the other party of a booking: their chat (its id known from
/// the booking) shows the message at once; the server starts the chat.
pub fn message_user(app: &AppHandle, to_user_id: String, chat_id: String, message: String) {
    let _ = feed(app, Input::Person(Act::MessageUser { to_user_id, chat_id, message }));
}

/// Something else the person did in the window (open or read a chat, load
/// more, retry a view), for the core to decide.
pub fn act(app: &AppHandle, act: Act) {
    let _ = feed(app, Input::Person(act));
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
    let mut known = state.lock();
    let settings = &mut known.settings;
    settings.dnd_until = until;
    state.store.save_settings(settings);
    drop(known);
    state.changed(false);
}

/// Replaces the notification preferences; the badge follows at once.
pub fn set_preferences(app: &AppHandle, mut preferences: urutibiz_desktop_core::preferences::Preferences) {
    preferences.forget_expired_mutes(chrono::Local::now().timestamp_millis());
    let state = app.state::<AppState>();
    let mut known = state.lock();
    let settings = &mut known.settings;
    settings.preferences = preferences;
    state.store.save_settings(settings);
    drop(known);
    state.changed(false);
}

/// Reconnects now: the running client drops its socket and connects again
/// (a restart would leave the refresher talking to the old client).
pub fn reconnect(app: &AppHandle) {
    let state = app.state::<AppState>();
    let running = state.lock().client.clone();
    match running {
        Some(client) => client.send(Command::Reconnect),
        None => crate::session::client::start(app),
    }
}

/// Forgets the token and this user's cached data.
pub fn sign_out(app: &AppHandle) {
    account::forget(app);
    let state = app.state::<AppState>();
    keychain::delete();
    state.lock().token = None;
    if let Some(client) = state.lock().client.take() {
        client.send(Command::Shutdown);
    }
    state.store.forget_user_data();
    state.lock().machine.forget_user();
    state.lock().connection = ConnectionView::signed_out("Signed out");
    state.changed(true);
}
