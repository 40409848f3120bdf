//! JWT verification and minting. The algorithm is pinned by configuration,
//! so a token cannot choose how it is checked.
//!
//! - [`jwks`]: keys from an OpenID provider's key set, by `kid`.

pub(crate) mod jwks;

use jwks::{JwksCache, JwksSettings};
use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Rents items out.
    Host,
    /// Books items.
    Renter,
    /// Marketplace staff: may watch any room and make any transition.
    Admin,
    /// A backend calling the HTTP API.
    Service,
}

impl Role {
    /// Parses the `role` claim.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "host" => Some(Role::Host),
            "renter" => Some(Role::Renter),
            "admin" => Some(Role::Admin),
            "service" => Some(Role::Service),
            _ => None,
        }
    }

    /// The claim spelling, also the suffix of the `role-` room.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Renter => "renter",
            Role::Admin => "admin",
            Role::Service => "service",
        }
    }
}

impl Role {
    /// Roles that reach beyond the user's own rooms: the backend API
    /// (`service`), every room and transition (`admin`).
    pub fn is_privileged(self) -> bool {
        matches!(self, Role::Admin | Role::Service)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user id, from the configured claim.
    pub user_id: String,
    /// The role claim.
    pub role: Role,
    /// The `exp` claim, Unix seconds.
    pub expires_at: i64,
    /// The display name claim, when the token has one.
    pub display_name: Option<String>,
}

/// Why a token was refused. The text goes to the client; it never
/// contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token was presented.
    #[error("missing token")]
    Missing,
    /// `exp` is in the past.
    #[error("token expired")]
    Expired,
    /// The token is not yet valid (`nbf`).
    #[error("token not yet valid")]
    NotYetValid,
    /// The signature does not match the configured key.
    #[error("invalid signature")]
    BadSignature,
    /// The header names another algorithm than the configured one, or `none`.
    #[error("token algorithm not allowed")]
    WrongAlgorithm,
    /// A required claim is missing or of the wrong type.
    #[error("missing or invalid claim `{0}`")]
    Claim(String),
    /// `iss` does not match.
    #[error("invalid issuer")]
    Issuer,
    /// `aud` does not match.
    #[error("invalid audience")]
    Audience,
    /// Not a JWT at all.
    #[error("malformed token")]
    Malformed,
    /// Keys come from a key set, and the token does not say which one.
    #[error("token header has no `kid`")]
    MissingKeyId,
    /// The token names a key the provider does not publish (or the
    /// provider could not be reached to learn of it).
    #[error("token signed by an unknown key")]
    UnknownKey,
    /// `exp - iat` (or `exp - now` without `iat`) is longer than allowed:
    /// a stolen long-lived token would stay good too long.
    #[error("token lifetime exceeds the server's limit")]
    LifetimeTooLong,
    /// A provider's token claims a role that grants the backend API or
    /// every room: those come only from the backend's own credential, or
    /// from a provider client listed in `--privileged-clients`.
    #[error(
        "role `{0}` is not accepted from the sign-in provider's tokens; it is for the backend's own tokens"
    )]
    PrivilegedRole(Role),
}

/// How tokens are checked.
#[derive(Clone)]
pub struct Verifier {
    keys: Keys,
    validation: Validation,
    claims: ClaimNames,
    max_lifetime_secs: i64,
    /// With a JWKS: the backend's own HS256 secret, for tokens it mints
    /// itself (services, tools). Only HS256 tokens are checked with it, so
    /// a provider's RS256/ES256 token can never be checked as HMAC.
    backend_secret: Option<(DecodingKey, Validation)>,
    /// Provider client ids (`azp`, or `client_id`) whose tokens may carry
    /// `service` or `admin`.
    privileged_clients: Vec<String>,
}

/// Where the verifying key comes from.
#[derive(Clone)]
enum Keys {
    /// One configured key.
    Static(DecodingKey),
    /// An OpenID provider's key set.
    Jwks(Arc<JwksCache>),
}

/// Which claims carry what.
#[derive(Debug, Clone)]
pub struct ClaimNames {
    /// The user id: `sub`, `userId`, `id`...
    pub user: String,
    /// The role: `role` unless the provider puts it elsewhere.
    pub role: String,
    /// The display name: `name` by default.
    pub name: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames { user: "sub".into(), role: "role".into(), name: "name".into() }
    }
}

