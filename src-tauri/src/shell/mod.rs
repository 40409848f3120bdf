//! The shells: each turns what the app decided into OS calls and what the
//! OS reports into calls up to the app, and none imports another: what one
//! needs of another (a popup's click, what holds the relaunch, the restart
//! after an update) the app hands it at start (`lib.rs`). They are:
//!
//! - [`web_link`]: "Open in browser".
//! - [`updates`]: signed updates, offered in the tray. [`relaunch`]: a fresh
//!   hidden copy once the window has stayed closed.
//! - [`popups`]: native notifications as the core's rules say.
//!   [`window`]. [`autostart`]: start at login. [`sound`]: the alert sounds.

pub(crate) mod autostart;
pub(crate) mod popups;
pub(crate) mod relaunch;
pub(crate) mod sound;
pub(crate) mod updates;
pub(crate) mod web_link;
pub(crate) mod window;
