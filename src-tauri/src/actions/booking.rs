//! Acting on a booking. From its popup: "Confirm" and "Decline" send
//! `booking-update` through the client core, and the answer comes back as a
//! follow-up popup in the same place ("Confirmed — Canon EOS R6", or
//! "Already cancelled by Jean"). From the Bookings view: any move the server
//! allows, the outcome shown on the row. Never silently; the server makes a
//! second click harmless; offline, the person is told to try again rather
//! than have an old click land hours later.

use crate::shell::popups;
use crate::state::AppState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tauri::{AppHandle, Manager};
use urutibiz_client::Command;
use urutibiz_desktop_core::alert_text::{Alert, Urgency};
use urutibiz_desktop_core::booking_answers::{outcome, row_outcome, Answerable, Decision};
use urutibiz_protocol::{BookingStatus, ServerMessage};

/// Prefix of the references of requests made from popups.
const REFERENCE_PREFIX: &str = "popup-";

/// Where a request came from, so its answer goes back there.
#[derive(Debug, Clone)]
enum Origin {
    /// A popup's button.
    Popup(Answerable, Decision),
    /// A button of the Bookings view.
    Window { booking_id: String },
}

/// Requests that await their answer (a managed state; its lock is taken
/// alone).
#[derive(Default)]
pub struct BookingActions {
    next: AtomicU64,
    waiting: Mutex<HashMap<String, Origin>>,
}

impl BookingActions {
    /// A click waits for the server's answer.
    pub fn waiting(&self) -> bool {
        !self.waiting.lock().expect("booking actions lock").is_empty()
    }

    /// Sends a request, remembering where its answer goes.
    fn send(
        &self,
        client: &urutibiz_client::Handle,
        booking_id: String,
        status: BookingStatus,
        origin: Origin,
    ) {
        let reference = format!("{REFERENCE_PREFIX}{}", self.next.fetch_add(1, Ordering::Relaxed));
        let command = Command::UpdateBooking { booking_id, status, reference: reference.clone() };
        self.waiting.lock().expect("booking actions lock").insert(reference, origin);
        client.send(command);
    }
}

/// The running client, if it is online.
fn online_client(app: &AppHandle) -> Option<urutibiz_client::Handle> {
    let state = app.state::<AppState>();
    let online = state.lock().connection.state == "online";
    let client = state.lock().client.clone();
    client.filter(|_| online)
}

/// A button of the Bookings view: `Err` (in words) when offline.
pub fn invoke_from_window(app: &AppHandle, booking_id: String, status: BookingStatus) -> Result<(), String> {
    let client = online_client(app).ok_or("Offline — try again when connected.")?;
    crate::views::bookings::with(app, |b| b.mark(&booking_id, true, None));
    app.state::<AppState>().changed(false);
    let origin = Origin::Window { booking_id: booking_id.clone() };
    app.state::<BookingActions>().send(&client, booking_id, status, origin);
    Ok(())
}

/// A popup button was pressed.
pub fn invoke(app: &AppHandle, booking: Answerable, decision: Decision) {
    let Some(client) = online_client(app) else {
        let alert = Alert {
            title: format!("Offline — {}", booking.label),
            body: "Try again when UrutiBiz is connected.".into(),
            urgency: Urgency::Normal,
            sound: "system",
        };
        popups::show_for_booking(app, alert, &booking.booking_id, None);
        return;
    };
    let booking_id = booking.booking_id.clone();
    let origin = Origin::Popup(booking, decision);
    app.state::<BookingActions>().send(&client, booking_id, decision.status(), origin);
}

/// A server frame: if it answers a popup's request, show the outcome where
/// the request's popup was. Returns whether it did.
pub fn answer(app: &AppHandle, frame: &ServerMessage) -> bool {
    let Some(reference) = frame.reference.as_deref().filter(|r| r.starts_with(REFERENCE_PREFIX)) else {
        return false;
    };
    let actions = app.state::<BookingActions>();
    let Some(origin) = actions.waiting.lock().expect("booking actions lock").remove(reference) else {
        return false;
    };
    match origin {
        Origin::Popup(booking, decision) => {
            popups::show_for_booking(app, outcome(&booking, decision, frame), &booking.booking_id, None);
        }
        Origin::Window { booking_id } => {
            crate::views::bookings::with(app, |b| b.mark(&booking_id, false, row_outcome(frame)));
            app.state::<AppState>().changed(false);
            crate::views::bookings::reload(app);
        }
    }
    true
}
