//! What the window shows, loaded over HTTP and kept up to date live:
//!
//! - [`snapshot`]: everything the window shows, gathered in one value.
//! - [`bookings`] and [`chats`]: the core's Bookings and Chats views under
//!   a lock, with their loads.
//! - [`settle`]: one reload per burst of changes.

pub(crate) mod bookings;
pub(crate) mod chats;
pub(crate) mod settle;
pub(crate) mod snapshot;
