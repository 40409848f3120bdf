//! The desktop app's link and command-line parsing, from its core crate
//! (which builds without Tauri).

pub use urutibiz_desktop_core::{deep_link, launch, popup_acts};
