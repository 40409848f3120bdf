//! JWT verification and minting. The algorithm is pinned by configuration,
//! so a token cannot choose how it is checked.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
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
}

/// How tokens are checked.
#[derive(Clone)]
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
    user_claim: String,
}

/// Key material and checks, from configuration.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// HS256, RS256 or ES256.
    pub algorithm: Algorithm,
    /// The HMAC secret (HS256) or the PEM public key (RS256/ES256).
    pub key: Vec<u8>,
    /// The claim holding the user id: `sub`, `userId`, `id`...
    pub user_claim: String,
    /// Required `iss`, if any.
    pub issuer: Option<String>,
    /// Required `aud`, if any.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`, seconds.
    pub leeway_secs: u64,
}

impl Verifier {
    /// Builds a verifier; fails on an unreadable key.
    pub fn new(settings: &JwtSettings) -> Result<Verifier, String> {
        let key = match settings.algorithm {
            Algorithm::HS256 => DecodingKey::from_secret(&settings.key),
            Algorithm::RS256 => {
                DecodingKey::from_rsa_pem(&settings.key).map_err(|e| format!("RS256 public key: {e}"))?
            }
            Algorithm::ES256 => {
                DecodingKey::from_ec_pem(&settings.key).map_err(|e| format!("ES256 public key: {e}"))?
            }
            other => return Err(format!("unsupported JWT algorithm {other:?}")),
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
        Ok(Verifier { key, validation, user_claim: settings.user_claim.clone() })
    }

    /// Verifies a compact JWT.
    pub fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let data =
            decode::<Map<String, Value>>(token, &self.key, &self.validation).map_err(|e| match e.kind() {
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
        let user_id = match claims.get(&self.user_claim) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(AuthError::Claim(self.user_claim.clone())),
        };
        if !urutibiz_protocol::room::is_valid_id(&user_id) {
            return Err(AuthError::Claim(self.user_claim.clone()));
        }
        let role = claims
            .get("role")
            .and_then(Value::as_str)
            .and_then(Role::parse)
            .ok_or_else(|| AuthError::Claim("role".into()))?;
        let expires_at =
            claims.get("exp").and_then(Value::as_i64).ok_or_else(|| AuthError::Claim("exp".into()))?;
        Ok(Identity { user_id, role, expires_at })
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

/// Signs an HS256 token, for the `token` subcommand and tests.
pub fn mint_hs256(secret: &[u8], user_claim: &str, user_id: &str, role: Role, ttl_secs: i64) -> String {
    let mut claims = Map::new();
    claims.insert(user_claim.into(), Value::String(user_id.into()));
    claims.insert("role".into(), Value::String(role.as_str().into()));
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
