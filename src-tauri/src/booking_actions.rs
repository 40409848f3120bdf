//! Acting on a booking. From its popup: "Confirm" and "Decline" send
//! `booking-update` through the client core, and the answer comes back as a
//! follow-up popup in the same place ("Confirmed — Canon EOS R6", or
//! "Already cancelled by Jean"). From the Bookings view: any move the server
//! allows, the outcome shown on the row. Never silently; the server makes a
//! second click harmless; offline, the person is told to try again rather
//! than have an old click land hours later.

use crate::bookings::MyBookings;
use crate::popups;
use crate::state::AppState;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tauri::{AppHandle, Manager};
use urutibiz_client::Command;
use urutibiz_desktop_core::alert_text::{Alert, Urgency};
use urutibiz_desktop_core::history::Item;
use urutibiz_protocol::{ServerEvent, ServerMessage};

/// Prefix of the references of requests made from popups.
const REFERENCE_PREFIX: &str = "popup-";

/// A button on a booking popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Accept the request.
    Confirm,
    /// Turn it down.
    Decline,
}

impl Decision {
    /// The notification action's identifier and label.
    pub fn action(self) -> (&'static str, &'static str) {
        match self {
            Decision::Confirm => ("confirm", "Confirm"),
            Decision::Decline => ("decline", "Decline"),
        }
    }

    /// The decision a notification action stands for.
    pub fn from_action(action: &str) -> Option<Decision> {
        match action {
            "confirm" => Some(Decision::Confirm),
            "decline" => Some(Decision::Decline),
            _ => None,
        }
    }

    /// The booking status it asks for.
    fn status(self) -> &'static str {
        match self {
            Decision::Confirm => "confirmed",
            Decision::Decline => "rejected",
        }
    }

    /// "Confirmed", "Declined": the headline of a success.
    fn done(self) -> &'static str {
        match self {
            Decision::Confirm => "Confirmed",
            Decision::Decline => "Declined",
        }
    }

    /// "confirm", "decline": for "Could not confirm".
    fn verb(self) -> &'static str {
        self.action().0
    }
}

/// The booking a popup is about, when its person can answer it: a request
/// (a `booking` notification in status `pending`) goes to the host only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answerable {
    /// The booking.
    pub booking_id: String,
    /// What people call it: the item, or the booking id.
    pub label: String,
}

/// Whether a notification's popup carries Confirm and Decline.
pub fn answerable(item: &Item) -> Option<Answerable> {
    let text = |key: &str| item.data.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty());
    if item.kind != "booking" || text("status") != Some("pending") {
        return None;
    }
    let booking_id = text("bookingId")?.to_owned();
    let label = text("item").map_or_else(|| format!("Booking {booking_id}"), str::to_owned);
    Some(Answerable { booking_id, label })
}

/// The booking popup a notification replaces, if any: later news of the
/// same booking takes the earlier popup's place instead of stacking.
pub fn booking_of(item: &Item) -> Option<String> {
    (item.kind == "booking").then(|| item.data.get("bookingId")?.as_str().map(str::to_owned)).flatten()
}

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
    fn send(&self, client: &urutibiz_client::Handle, booking_id: String, status: &str, origin: Origin) {
        let reference = format!("{REFERENCE_PREFIX}{}", self.next.fetch_add(1, Ordering::Relaxed));
        let command =
            Command::UpdateBooking { booking_id, status: status.into(), reference: reference.clone() };
        self.waiting.lock().expect("booking actions lock").insert(reference, origin);
        client.send(command);
    }
}

/// The running client, if it is online.
fn online_client(app: &AppHandle) -> Option<urutibiz_client::Handle> {
    let state = app.state::<AppState>();
    let online = state.connection.lock().expect("connection lock").state == "online";
    let client = state.client.lock().expect("client lock").clone();
    client.filter(|_| online)
}

/// A button of the Bookings view: `Err` (in words) when offline.
pub fn invoke_from_window(app: &AppHandle, booking_id: String, status: String) -> Result<(), String> {
    let client = online_client(app).ok_or("Offline — try again when connected.")?;
    app.state::<MyBookings>().mark(&booking_id, true, None);
    app.state::<AppState>().changed(false);
    let origin = Origin::Window { booking_id: booking_id.clone() };
    app.state::<BookingActions>().send(&client, booking_id, &status, origin);
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
            app.state::<MyBookings>().mark(&booking_id, false, row_outcome(frame));
            app.state::<AppState>().changed(false);
            crate::bookings::reload(app);
        }
    }
    true
}

