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
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