/// Key material and checks, from configuration.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// HS256, RS256 or ES256.
    pub algorithm: Algorithm,
    /// The HMAC secret (HS256) or the PEM public key (RS256/ES256);
    /// unused when `jwks` is set.
    pub key: Vec<u8>,
    /// Keys from an OpenID provider instead of `key` (RS256/ES256).
    pub jwks: Option<JwksSettings>,
    /// With `jwks`: an HS256 secret the backend signs its own tokens with
    /// (`exp` required; `iss`/`aud` are the provider's and not asked of them).
    pub backend_secret: Option<Vec<u8>>,
    /// Which claims carry the user id, role and display name.
    pub claims: ClaimNames,
    /// Required `iss`, if any.
    pub issuer: Option<String>,
    /// Required `aud`, if any.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`, seconds.
    pub leeway_secs: u64,
    /// Longest accepted lifetime, `exp - iat` (or `exp - now`), seconds.
    pub max_lifetime_secs: u64,
    /// With `jwks`: the provider clients (`azp` or `client_id`) whose
    /// tokens may carry `service` or `admin`. Empty: none may.
    pub privileged_clients: Vec<String>,
}

/// Why the configured keys cannot verify anything.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A JWKS with an HMAC algorithm.
    #[error("a JWKS holds public keys: use RS256 or ES256 with it, not HS256")]
    HmacWithJwks,
    /// The PEM file does not hold a key of the configured algorithm.
    #[error("{algorithm:?} public key: {source}")]
    Pem {
        /// The configured algorithm.
        algorithm: Algorithm,
        /// Why the key does not load.
        #[source]
        source: jsonwebtoken::errors::Error,
    },
    /// An algorithm this server does not verify.
    #[error("unsupported JWT algorithm {0:?}")]
    Unsupported(Algorithm),
}

