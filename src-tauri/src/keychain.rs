//! The token lives in the OS keychain (Secret Service, Keychain, Credential
//! Manager), never in the settings file. Without a keychain it stays in
//! memory only, and the UI says so.

use keyring::Entry;

const SERVICE: &str = "UrutiBiz Realtime";
const ACCOUNT: &str = "session-token";

fn entry() -> Result<Entry, String> {
    Entry::new(SERVICE, ACCOUNT).map_err(|e| e.to_string())
}

/// The saved token: `Ok(None)` when there is none, `Err` without a keychain.
pub fn load() -> Result<Option<String>, String> {
    match entry()?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Saves the token; `Err` without a keychain.
pub fn save(token: &str) -> Result<(), String> {
    entry()?.set_password(token).map_err(|e| e.to_string())
}

/// Forgets the token.
pub fn delete() {
    if let Ok(entry) = entry() {
        let _ = entry.delete_credential();
    }
}
