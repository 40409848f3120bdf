//! One connection's session, the same for every transport (`/ws`, and each
//! Socket.IO socket).
//!
//! - [`transport`]: the seam a transport provides (a sink and a stream of
//!   frames), and closing it.
//! - [`state`]: the session's state and what a handler answers.
//! - [`events`]: one file per client event, dispatched by an enum.
//! - [`replay`]: resuming from a position.
//! - [`run`]: serving an authenticated session: reads, queued writes,
//!   heartbeat, token expiry, rate limits and floods.
//! - [`connect`]: authenticating a connection, then [`run`].
//!
//! Each file imports only the ones listed above it.

pub(crate) mod connect;
pub mod events;
pub(crate) mod replay;
pub(crate) mod run;
pub mod state;
pub(crate) mod transport;
