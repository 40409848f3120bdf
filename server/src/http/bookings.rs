//! Bookings over HTTP. `PUT /api/v1/bookings/{id}`: the backend registers a
//! booking or updates it. The backend is the authority on bookings, so a
//! status it sets is not checked against the user transition rules, but a
//! change is announced exactly as a user's change would be.
//! `GET /api/v1/bookings` and `GET /api/v1/bookings/{id}`: a user's own,
//! with names and the moves the user may make.

use super::{json_body, not_yours, page_limit, ApiError, ApiQuery, PageCursor, Service, User};
use crate::app::App;
use crate::auth::{Identity, Role};
use crate::delivery::signal::Signal;
use crate::policy;
use crate::publish::{booking_status_change, data_of, notification, signal};
use crate::store::{Booking, BookingCursor, BookingQuery, BookingRecord, BookingSide, Chat};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use urutibiz_protocol::api::{BookingChange, BookingView, BookingWithChanges, Cursor, Page};
use urutibiz_protocol::notification_data::BookingNotificationData;
use urutibiz_protocol::room::is_valid_id;
use urutibiz_protocol::server::BookingStatusChanged;
use urutibiz_protocol::{BookingStatus, Room};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutBooking {
    host_id: String,
    renter_id: String,
    status: BookingStatus,
    #[serde(default)]
    title: Option<String>,
}

pub(super) async fn put_booking(
    State(app): State<Arc<App>>,
    Service(service): Service,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: PutBooking = json_body(&body)?;
    if !is_valid_id(&id) || !is_valid_id(&req.host_id) || !is_valid_id(&req.renter_id) {
        return Err(ApiError::invalid(
            "booking, host and renter ids must be 1-128 characters of letters, digits, _ - . : @",
        ));
    }
    if req.title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::invalid("`title` must be at most 200 characters"));
    }
    let wanted = Booking {
        id: id.clone(),
        host_id: req.host_id,
        renter_id: req.renter_id,
        status: req.status,
        title: req.title,
    };
    let before = app.store.upsert_booking(wanted.clone()).await?;
    let created = before.is_none();
    if let Some(before) = &before {
        if before.host_id != wanted.host_id || before.renter_id != wanted.renter_id {
            // Whoever is no longer part of the booking stops hearing it now;
            // replay already goes by current participation.
            let room = Room::Booking(id.clone()).to_string();
            let users = vec![wanted.host_id.clone(), wanted.renter_id.clone()];
            signal(&app, Signal::Members { room, users }, None).await?;
        }
    }
    if created {
        announce_request(&app, &wanted).await?;
    }
    if let Some(before) = before.filter(|b| b.status != wanted.status) {
        let current =
            Booking { status: before.status, title: wanted.title.clone().or(before.title), ..wanted.clone() };
        booking_status_change(&app, &current, wanted.status, &service.user_id).await?;
    }
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({ "id": id, "status": wanted.status }))))
}

/// A new booking is news for its host: someone wants their item.
async fn announce_request(app: &App, booking: &Booking) -> Result<(), ApiError> {
    let item = booking.title.clone().unwrap_or_else(|| format!("Booking {}", booking.id));
    let renter_name = app.names.name_of(&booking.renter_id).await;
    let (title, body) = match booking.status {
        BookingStatus::Pending => ("Booking requested", format!("{renter_name} requested {item}.")),
        status => ("Booking added", format!("{item} was added as {status}.")),
    };
    let data = BookingNotificationData {
        booking_id: booking.id.clone(),
        status: Some(booking.status),
        item: booking.title.clone(),
        other_party_id: Some(booking.renter_id.clone()),
        other_party_name: Some(renter_name),
        ..BookingNotificationData::default()
    };
    let note = notification(format!("user-{}", booking.host_id), "booking", title, &body, data_of(&data));
    app.store.append(vec![note]).await?;
    Ok(())
}

/// A booking as its participants see it: names, the other party, who last
/// changed it, and exactly the moves this caller may make.
async fn booking_view(app: &App, who: &Identity, record: &BookingRecord) -> BookingView {
    let b = &record.booking;
    let host_name = app.names.name_of(&b.host_id).await;
    let renter_name = app.names.name_of(&b.renter_id).await;
    let (other_id, other_name) =
        if who.user_id == b.host_id { (&b.renter_id, &renter_name) } else { (&b.host_id, &host_name) };
    let changed_by_name = match &record.changed_by {
        Some(id) => Some(app.names.name_of(id).await),
        None => None,
    };
    BookingView {
        id: b.id.clone(),
        title: b.title.clone(),
        status: b.status,
        other_party_id: other_id.clone(),
        other_party_name: other_name.clone(),
        host_id: b.host_id.clone(),
        host_name,
        renter_id: b.renter_id.clone(),
        renter_name,
        changed_by: record.changed_by.clone(),
        changed_by_name,
        updated_at: record.updated_at,
        actions: policy::allowed_moves(who, &b.host_id, &b.renter_id, b.status),
        // Where "Message" writes: the two participants' chat.
        chat_id: Chat::between(&b.host_id, &b.renter_id).id,
    }
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    role: Option<String>,
    status: Option<String>,
    before: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/bookings`: the caller's bookings, latest activity first.
pub(super) async fn list(
    State(app): State<Arc<App>>,
    User(user): User,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<BookingView>>, ApiError> {
    let side = match q.role.as_deref() {
        None => None,
        Some("host") => Some(BookingSide::Host),
        Some("renter") => Some(BookingSide::Renter),
        Some(_) => return Err(ApiError::invalid("`role` must be host or renter")),
    };
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(BookingStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "`status` must be pending, confirmed, rejected, cancelled, in_progress or completed",
            )
        })?),
    };
    let after = q
        .before
        .as_deref()
        .map(PageCursor::parse)
        .transpose()?
        .map(|c| BookingCursor { updated_at: c.number, id: c.id });
    let limit = page_limit(q.limit)?;
    let records = app.store.bookings_of(&user.user_id, BookingQuery { side, status, after, limit }).await?;
    let mut items = Vec::with_capacity(records.len());
    for record in &records {
        items.push(booking_view(&app, &user, record).await);
    }
    let next_before = PageCursor::next(&records, limit, |r| {
        let cursor = r.cursor();
        PageCursor { number: cursor.updated_at, id: cursor.id }
    });
    Ok(Json(Page { items, next_before: next_before.map(Cursor::Text) }))
}

/// Status changes shown with a booking.
const CHANGES_SHOWN: usize = 20;

/// `GET /api/v1/bookings/{id}`: for its host, its renter and admins, with
/// its latest status changes (who, when), newest first.
pub(super) async fn get_booking(
    State(app): State<Arc<App>>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<BookingWithChanges>, ApiError> {
    let record = app.store.booking_record(&id).await?.ok_or_else(not_yours)?;
    if !(user.role == Role::Admin || record.booking.is_participant(&user.user_id)) {
        return Err(not_yours());
    }
    let booking = booking_view(&app, &user, &record).await;
    let changes = app
        .store
        .booking_changes(&id, CHANGES_SHOWN)
        .await?
        .iter()
        .filter_map(|stored| serde_json::from_str::<BookingStatusChanged>(stored.event.data.get()).ok())
        .map(|change| BookingChange {
            status: change.status,
            previous_status: change.previous_status,
            changed_by: change.changed_by,
            changed_by_name: change.changed_by_name,
            at: change.at,
        })
        .collect();
    Ok(Json(BookingWithChanges { booking, changes }))
}
