//! `booking-update`: a participant or admin moves a booking along its life
//! cycle (rules in [`crate::policy`]). Asking for the status the booking
//! already has is answered with the current state, so a second click is
//! harmless; a change that is no longer possible says who got there first.

use crate::app::App;
use crate::session::state::{answer, Outcome, Refusal, Session};
use crate::store::BookingRecord;
use crate::{policy, publish};
use urutibiz_protocol::client::BookingUpdate;
use urutibiz_protocol::server::BookingUpdated;
use urutibiz_protocol::{event, BookingStatus, ErrorCode};

pub(super) async fn handle(session: &mut Session, p: BookingUpdate, reference: Option<&str>) -> Outcome {
    let app = session.app.clone();
    let forbidden = || Refusal::new(ErrorCode::Forbidden, "not allowed to change this booking");
    let mut record = app.store.booking_record(&p.booking_id).await?.ok_or_else(forbidden)?;
    // At most twice: a change that loses a race is judged again against
    // the booking as it now stands.
    for _ in 0..2 {
        let booking = &record.booking;
        let participant = session.identity.role == crate::auth::Role::Admin
            || booking.is_participant(&session.identity.user_id);
        if !participant {
            return Err(forbidden());
        }
        if booking.status == p.status {
            let current = BookingUpdated {
                booking_id: booking.id.clone(),
                status: booking.status,
                previous_status: booking.status,
                unchanged: true,
            };
            return answer(event::BOOKING_UPDATED, &current, reference);
        }
        match policy::check_transition(
            &session.identity,
            &booking.host_id,
            &booking.renter_id,
            booking.status,
            p.status,
        ) {
            Ok(()) => {}
            Err(ErrorCode::InvalidTransition) => {
                return Err(Refusal::new(
                    ErrorCode::InvalidTransition,
                    too_late(&app, &record, p.status).await,
                ))
            }
            Err(_) => return Err(forbidden()),
        }
        let changed =
            publish::booking_status_change(&app, booking, p.status, &session.identity.user_id).await?;
        if let Some(change) = changed {
            let updated = BookingUpdated {
                booking_id: change.booking_id,
                status: change.status,
                previous_status: change.previous_status,
                unchanged: false,
            };
            return answer(event::BOOKING_UPDATED, &updated, reference);
        }
        record = app.store.booking_record(&p.booking_id).await?.ok_or_else(forbidden)?;
    }
    Err(Refusal::new(ErrorCode::InvalidTransition, "the booking keeps changing; fetch it again"))
}

/// Why a change cannot be made now, in words for the person who asked:
/// "already cancelled by Jean" when someone else moved the booking on.
async fn too_late(app: &App, record: &BookingRecord, wanted: BookingStatus) -> String {
    let now = record.booking.status;
    // Someone got there first when both moves start from one status (a
    // confirm and a cancel of the same request); otherwise the move was
    // never possible from here.
    let raced = BookingStatus::ALL.into_iter().any(|from| from.is_move(wanted) && from.is_move(now));
    match &record.changed_by {
        Some(by) if raced => format!("already {} by {}", status_words(now), app.names.name_of(by).await),
        _ => format!("a booking cannot go from {now} to {wanted}"),
    }
}

/// A status as the past participle people read.
fn status_words(status: BookingStatus) -> &'static str {
    match status {
        BookingStatus::Pending => "pending",
        BookingStatus::Confirmed => "confirmed",
        BookingStatus::Rejected => "declined",
        BookingStatus::Cancelled => "cancelled",
        BookingStatus::InProgress => "started",
        BookingStatus::Completed => "completed",
    }
}
