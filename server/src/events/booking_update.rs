//! `booking-update`: a participant or admin moves a booking along its life
//! cycle (rules in [`crate::policy`]).

use super::{answer, Outcome, Refusal, Session};
use crate::{policy, publish};
use urutibiz_protocol::client::BookingUpdate;
use urutibiz_protocol::server::BookingUpdated;
use urutibiz_protocol::{event, ErrorCode};

pub async fn handle(session: &mut Session, p: BookingUpdate, reference: Option<&str>) -> Outcome {
    let app = session.app.clone();
    let forbidden = || Refusal::new(ErrorCode::Forbidden, "not allowed to change this booking");
    let booking = app.store.booking(&p.booking_id).await?.ok_or_else(forbidden)?;
    policy::check_transition(
        &session.identity,
        &booking.host_id,
        &booking.renter_id,
        booking.status,
        p.status,
    )
    .map_err(|code| match code {
        ErrorCode::InvalidTransition => {
            Refusal::new(code, format!("a booking cannot go from {} to {}", booking.status, p.status))
        }
        _ => forbidden(),
    })?;
    let change = publish::booking_status_change(&app, &booking, p.status, &session.identity.user_id)
        .await?
        .ok_or_else(|| {
        Refusal::new(ErrorCode::InvalidTransition, "the booking changed meanwhile; fetch it again")
    })?;
    let updated = BookingUpdated {
        booking_id: change.booking_id,
        status: change.status,
        previous_status: change.previous_status,
    };
    answer(event::BOOKING_UPDATED, &updated, reference)
}
