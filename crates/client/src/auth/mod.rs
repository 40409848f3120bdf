//! Signing in and staying signed in, with an OpenID provider.
//!
//! - [`provider`]: discovery, browser sign-in (authorization code + PKCE
//!   S256, RFC 8252 loopback redirect) and refresh, over `openidconnect`.
//! - [`loopback`]: the one-shot `http://127.0.0.1:<port>/callback` listener.
//! - [`refresher`]: renews the access token before it expires and hands it
//!   to the open socket; signs out when the provider refuses.
//!
//! The refresh token never leaves this module's types except through
//! [`refresher::AuthEvent::Refreshed`], for the shell to keep in the OS
//! keychain; `Debug` output redacts it.

pub mod loopback;
pub mod provider;
pub mod refresher;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use provider::{Provider, SignedIn};
pub use refresher::{spawn_refresher, AuthEvent, Refreshing};

/// What the provider issued.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The JWT the realtime server verifies.
    pub access_token: String,
    /// For renewing the access token; providers that rotate return a new
    /// one with each refresh.
    pub refresh_token: Option<String>,
    /// When the access token was issued (by this machine's clock).
    pub issued_at: SystemTime,
    /// When the access token expires.
    pub expires_at: SystemTime,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Tokens {
    /// Tokens for an access token alone: expiry from its `exp` claim, or
    /// `fallback_lifetime` when it has none readable.
    pub fn from_access_token(
        access_token: String,
        refresh_token: Option<String>,
        fallback_lifetime: Duration,
    ) -> Tokens {
        let issued_at = SystemTime::now();
        let expires_at = jwt_expiry(&access_token).unwrap_or(issued_at + fallback_lifetime);
        Tokens { access_token, refresh_token, issued_at, expires_at }
    }

    /// When to renew: at 80% of the lifetime, minus up to 5% of it as
    /// jitter so many clients of one provider do not refresh in step.
    /// Never sooner than a second after issue, so a token that looks
    /// expired on arrival (a skewed clock) cannot make refreshing spin.
    pub fn refresh_due(&self) -> SystemTime {
        let lifetime = self.expires_at.duration_since(self.issued_at).unwrap_or_default();
        let jitter = lifetime.mul_f64(0.05 * fastrand::f64());
        let due = lifetime.mul_f64(0.8) - jitter;
        self.issued_at + due.max(Duration::from_secs(1))
    }
}

/// The claims of a JWT, read without verifying it: a client only reads its
/// own token (when it runs out, whom it speaks for); the server verifies.
pub fn jwt_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `exp` claim of a JWT, unverified (see [`jwt_claims`]).
pub fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let exp = jwt_claims(token)?.get("exp")?.as_u64()?;
    Some(UNIX_EPOCH + Duration::from_secs(exp))
}

/// Whether `token` expires within `margin` (unknown expiry: no).
pub fn expires_within(token: &str, margin: Duration) -> bool {
    jwt_expiry(token).is_some_and(|exp| exp <= SystemTime::now() + margin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn jwt(claims: serde_json::Value) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!("{}.{}.sig", b64(br#"{"alg":"RS256"}"#), b64(claims.to_string().as_bytes()))
    }

    #[test]
    fn expiry_is_read_from_the_token() {
        let exp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 100;
        let token = jwt(serde_json::json!({"exp": exp}));
        assert_eq!(jwt_expiry(&token), Some(UNIX_EPOCH + Duration::from_secs(exp)));
        assert!(!expires_within(&token, Duration::from_secs(50)));
        assert!(expires_within(&token, Duration::from_secs(150)));
        assert_eq!(jwt_expiry("opaque-token"), None);
        assert_eq!(jwt_expiry(&jwt(serde_json::json!({"sub": "x"}))), None);
        assert!(!expires_within("opaque-token", Duration::from_secs(3600)));
    }

    #[test]
    fn refresh_is_due_between_75_and_80_percent_of_the_lifetime() {
        let issued_at = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let tokens = Tokens {
            access_token: "access-secret".into(),
            refresh_token: Some("refresh-secret".into()),
            issued_at,
            expires_at: issued_at + Duration::from_secs(100),
        };
        for _ in 0..100 {
            let due = tokens.refresh_due().duration_since(issued_at).unwrap();
            assert!(due >= Duration::from_secs(75) && due <= Duration::from_secs(80), "{due:?}");
        }
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("secret") && shown.contains("<redacted>"), "{shown}");
    }
}
