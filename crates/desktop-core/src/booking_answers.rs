//! Answering a booking request from its popup, in words: which popups
//! carry Confirm and Decline, which booking a popup stands for (later news
//! replaces it), and what the server's answer says to the person
//! ("Confirmed — Canon EOS R6", "Could not confirm — … Already cancelled by
//! Jean."). The [`crate::machine`] asks the server and shows the answer
//! where the request came from.

use crate::alert_text::{Alert, Urgency};
use crate::history::Item;
use urutibiz_protocol::{BookingStatus, ServerEvent, ServerMessage};

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
    pub fn status(self) -> BookingStatus {
        match self {
            Decision::Confirm => BookingStatus::Confirmed,
            Decision::Decline => BookingStatus::Rejected,
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answerable {
    /// The booking.
    pub booking_id: String,
    /// What people call it: the item, or the booking id.
    pub label: String,
}

/// Whether a notification's popup carries Confirm and Decline.
pub fn answerable(item: &Item) -> Option<Answerable> {
    let about = item.about();
    let booking = about.booking().filter(|b| b.status == Some(BookingStatus::Pending))?;
    let booking_id = about.booking_id()?.to_owned();
    let label = booking
        .item
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map_or_else(|| format!("Booking {booking_id}"), str::to_owned);
    Some(Answerable { booking_id, label })
}

/// The booking popup a notification replaces, if any: later news of the
/// same booking takes the earlier popup's place instead of stacking.
pub fn booking_of(item: &Item) -> Option<String> {
    item.about().booking_id().map(str::to_owned)
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
pub fn sentence(text: &str) -> String {
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
    use serde_json::{json, Value};

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