/// What a row says after its button: nothing when it simply worked (the
/// row's new status says it), else why.
pub fn row_outcome(frame: &ServerMessage) -> Option<String> {
    match &frame.event {
        ServerEvent::BookingUpdated(updated) => updated.unchanged.then(|| "It already was.".to_owned()),
        ServerEvent::Error(error) => Some(sentence(&error.message)),
        _ => Some("The server answered in a way this app does not know.".to_owned()),
    }
}

/// The follow-up popup's words for the server's answer.
pub fn outcome(booking: &Answerable, decision: Decision, frame: &ServerMessage) -> Alert {
    if let ServerEvent::BookingUpdated(updated) = &frame.event {
        let title = if updated.unchanged {
            format!("Already {} — {}", decision.done().to_lowercase(), booking.label)
        } else {
            format!("{} — {}", decision.done(), booking.label)
        };
        return Alert { title, body: String::new(), urgency: Urgency::Low, sound: "booking" };
    }
    let reason = match &frame.event {
        ServerEvent::Error(error) => error.message.as_str(),
        _ => "the server answered in a way this app does not know",
    };
    Alert {
        title: format!("Could not {} — {}", decision.verb(), booking.label),
        body: sentence(reason),
        urgency: Urgency::Normal,
        sound: "system",
    }
}

/// "already cancelled by Jean" → "Already cancelled by Jean."
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(kind: &str, data: Value) -> Item {
        Item {
            id: "n1".into(),
            seq: 1,
            kind: kind.into(),
            title: "Booking requested".into(),
            body: "Jean requested Canon EOS R6.".into(),
            data,
            created_at: 0,
            read: false,
        }
    }

    #[test]
    fn only_pending_booking_requests_get_buttons() {
        let request =
            item("booking", json!({"bookingId": "b1", "status": "pending", "item": "Canon EOS R6"}));
        assert_eq!(
            answerable(&request),
            Some(Answerable { booking_id: "b1".into(), label: "Canon EOS R6".into() })
        );
        let untitled = item("booking", json!({"bookingId": "b2", "status": "pending"}));
        assert_eq!(answerable(&untitled).unwrap().label, "Booking b2");
        for data in [
            json!({"bookingId": "b1", "status": "confirmed"}),
            json!({"status": "pending"}),
            json!({"bookingId": "", "status": "pending"}),
        ] {
            assert_eq!(answerable(&item("booking", data.clone())), None, "{data}");
        }
        assert_eq!(answerable(&item("message", json!({"bookingId": "b1", "status": "pending"}))), None);
        assert_eq!(booking_of(&request).as_deref(), Some("b1"));
        assert_eq!(booking_of(&item("message", json!({"bookingId": "b1"}))), None);
    }

    #[test]
    fn every_answer_is_said_in_words() {
        let camera = Answerable { booking_id: "b1".into(), label: "Canon EOS R6".into() };
        let frame = |v: Value| ServerMessage::from_value(v).unwrap();
        let done = frame(
            json!({"event": "booking-updated", "data": {"bookingId": "b1", "status": "confirmed", "previousStatus": "pending"}}),
        );
        assert_eq!(outcome(&camera, Decision::Confirm, &done).title, "Confirmed — Canon EOS R6");
        let twice = frame(
            json!({"event": "booking-updated", "data": {"bookingId": "b1", "status": "rejected", "previousStatus": "rejected", "unchanged": true}}),
        );
        assert_eq!(outcome(&camera, Decision::Decline, &twice).title, "Already declined — Canon EOS R6");
        let late = frame(
            json!({"event": "error", "data": {"code": "invalid-transition", "message": "already cancelled by Jean"}}),
        );
        let alert = outcome(&camera, Decision::Confirm, &late);
        assert_eq!(alert.title, "Could not confirm — Canon EOS R6");
        assert_eq!(alert.body, "Already cancelled by Jean.");
        assert_eq!(row_outcome(&done), None);
        assert_eq!(row_outcome(&twice).as_deref(), Some("It already was."));
        assert_eq!(row_outcome(&late).as_deref(), Some("Already cancelled by Jean."));
        assert_eq!(Decision::from_action("decline"), Some(Decision::Decline));
        assert_eq!(Decision::from_action("default"), None);
    }
}
