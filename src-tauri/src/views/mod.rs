//! What the window shows:
//!
//! - [`snapshot`]: everything the window shows, gathered in one value (the
//!   Bookings and Chats views are the core's, in the app's state).
//! - [`settle`]: one reload per burst of changes.

pub(crate) mod settle;
pub(crate) mod snapshot;
