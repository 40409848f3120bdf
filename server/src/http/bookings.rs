//! `PUT /api/v1/bookings/{id}`: the backend registers a booking or updates
//! it. The backend is the authority on bookings, so a status it sets is not
//! checked against the user transition rules, but a change is announced
//! exactly as a user's change would be.

use super::{json_body, not_yours, ApiError, Service, User};
use crate::auth::Role;
use crate::publish::{booking_status_change, notification};
use crate::store::Booking;
use crate::App;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use urutibiz_protocol::room::is_valid_id;
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

pub async fn put_booking(
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
            let removed = app.hub.retain_in_room(&room, |o| o.admin || wanted.is_participant(&o.user_id));
            tracing::debug!(booking = %id, removed, "participants changed");
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
    let mut data = json!({
        "bookingId": booking.id,
        "status": booking.status,
        "otherPartyId": booking.renter_id,
        "otherPartyName": renter_name,
    });
    if let Some(item) = &booking.title {
        data["item"] = Value::String(item.clone());
    }
    let note = notification(format!("user-{}", booking.host_id), "booking", title, &body, data);
    app.store.append(vec![note]).await?;
    Ok(())
}

/// `GET /api/v1/bookings/{id}`: for its host, its renter and admins.
pub async fn get_booking(
    State(app): State<Arc<App>>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let booking = app.store.booking(&id).await?.ok_or_else(not_yours)?;
    if !(user.role == Role::Admin || booking.is_participant(&user.user_id)) {
        return Err(not_yours());
    }
    Ok(Json(json!({
        "id": booking.id,
        "hostId": booking.host_id,
        "hostName": app.names.name_of(&booking.host_id).await,
        "renterId": booking.renter_id,
        "renterName": app.names.name_of(&booking.renter_id).await,
        "status": booking.status,
        "title": booking.title,
    })))
}
