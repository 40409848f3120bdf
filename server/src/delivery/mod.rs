//! Committed events to the connections of their rooms.
//!
//! - [`live`]: between the store's commit hook and the hub: delivers what
//!   the store commits, in commit order, encoded once.
//! - [`hub`]: room membership and fan-out with bounded per-connection queues.
//! - [`wire`]: the wire text of stored events, encoded once.
//! - [`signal`]: changes to live connections that are not events (a frame
//!   for live connections only, a room's members), carried to every node of
//!   a cluster by the log.
//!
//! Storage knows nothing of connections, the hub nothing of storage or
//! encoding; `live` ties them, so each depends only downward.

pub(crate) mod hub;
pub(crate) mod live;
pub(crate) mod signal;
pub(crate) mod wire;
