//! Client core for the UrutiBiz realtime server, with no GUI: the desktop
//! app and the `realtime-client` CLI both drive it.
//!
//! - [`config`]: where to connect and how patient to be.
//! - [`state`]: connection states as the shell shows them.
//! - [`backoff`]: exponential backoff with full jitter.
//! - [`position`]: persisting the last `seq` seen, across restarts.
//! - [`dedupe`]: dropping events seen twice.
//! - [`history`]: recent notifications over HTTP.
//! - [`auth`]: browser sign-in with an OpenID provider, and refreshing.
//! - [`session`]: the task that connects, resumes, keeps a heartbeat and
//!   reconnects; [`spawn`] starts it.
#![deny(missing_docs)]

pub mod auth;
pub mod backoff;
pub mod config;
pub mod dedupe;
pub mod history;
pub mod position;
pub mod session;
pub mod state;

pub use config::ClientConfig;
pub use position::{FilePosition, MemoryPosition, PositionStore};
pub use session::{spawn, Command, Handle, Update};
pub use state::ConnectionState;
