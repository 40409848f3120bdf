//! Booking statuses.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The life cycle of a booking, as stored and as sent on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(export, export_to = "../../../web/src/generated/"))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Requested by the renter, waiting for the host.
    Pending,
    /// Accepted by the host.
    Confirmed,
    /// Refused by the host.
    Rejected,
    /// Called off by host or renter before it started.
    Cancelled,
    /// The rental is running.
    InProgress,
    /// The rental is over.
    Completed,
}

impl BookingStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [BookingStatus; 6] =
        [Self::Pending, Self::Confirmed, Self::Rejected, Self::Cancelled, Self::InProgress, Self::Completed];

    /// The wire spelling, also used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The statuses a participant may move a booking to from this one: the
    /// host confirms or declines a request, starts and completes a rental;
    /// either side cancels before it starts. Admins make any of these
    /// moves. The server enforces exactly this; clients offer it.
    pub fn moves(self, by: Side) -> Vec<BookingStatus> {
        Self::ALL.into_iter().filter(|&to| self.may_move(to, by)).collect()
    }

    /// Whether `by` may move a booking from this status to `to`.
    pub fn may_move(self, to: BookingStatus, by: Side) -> bool {
        let (from, to) = (self, to);
        let by_host = HOST_MOVES.contains(&(from, to));
        let by_either = EITHER_MOVES.contains(&(from, to));
        match by {
            Side::Admin | Side::Host => by_host || by_either,
            Side::Renter => by_either,
        }
    }

    /// Whether anyone may ever move a booking from this status to `to`.
    pub fn is_move(self, to: BookingStatus) -> bool {
        self.may_move(to, Side::Admin)
    }
}

/// Who is asking to move a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The user renting the item out.
    Host,
    /// The user booking it.
    Renter,
    /// An administrator (not a participant).
    Admin,
}

/// Moves only the host (or an admin) makes.
const HOST_MOVES: &[(BookingStatus, BookingStatus)] = &[
    (BookingStatus::Pending, BookingStatus::Confirmed),
    (BookingStatus::Pending, BookingStatus::Rejected),
    (BookingStatus::Confirmed, BookingStatus::InProgress),
    (BookingStatus::InProgress, BookingStatus::Completed),
];

/// Moves either participant (or an admin) makes.
const EITHER_MOVES: &[(BookingStatus, BookingStatus)] = &[
    (BookingStatus::Pending, BookingStatus::Cancelled),
    (BookingStatus::Confirmed, BookingStatus::Cancelled),
];

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::BookingStatus::*;
    use super::*;

    #[test]
    fn each_side_is_offered_its_own_moves() {
        assert_eq!(Pending.moves(Side::Host), [Confirmed, Rejected, Cancelled]);
        assert_eq!(Pending.moves(Side::Renter), [Cancelled]);
        assert_eq!(Confirmed.moves(Side::Host), [Cancelled, InProgress]);
        assert_eq!(Confirmed.moves(Side::Renter), [Cancelled]);
        assert_eq!(InProgress.moves(Side::Host), [Completed]);
        assert!(InProgress.moves(Side::Renter).is_empty());
        for done in [Rejected, Cancelled, Completed] {
            assert!(done.moves(Side::Admin).is_empty(), "{done} is final");
        }
        assert!(Pending.is_move(Confirmed) && !Completed.is_move(Pending));
    }
}
