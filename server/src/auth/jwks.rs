//! Signing keys from an OpenID provider's JWKS document, by `kid`.
//!
//! Keys are cached. A token naming an unknown `kid` triggers a refetch, but
//! at most one per `min_refetch` however many such tokens arrive, so a flood
//! of made-up `kid`s cannot hammer the provider. A failed fetch keeps the
//! cache: tokens signed with known keys go on verifying while the provider
//! is down. A periodic refresh drops keys the provider has removed.

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Where the key set is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksLocation {
    /// A `jwks_uri`.
    Url(String),
    /// An issuer whose `/.well-known/openid-configuration` names the `jwks_uri`.
    Discover(String),
}

/// How the cache fetches.
#[derive(Debug, Clone)]
pub struct JwksSettings {
    /// Where the keys are.
    pub location: JwksLocation,
    /// Least time between two fetches caused by unknown `kid`s.
    pub min_refetch: Duration,
    /// Time between routine refreshes.
    pub refresh_every: Duration,
    /// Time allowed for one HTTP request to the provider.
    pub timeout: Duration,
}

/// Why a fetch failed; logged, never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The provider did not answer, or answered with an error status.
    #[error("request to {url}: {source}")]
    Http {
        /// What was asked.
        url: String,
        /// The transport or status error.
        #[source]
        source: reqwest::Error,
    },
    /// The discovery document has no usable `jwks_uri`.
    #[error("discovery document at {0} has no `jwks_uri`")]
    NoJwksUri(String),
    /// The provider redirected to another origin; not followed.
    #[error("{0} redirects to another origin; keys are only fetched from the configured one")]
    Redirected(String),
    /// A URL the keys would come from is not https (nor loopback http).
    #[error("{0}")]
    Insecure(#[from] InsecureUrl),
    /// The key set holds no key usable with the configured algorithm.
    #[error("no {0:?} signing key in the key set")]
    NoUsableKey(Algorithm),
}

/// Why a URL is not one keys may be fetched from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsecureUrl {
    /// Not a URL.
    #[error("`{0}` is not a URL")]
    Malformed(String),
    /// Plain http (or another scheme) to another machine.
    #[error("`{0}` must be https:// (plain http:// only for 127.0.0.1, ::1 or localhost)")]
    NotHttps(String),
}

/// Checks that keys may be fetched from `url`: https, or http on loopback.
pub(crate) fn check_key_url(url: &str) -> Result<reqwest::Url, InsecureUrl> {
    let parsed = reqwest::Url::parse(url).map_err(|_| InsecureUrl::Malformed(url.to_owned()))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(InsecureUrl::NotHttps(url.to_owned())),
    }
}

