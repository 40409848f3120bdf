//! Building the events that get stored and delivered, shared by socket
//! handlers and the HTTP API so both follow one path.

use crate::app::App;
use crate::clock::now_ms;
use crate::delivery::hub::ConnId;
use crate::delivery::signal::Signal;
use crate::store::ReadOutcome;
use crate::store::{Booking, NewEvent, Route, StoreError};
use serde::Serialize;
use serde_json::value::to_raw_value;
use serde_json::Value;
use urutibiz_protocol::notification_data::BookingNotificationData;
use urutibiz_protocol::server::{BookingStatusChanged, Notification, NotificationsRead};
use urutibiz_protocol::{event, BookingStatus, Room, ServerFrame};

/// A fresh, time-ordered event id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// An event with `data` serialized once for storage and the wire,
/// delivered live to its own room.
pub(crate) fn new_event(
    audience: String,
    name: &str,
    id: String,
    created_at: i64,
    data: &impl Serialize,
) -> NewEvent {
    NewEvent {
        id,
        audience,
        event: name.to_owned(),
        data: to_raw_value(data).expect("payloads always serialize"),
        created_at,
        route: Route::default(),
    }
}

/// Delivers `event` live to `rooms` (each connection once) except `except`.
pub(crate) fn routed(mut event: NewEvent, rooms: Vec<String>, except: Option<ConnId>) -> NewEvent {
    event.route = Route { rooms, except };
    event
}

/// A `notification` event for one room.
/// A notification's typed `data` as the JSON it is stored and sent as.
pub(crate) fn data_of(data: &impl Serialize) -> Value {
    // Structs of strings and statuses: serializing them cannot fail.
    serde_json::to_value(data).unwrap_or_default()
}

pub(crate) fn notification(audience: String, kind: &str, title: &str, body: &str, data: Value) -> NewEvent {
    let id = new_id();
    let created_at = now_ms();
    let payload = Notification {
        id: id.clone(),
        kind: kind.to_owned(),
        title: title.to_owned(),
        body: body.to_owned(),
        data,
        created_at,
    };
    new_event(audience, event::NOTIFICATION, id, created_at, &payload)
}

/// Moves a booking to `to`, storing the change and a notification for each
/// participant but the one who made it; the store delivers them on commit.
/// `None` if the booking changed concurrently and was no longer in
/// `booking.status`.
pub(crate) async fn booking_status_change(
    app: &App,
    booking: &Booking,
    to: BookingStatus,
    changed_by: &str,
) -> Result<Option<BookingStatusChanged>, StoreError> {
    let at = now_ms();
    let host_name = app.names.name_of(&booking.host_id).await;
    let renter_name = app.names.name_of(&booking.renter_id).await;
    let change = BookingStatusChanged {
        booking_id: booking.id.clone(),
        status: to,
        previous_status: booking.status,
        changed_by: changed_by.to_owned(),
        changed_by_name: app.names.name_of(changed_by).await,
        host_name: host_name.clone(),
        renter_name: renter_name.clone(),
        item: booking.title.clone(),
        at,
        collapsed: None,
    };
    let booking_room = Room::Booking(booking.id.clone()).to_string();
    let mut participants = vec![booking.host_id.as_str()];
    if booking.renter_id != booking.host_id {
        participants.push(&booking.renter_id);
    }
    let mut rooms: Vec<String> = participants.iter().map(|u| format!("user-{u}")).collect();
    rooms.push(booking_room.clone());
    let changed = new_event(booking_room, event::BOOKING_STATUS_CHANGED, new_id(), at, &change);
    let mut events = vec![routed(changed, rooms, None)];
    let (title, body) = booking_notification_text(booking, to);
    let data = BookingNotificationData {
        booking_id: booking.id.clone(),
        status: Some(to),
        previous_status: Some(booking.status),
        item: booking.title.clone(),
        changed_by: Some(changed_by.to_owned()),
        ..BookingNotificationData::default()
    };
    // Whoever made the change knows it: no notification (nor unread count,
    // nor popup) about their own click. They still get the live
    // `booking-status-changed` on every device.
    for user in participants.iter().filter(|user| **user != changed_by) {
        // Each side is told who the other party is: the renter for the host.
        let (other_id, other_name) = if *user == booking.host_id {
            (&booking.renter_id, &renter_name)
        } else {
            (&booking.host_id, &host_name)
        };
        let data = BookingNotificationData {
            other_party_id: Some(other_id.clone()),
            other_party_name: Some(other_name.clone()),
            ..data.clone()
        };
        events.push(notification(format!("user-{user}"), "booking", &title, &body, data_of(&data)));
    }
    let Some(stored) =
        app.store.change_booking_status(&booking.id, booking.status, to, changed_by, events).await?
    else {
        return Ok(None);
    };
    // Announced before this returns, so the author's own connection gets
    // the change before its reply.
    if let Some(last) = stored.last() {
        app.delivery.delivered_through(last.seq).await;
    }
    Ok(Some(change))
}

/// Notification text for people, not for parsers.
fn booking_notification_text(booking: &Booking, to: BookingStatus) -> (String, String) {
    let item = booking.title.clone().unwrap_or_else(|| format!("Booking {}", booking.id));
    let (title, verb) = match to {
        BookingStatus::Pending => ("Booking requested", "is waiting for the host"),
        BookingStatus::Confirmed => ("Booking confirmed", "is confirmed"),
        BookingStatus::Rejected => ("Booking declined", "was declined by the host"),
        BookingStatus::Cancelled => ("Booking cancelled", "was cancelled"),
        BookingStatus::InProgress => ("Rental started", "has started"),
        BookingStatus::Completed => ("Rental completed", "is completed"),
    };
    (title.to_owned(), format!("{item} {verb}."))
}

/// The `notifications-read` payload for a read-state change.
pub(crate) fn read_payload(outcome: ReadOutcome) -> NotificationsRead {
    NotificationsRead {
        ids: outcome.ids,
        up_to: outcome.up_to,
        cleared: outcome.cleared,
        unread_count: outcome.unread_count,
    }
}

/// Tells every connection of `user_id` but `except` that read state changed,
/// so unread badges agree across devices. Not stored for replay: a device
/// that is offline gets the count on its next `authenticated` or `resumed`.
/// The change itself is committed already, so a failure to announce it is
/// logged, not returned.
pub(crate) async fn announce_read(
    app: &App,
    user_id: &str,
    payload: &NotificationsRead,
    except: Option<ConnId>,
) {
    let text = ServerFrame::new(event::NOTIFICATIONS_READ, payload, None).to_json();
    let live = Signal::Live { rooms: vec![format!("user-{user_id}")], text };
    if let Err(e) = signal(app, live, except).await {
        tracing::warn!(error = %e, "read state changed but other devices could not be told");
    }
}

/// Applies a change to live connections: at once on one node; in a
/// cluster through the log, so every node applies it in order with the
/// events around it. Returns once this node has applied it.
pub(crate) async fn signal(app: &App, signal: Signal, except: Option<ConnId>) -> Result<(), StoreError> {
    if app.config.database_url.is_none() {
        app.delivery.apply(&signal, except);
        return Ok(());
    }
    let stored = app.store.append(vec![signal.to_event(new_id(), now_ms(), except)]).await?;
    if let Some(last) = stored.last() {
        app.delivery.delivered_through(last.seq).await;
    }
    Ok(())
}
