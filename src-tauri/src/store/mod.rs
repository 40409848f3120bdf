//! What the app keeps between runs: the settings store file (settings,
//! the history cache and its owner) and the OS keychain (the session).
//! Nothing here knows the rest of the app.

pub(crate) mod keychain;
pub(crate) mod settings;