/// Follows a redirect only within the origin it started at: a key set
/// that moves to another host is not one the operator configured.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(reqwest::Url::origin);
        if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if first.is_some_and(|origin| origin == attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Cached keys of one provider.
pub struct JwksCache {
    settings: JwksSettings,
    algorithm: Algorithm,
    http: reqwest::Client,
    /// Lock order: `fetching` (async, held across the fetch) before `state`
    /// (sync, never held across an `.await`).
    fetching: tokio::sync::Mutex<()>,
    state: RwLock<CacheState>,
}

#[derive(Default)]
struct CacheState {
    keys: HashMap<String, DecodingKey>,
    jwks_uri: Option<String>,
    last_attempt: Option<Instant>,
    fetches: u64,
}

impl JwksCache {
    /// An empty cache; call [`JwksCache::refresh`] to fill it.
    pub fn new(settings: JwksSettings, algorithm: Algorithm) -> JwksCache {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(same_origin_redirects())
            .user_agent(concat!("urutibiz-realtime-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a plain HTTP client always builds");
        let jwks_uri = match &settings.location {
            JwksLocation::Url(url) => Some(url.clone()),
            JwksLocation::Discover(_) => None,
        };
        JwksCache {
            settings,
            algorithm,
            http,
            fetching: tokio::sync::Mutex::new(()),
            state: RwLock::new(CacheState { jwks_uri, ..CacheState::default() }),
        }
    }

    /// The key for `kid`, refetching the set if the `kid` is unknown and the
    /// last fetch is older than `min_refetch`.
    pub async fn key(&self, kid: &str) -> Option<DecodingKey> {
        if let Some(key) = self.cached(kid) {
            return Some(key);
        }
        let _single_flight = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid) {
            return Some(key);
        }
        let recently = self.read().last_attempt.is_some_and(|t| t.elapsed() < self.settings.min_refetch);
        if !recently {
            // Boxed: `verify` runs inside every connection's task, whose
            // future would otherwise be as large as an HTTP request's state
            // for as long as the connection lives.
            if let Err(e) = Box::pin(self.fetch()).await {
                tracing::warn!(error = %e, "JWKS refetch for an unknown kid failed; keeping cached keys");
            }
        }
        self.cached(kid)
    }

    /// Fetches the key set now (at start and periodically).
    pub async fn refresh(&self) -> Result<usize, FetchError> {
        let _single_flight = self.fetching.lock().await;
        Box::pin(self.fetch()).await
    }

    /// Fetches made so far, for metrics and tests.
    pub fn fetches(&self) -> u64 {
        self.read().fetches
    }

    /// Keys cached now.
    pub fn len(&self) -> usize {
        self.read().keys.len()
    }

    /// Whether no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Time between routine refreshes.
    pub fn refresh_every(&self) -> Duration {
        self.settings.refresh_every
    }

    fn cached(&self, kid: &str) -> Option<DecodingKey> {
        self.read().keys.get(kid).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, CacheState> {
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, CacheState> {
        self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One fetch; the caller holds `fetching`.
    async fn fetch(&self) -> Result<usize, FetchError> {
        let jwks_uri = {
            let mut state = self.write();
            state.last_attempt = Some(Instant::now());
            state.fetches += 1;
            state.jwks_uri.clone()
        };
        let jwks_uri = match (jwks_uri, &self.settings.location) {
            (Some(uri), _) => uri,
            (None, JwksLocation::Discover(issuer)) => {
                let uri = self.discover(issuer).await?;
                self.write().jwks_uri = Some(uri.clone());
                uri
            }
            (None, JwksLocation::Url(url)) => url.clone(),
        };
        let set: JwkSet = self.get_json(&jwks_uri).await?;
        let keys = usable_keys(&set, self.algorithm);
        if keys.is_empty() {
            return Err(FetchError::NoUsableKey(self.algorithm));
        }
        let count = keys.len();
        self.write().keys = keys;
        tracing::debug!(count, "JWKS fetched");
        Ok(count)
    }

    async fn discover(&self, issuer: &str) -> Result<String, FetchError> {
        let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        let doc: serde_json::Value = self.get_json(&url).await?;
        let jwks_uri = doc
            .get("jwks_uri")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or(FetchError::NoJwksUri(url))?;
        check_key_url(&jwks_uri)?;
        Ok(jwks_uri)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, FetchError> {
        let http = |source| FetchError::Http { url: url.to_owned(), source };
        let response = self.http.get(url).send().await.and_then(|r| r.error_for_status()).map_err(http)?;
        if response.status().is_redirection() {
            // Stopped by the redirect policy: somewhere else than configured.
            return Err(FetchError::Redirected(url.to_owned()));
        }
        response.json().await.map_err(http)
    }
}

/// Signing keys with a `kid` that fit the configured algorithm. A key that
/// names another algorithm, or is meant for encryption, is skipped, so the
/// key set cannot widen what the configuration allows.
fn usable_keys(set: &JwkSet, algorithm: Algorithm) -> HashMap<String, DecodingKey> {
    let wanted = match algorithm {
        Algorithm::RS256 => KeyAlgorithm::RS256,
        Algorithm::ES256 => KeyAlgorithm::ES256,
        _ => return HashMap::new(),
    };
    set.keys
        .iter()
        .filter(|jwk| jwk.common.key_algorithm.is_none_or(|alg| alg == wanted))
        .filter(|jwk| jwk.common.public_key_use.as_ref().is_none_or(|u| *u == PublicKeyUse::Signature))
        .filter(|jwk| {
            matches!(
                (&jwk.algorithm, algorithm),
                (AlgorithmParameters::RSA(_), Algorithm::RS256)
                    | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
            )
        })
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            DecodingKey::from_jwk(jwk).ok().map(|key| (kid, key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(json: serde_json::Value) -> JwkSet {
        serde_json::from_value(json).unwrap()
    }

    const N: &str = "xwQ72P9z9OYshiQ-ntDYaPnnfwG6u9JAdLMZ5o0dmjlcyrvwQRdoFIKPnO65Q8mh6F_LDSxjxa2Yzo_wdjhbPZLjfUJXgCzm54cClXzT5twzo7lzoAfaJlkTsoZc2HFWqmcri0BuzmTFLZx2Q7wYBm0pXHmQKF0V-C1O6NWfd4mfBhbM";

    #[test]
    fn only_signing_keys_of_the_pinned_algorithm_are_kept() {
        let keys = set(serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "a", "alg": "RS256", "use": "sig", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "b", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "c", "alg": "RS512", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "d", "use": "enc", "n": N, "e": "AQAB"},
            {"kty": "RSA", "n": N, "e": "AQAB"},
            {"kty": "oct", "kid": "e", "k": "c2VjcmV0"},
        ]}));
        let mut kept: Vec<_> = usable_keys(&keys, Algorithm::RS256).into_keys().collect();
        kept.sort();
        assert_eq!(kept, ["a", "b"]);
        assert!(usable_keys(&keys, Algorithm::ES256).is_empty());
        assert!(usable_keys(&keys, Algorithm::HS256).is_empty());
    }
}
