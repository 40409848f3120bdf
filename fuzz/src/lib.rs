//! The desktop app's link and command-line parsing, compiled from its own
//! source files so the fuzz targets need not build Tauri.

#[path = "../../src-tauri/src/deep_link.rs"]
pub mod deep_link;
#[path = "../../src-tauri/src/launch.rs"]
pub mod launch;
