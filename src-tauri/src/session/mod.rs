//! Signing in and the client core. From the top:
//!
//! - [`sign_in`]: browser sign-in, staying signed in, restoring at start.
//! - [`client`]: the client core's settings, (re)starting it; its news goes
//!   down a channel to the pump (`live.rs`).
//! - [`endpoint`]: which server and provider addresses are acceptable.

pub(crate) mod client;
pub(crate) mod endpoint;
pub(crate) mod sign_in;
