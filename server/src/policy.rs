//! Who may join which room and who may move a booking where.

use crate::auth::{Identity, Role};
use crate::store::{Store, StoreError};
use urutibiz_protocol::booking::Side;
use urutibiz_protocol::{BookingStatus, ErrorCode, Room};

/// Checks a user's booking change: `forbidden` for outsiders and for a
/// participant asking for a change that is not theirs to make,
/// `invalid-transition` when no one may make it from the current status.
/// The moves themselves are the protocol's ([`BookingStatus::moves`]), so
/// what clients offer and what the server allows cannot drift apart.
pub(crate) fn check_transition(
    who: &Identity,
    host_id: &str,
    renter_id: &str,
    from: BookingStatus,
    to: BookingStatus,
) -> Result<(), ErrorCode> {
    let side = if who.role == Role::Admin {
        Side::Admin
    } else if who.user_id == host_id {
        Side::Host
    } else if who.user_id == renter_id {
        Side::Renter
    } else {
        return Err(ErrorCode::Forbidden);
    };
    if !from.is_move(to) {
        return Err(ErrorCode::InvalidTransition);
    }
    if from.may_move(to, side) {
        Ok(())
    } else {
        Err(ErrorCode::Forbidden)
    }
}

/// The statuses `who` may move a booking to from where it stands: exactly
/// the actions a client should offer (host: confirm or decline a request,
/// start, complete; either party: cancel).
pub(crate) fn allowed_moves(
    who: &Identity,
    host_id: &str,
    renter_id: &str,
    from: BookingStatus,
) -> Vec<BookingStatus> {
    BookingStatus::ALL
        .into_iter()
        .filter(|&to| check_transition(who, host_id, renter_id, from, to).is_ok())
        .collect()
}

/// Whether `who` may join `room`. Missing bookings and chats answer `false`
/// exactly like foreign ones, so a refusal reveals nothing.
pub(crate) async fn may_join(store: &dyn Store, who: &Identity, room: &Room) -> Result<bool, StoreError> {
    let is_admin = who.role == Role::Admin;
    Ok(match room {
        Room::User(id) => *id == who.user_id,
        Room::Role(role) => role == who.role.as_str(),
        Room::Booking(id) => {
            store.booking(id).await?.is_some_and(|b| is_admin || b.is_participant(&who.user_id))
        }
        Room::Chat(id) => store.chat(id).await?.is_some_and(|c| is_admin || c.is_participant(&who.user_id)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus::*;

    fn who(user: &str, role: Role) -> Identity {
        Identity { user_id: user.into(), role, expires_at: 0, display_name: None }
    }

    #[test]
    fn host_renter_admin_and_outsider() {
        let host = who("h", Role::Host);
        let renter = who("r", Role::Renter);
        let admin = who("a", Role::Admin);
        let outsider = who("x", Role::Host);
        let check = |w: &Identity, from, to| check_transition(w, "h", "r", from, to);
        assert_eq!(check(&host, Pending, Confirmed), Ok(()));
        assert_eq!(check(&renter, Pending, Confirmed), Err(ErrorCode::Forbidden));
        assert_eq!(check(&renter, Confirmed, Cancelled), Ok(()));
        assert_eq!(check(&admin, InProgress, Completed), Ok(()));
        assert_eq!(check(&outsider, Pending, Cancelled), Err(ErrorCode::Forbidden));
        assert_eq!(check(&host, Completed, Pending), Err(ErrorCode::InvalidTransition));
        assert_eq!(check(&admin, Pending, Pending), Err(ErrorCode::InvalidTransition));
        assert_eq!(check(&host, Pending, InProgress), Err(ErrorCode::InvalidTransition));
    }

    #[test]
    fn moves_offered_are_the_ones_allowed() {
        let host = who("h", Role::Host);
        let renter = who("r", Role::Renter);
        let outsider = who("x", Role::Renter);
        let moves = |w: &Identity, from| allowed_moves(w, "h", "r", from);
        assert_eq!(moves(&host, Pending), [Confirmed, Rejected, Cancelled]);
        assert_eq!(moves(&renter, Pending), [Cancelled]);
        assert_eq!(moves(&host, Confirmed), [Cancelled, InProgress]);
        assert_eq!(moves(&renter, InProgress), []);
        assert_eq!(moves(&host, InProgress), [Completed]);
        assert_eq!(moves(&host, Completed), []);
        assert_eq!(moves(&outsider, Pending), []);
    }
}
