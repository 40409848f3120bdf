//! The session lives in the OS keychain (Secret Service, Keychain,
//! Credential Manager), never in the settings file or the logs. Without a
//! keychain it stays in memory only, and the UI says so.

use keyring::Entry;
use serde::{Deserialize, Serialize};
use std::fmt;

const SERVICE: &str = "UrutiBiz Realtime";
const ACCOUNT: &str = "session-token";

/// What is kept for the signed-in user.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StoredSession {
    /// Signed in through the browser; renewed with the refresh token.
    #[serde(rename_all = "camelCase")]
    Provider {
        /// The OpenID provider.
        issuer: String,
        /// This app's client id there.
        client_id: String,
        /// The latest refresh token (rotated on every refresh).
        refresh_token: String,
        /// Who signed in.
        user_id: String,
        /// Their display name.
        name: Option<String>,
    },
    /// A pasted access token (the advanced way in).
    Token {
        /// The JWT.
        token: String,
    },
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredSession::Provider { issuer, user_id, .. } => {
                write!(f, "Provider {{ issuer: {issuer}, user_id: {user_id}, refresh_token: <redacted> }}")
            }
            StoredSession::Token { .. } => f.write_str("Token { <redacted> }"),
        }
    }
}

fn entry() -> keyring::Result<Entry> {
    Entry::new(SERVICE, ACCOUNT)
}

/// The saved session: `Ok(None)` when there is none, `Err` without a keychain.
pub fn load() -> keyring::Result<Option<StoredSession>> {
    match entry()?.get_password() {
        Ok(text) => Ok(Some(parse(&text))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Earlier versions kept the bare token.
fn parse(text: &str) -> StoredSession {
    serde_json::from_str(text).unwrap_or_else(|_| StoredSession::Token { token: text.trim().to_owned() })
}

/// Saves the session; `Err` without a keychain.
pub fn save(session: &StoredSession) -> keyring::Result<()> {
    let text = serde_json::to_string(session).expect("a session always serializes");
    entry()?.set_password(&text)
}

/// Forgets the session.
pub fn delete() {
    if let Ok(entry) = entry() {
        let _ = entry.delete_credential();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_round_trip_and_old_bare_tokens_still_load() {
        let session = StoredSession::Provider {
            issuer: "https://id.example".into(),
            client_id: "urutibiz-desktop".into(),
            refresh_token: "rt-secret".into(),
            user_id: "host-amina".into(),
            name: Some("Amina".into()),
        };
        let text = serde_json::to_string(&session).unwrap();
        assert_eq!(parse(&text), session);
        assert!(!format!("{session:?}").contains("rt-secret"));
        assert_eq!(parse("aaa.bbb.ccc\n"), StoredSession::Token { token: "aaa.bbb.ccc".into() });
    }
}
