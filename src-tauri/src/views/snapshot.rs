//! Everything the window shows, gathered from the app's managed states in
//! one place: the window asks for it at start (`get_snapshot`) and gets it
//! again after each burst of changes (`live::run_redraws`).

use crate::account::{Account, SignInView, UserView};
use crate::shell::updates::{UpdateView, Updates};
use crate::state::{AppState, ConnectionView, KeychainView};
use crate::store::settings::Settings;
use serde::Serialize;
use tauri::{AppHandle, Manager};
use ts_rs::TS;
use urutibiz_desktop_core::bookings::BookingsView;
use urutibiz_desktop_core::chats::ChatsView;
use urutibiz_desktop_core::history::{BookingLive, Item};

/// Everything the window shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Snapshot {
    /// Notifications, newest first.
    pub items: Vec<Item>,
    /// Unread notifications.
    #[ts(type = "number")]
    pub unread_count: i64,
    /// The connection.
    pub connection: ConnectionView,
    /// The user's settings.
    pub settings: Settings,
    /// A token is set, or a stored session is being renewed.
    pub signed_in: bool,
    /// Where the token is kept.
    pub keychain: KeychainView,
    /// Latest status per booking.
    pub bookings: Vec<BookingLive>,
    /// The user's bookings, from the server.
    pub my_bookings: BookingsView,
    /// The user's conversations, from the server.
    pub my_chats: ChatsView,
    /// The running version and any update offered.
    pub update: UpdateView,
    /// Who is signed in.
    pub user: Option<UserView>,
    /// The browser sign-in's progress.
    pub sign_in: SignInView,
}

/// The window's view, from the app's managed states.
pub fn of(state: &AppState, account: &Account, updates: &Updates) -> Snapshot {
    // Each managed state's lock alone, one after the other.
    let (user, sign_in) = (account.user(), account.sign_in_view());
    let update = updates.view();
    let known = state.lock();
    Snapshot {
        signed_in: known.token.is_some() || user.is_some(),
        user,
        sign_in,
        items: known.machine.history.items.clone(),
        unread_count: known.machine.history.unread,
        connection: known.connection.clone(),
        settings: known.settings.clone(),
        keychain: known.keychain.clone(),
        bookings: known.machine.history.bookings.clone(),
        my_bookings: known.machine.bookings.clone(),
        my_chats: known.machine.chats.view().clone(),
        update,
    }
}

/// The window's view now.
pub fn current(app: &AppHandle) -> Snapshot {
    of(&app.state::<AppState>(), &app.state::<Account>(), &app.state::<Updates>())
}
