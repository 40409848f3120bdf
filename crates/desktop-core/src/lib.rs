//! The desktop app's core: what it knows and decides, with no GUI. The
//! shells in `src-tauri/` (tray, popups, sounds, window, keychain, links)
//! feed it what happened and carry out what it decides; nothing here
//! imports Tauri, GTK, notify-rust or rodio, so every rule is unit-tested
//! without a display.
//!
//! Map, from the bottom up (each imports only what is above it in this list):
//! - [`history`]: notifications with their read state, the latest status of
//!   each booking; fed by server frames, cached for the next start.
//! - [`dnd`]: Do not disturb, until when.
//! - [`preferences`]: per kind popup, sound and badge; per item mute;
//!   recurring quiet hours.
//! - [`alert_text`]: the words of a popup: one notification, or a burst
//!   summarised.
//! - [`popup_rules`]: when a popup shows: at once, gathered with others,
//!   after a replay, held for the end of quiet hours.
//! - [`booking_answers`]: which popups carry Confirm and Decline, and the
//!   server's answer in words.
//! - [`web_page`]: the website's page of a notification.
//! - [`popup_acts`]: what a popup is about, the choices on it, and the
//!   one-time tokens that let a click (or a toast's link) act.
//! - [`badge`]: what the tray bell shows.
//! - [`bookings`]: the Bookings view: rows, live changes, click outcomes.
//! - [`chats`]: the Chats view: the list, the open conversation, live and
//!   own messages.
//! - [`deep_link`] and [`launch`]: `urutibiz:` links (a popup's carry its
//!   token) and the launch's flags (a link launch takes none); also built
//!   by the fuzz targets.
//! - [`machine`]: the live side as one state machine: what the client
//!   core reports, the person's acts and the timers in, effects (popups,
//!   sounds, loads, redraws) out, as data the shell carries out.

pub mod alert_text;
pub mod badge;
pub mod booking_answers;
pub mod bookings;
pub mod chats;
pub mod deep_link;
pub mod dnd;
pub mod history;
pub mod launch;
pub mod machine;
pub mod popup_acts;
pub mod popup_rules;
pub mod preferences;
pub mod web_page;
