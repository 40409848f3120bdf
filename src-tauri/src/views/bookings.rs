//! The signed-in user's bookings, from the server: loaded when the
//! connection comes up; a live status change updates its row from the
//! frame (status, who, when, and the moves the protocol allows this side
//! now), and only a change the list cannot place (a booking not listed
//! yet, or one the user takes no part in) reloads it, once for a burst.
//! Rows carry names and the outcome of the user's own clicks.

use std::time::Duration;
use tauri::{AppHandle, Manager};
use urutibiz_desktop_core::bookings::{BookingRow, BookingsView};

use crate::state::AppState;

/// Bookings loaded at a time (the server pages by latest activity).
const LOADED: usize = 100;
/// A burst of booking changes becomes one reload after this long.
const SETTLE: Duration = Duration::from_millis(800);

/// The bookings' reload after a burst (a managed state); the view itself
/// is the core's, in [`AppState`].
#[derive(Default)]
pub struct MyBookings {
    reload_soon: crate::views::settle::Settling,
}

/// Runs `change` on the Bookings view under the app's lock.
pub fn with<T>(app: &AppHandle, change: impl FnOnce(&mut BookingsView) -> T) -> T {
    change(&mut app.state::<AppState>().lock().machine.bookings)
}

/// Loads the bookings now.
pub fn reload(app: &AppHandle) {
    let Some(config) = crate::session::client::client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let result = urutibiz_client::history::my_bookings(&config, LOADED)
            .await
            .map(|items| items.iter().map(BookingRow::from).collect())
            .map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::warn!(error = %e, "could not load bookings");
        }
        with(&app, |b| b.loaded(result));
        app.state::<AppState>().changed(false);
    });
}

/// Loads the bookings once a burst of changes has settled.
pub fn reload_soon(app: &AppHandle) {
    app.state::<MyBookings>().reload_soon.schedule(app, SETTLE, reload);
}