impl Verifier {
    /// Builds a verifier; fails on an unreadable key.
    pub fn new(settings: &JwtSettings) -> Result<Verifier, KeyError> {
        let pem = |source| KeyError::Pem { algorithm: settings.algorithm, source };
        let keys = match (settings.algorithm, &settings.jwks) {
            (Algorithm::HS256, Some(_)) => return Err(KeyError::HmacWithJwks),
            (Algorithm::RS256 | Algorithm::ES256, Some(jwks)) => {
                Keys::Jwks(Arc::new(JwksCache::new(jwks.clone(), settings.algorithm)))
            }
            (Algorithm::HS256, None) => Keys::Static(DecodingKey::from_secret(&settings.key)),
            (Algorithm::RS256, None) => Keys::Static(DecodingKey::from_rsa_pem(&settings.key).map_err(pem)?),
            (Algorithm::ES256, None) => Keys::Static(DecodingKey::from_ec_pem(&settings.key).map_err(pem)?),
            (other, _) => return Err(KeyError::Unsupported(other)),
        };
        let mut validation = Validation::new(settings.algorithm);
        validation.leeway = settings.leeway_secs;
        validation.validate_nbf = true;
        let mut required = vec!["exp"];
        required.extend(settings.issuer.as_ref().map(|_| "iss"));
        required.extend(settings.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &settings.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &settings.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let backend_secret = match (&settings.jwks, &settings.backend_secret) {
            (Some(_), Some(secret)) => {
                let mut validation = Validation::new(Algorithm::HS256);
                validation.leeway = settings.leeway_secs;
                validation.validate_nbf = true;
                validation.set_required_spec_claims(&["exp"]);
                validation.validate_aud = false;
                Some((DecodingKey::from_secret(secret), validation))
            }
            _ => None,
        };
        Ok(Verifier {
            keys,
            validation,
            claims: settings.claims.clone(),
            max_lifetime_secs: i64::try_from(settings.max_lifetime_secs).unwrap_or(i64::MAX),
            backend_secret,
            privileged_clients: settings.privileged_clients.clone(),
        })
    }

    /// The provider's key cache, when keys come from a JWKS.
    pub fn jwks(&self) -> Option<&Arc<JwksCache>> {
        match &self.keys {
            Keys::Jwks(cache) => Some(cache),
            Keys::Static(_) => None,
        }
    }

    /// Verifies a compact JWT. With a JWKS this may fetch the key set once
    /// (see [`jwks`] for how often).
    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let fetched;
        let mut validation = &self.validation;
        // Whether the key is the provider's: its users' tokens must not
        // grant what only the backend may do.
        let mut from_provider = false;
        let key = match &self.keys {
            Keys::Static(key) => key,
            Keys::Jwks(cache) => {
                // Only `alg` and `kid` are kept: the whole header is large,
                // and this future lives inside every connection's task.
                let (alg, kid) = decode_header(token).map(|h| (h.alg, h.kid)).map_err(|_| {
                    if header_names_none(token) {
                        AuthError::WrongAlgorithm
                    } else {
                        AuthError::Malformed
                    }
                })?;
                match &self.backend_secret {
                    Some((secret, backend_validation)) if alg == Algorithm::HS256 => {
                        validation = backend_validation;
                        secret
                    }
                    _ if alg != self.validation.algorithms[0] => return Err(AuthError::WrongAlgorithm),
                    _ => {
                        let kid = kid.ok_or(AuthError::MissingKeyId)?;
                        fetched = cache.key(&kid).await.ok_or(AuthError::UnknownKey)?;
                        from_provider = true;
                        &fetched
                    }
                }
            }
        };
        let data = decode::<Map<String, Value>>(token, key, validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => AuthError::WrongAlgorithm,
            ErrorKind::MissingRequiredClaim(c) => AuthError::Claim(c.clone()),
            ErrorKind::InvalidIssuer => AuthError::Issuer,
            ErrorKind::InvalidAudience => AuthError::Audience,
            _ if header_names_none(token) => AuthError::WrongAlgorithm,
            _ => AuthError::Malformed,
        })?;
        let claims = data.claims;
        let names = &self.claims;
        let user_id = match claims.get(&names.user) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(AuthError::Claim(names.user.clone())),
        };
        if !urutibiz_protocol::room::is_valid_id(&user_id) {
            return Err(AuthError::Claim(names.user.clone()));
        }
        let role = claims
            .get(&names.role)
            .and_then(Value::as_str)
            .and_then(Role::parse)
            .ok_or_else(|| AuthError::Claim(names.role.clone()))?;
        if from_provider && role.is_privileged() && !self.privileged_client(&claims) {
            return Err(AuthError::PrivilegedRole(role));
        }
        let expires_at =
            claims.get("exp").and_then(Value::as_i64).ok_or_else(|| AuthError::Claim("exp".into()))?;
        let issued_at = claims.get("iat").and_then(Value::as_i64).unwrap_or_else(unix_now);
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        if expires_at.saturating_sub(issued_at.min(unix_now() + leeway)) > self.max_lifetime_secs {
            return Err(AuthError::LifetimeTooLong);
        }
        let display_name =
            claims.get(&names.name).and_then(Value::as_str).and_then(urutibiz_protocol::name::clean);
        Ok(Identity { user_id, role, expires_at, display_name })
    }
}

impl Verifier {
    /// Whether the token was issued to a client trusted with privileged
    /// roles: `azp` (OpenID Connect's authorized party), or `client_id`
    /// (RFC 9068's access-token claim).
    fn privileged_client(&self, claims: &Map<String, Value>) -> bool {
        ["azp", "client_id"]
            .iter()
            .filter_map(|claim| claims.get(*claim).and_then(Value::as_str))
            .any(|client| self.privileged_clients.iter().any(|trusted| trusted == client))
    }
}

/// `alg: none` fails to parse as an algorithm; report it as what it is.
fn header_names_none(token: &str) -> bool {
    use base64::Engine as _;
    token
        .split('.')
        .next()
        .and_then(|h| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|h| serde_json::from_slice::<Map<String, Value>>(&h).ok())
        .and_then(|h| h.get("alg").and_then(Value::as_str).map(|a| a.eq_ignore_ascii_case("none")))
        .unwrap_or(false)
}

/// Signs an HS256 token, for the `token` subcommand and tests; `name` goes
/// into the `name` claim.
pub fn mint_hs256(
    secret: &[u8],
    user_claim: &str,
    user_id: &str,
    role: Role,
    ttl_secs: i64,
    name: Option<&str>,
) -> String {
    let mut claims = Map::new();
    claims.insert(user_claim.into(), Value::String(user_id.into()));
    claims.insert("role".into(), Value::String(role.as_str().into()));
    if let Some(name) = name {
        claims.insert("name".into(), Value::String(name.into()));
    }
    let now = unix_now();
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + ttl_secs).into());
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))
        .expect("HS256 signing cannot fail")
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
