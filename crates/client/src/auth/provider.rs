//! One OpenID provider: discovered from its issuer URL, used for the
//! browser sign-in and for refreshing.

use super::loopback::{Callback, CallbackQuery, Loopback};
use super::Tokens;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreProviderMetadata,
    CoreTokenResponse,
};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, StandardErrorResponse, TokenResponse,
};
use std::time::{Duration, SystemTime};

/// The client as discovery leaves it: authorization and token endpoints known.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

type HttpError = HttpClientError<reqwest::Error>;
type TokenError = RequestTokenError<HttpError, StandardErrorResponse<CoreErrorResponseType>>;

/// Scopes asked for: who the user is, a refresh token, and access to the
/// realtime server.
const SCOPES: [&str; 3] = ["profile", "offline_access", "realtime"];
/// Used when the provider does not say how long an access token lives.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// Why signing in failed. Each says what the person can do about it.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The issuer is not a URL.
    #[error("the sign-in address {issuer:?} is not a valid URL")]
    IssuerUrl {
        /// What was configured.
        issuer: String,
        /// Why it does not parse.
        #[source]
        source: openidconnect::url::ParseError,
    },
    /// The provider's OpenID configuration could not be read.
    #[error("cannot reach the sign-in service at {issuer} or read its configuration")]
    Discovery {
        /// The issuer.
        issuer: String,
        /// What went wrong: network, status, malformed document.
        #[source]
        source: openidconnect::DiscoveryError<HttpError>,
    },
    /// The provider names an endpoint that is not https (nor loopback
    /// http): codes, tokens or keys would cross the network in the clear.
    #[error("the sign-in service's {what} ({url}) is not an https:// address")]
    InsecureEndpoint {
        /// Which endpoint.
        what: &'static str,
        /// What discovery said.
        url: String,
    },
    /// The provider publishes no token endpoint.
    #[error("the sign-in service has no token endpoint")]
    NoTokenEndpoint(#[source] openidconnect::ConfigurationError),
    /// The loopback listener could not be opened.
    #[error("cannot listen for the sign-in callback on 127.0.0.1")]
    Loopback(#[from] std::io::Error),
    /// The browser could not be opened.
    #[error("cannot open the browser: {0}")]
    Browser(String),
    /// Nobody finished signing in in time (browser closed, tab abandoned).
    #[error("sign-in was not completed within {} minutes; try again", .0.as_secs() / 60)]
    TimedOut(Duration),
    /// The person cancelled, or the provider refused.
    #[error("sign-in was cancelled or refused: {0}")]
    Denied(String),
    /// The callback does not belong to the sign-in this app started.
    #[error("the sign-in response does not match the request this app made (state mismatch); try again")]
    StateMismatch,
    /// The callback came from another issuer (RFC 9207 `iss`).
    #[error("the sign-in response came from an unexpected issuer")]
    IssuerMismatch,
    /// The callback had neither a code nor an error.
    #[error("the sign-in response had no authorization code")]
    NoCode,
    /// Exchanging the code for tokens failed.
    #[error("the sign-in service did not issue tokens")]
    Exchange(#[source] TokenError),
    /// The ID token is missing or does not verify.
    #[error("the sign-in service's ID token is invalid")]
    IdToken(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The provider refused the refresh token (`invalid_grant`: revoked,
    /// expired, reused): only signing in again helps.
    #[error("the session was ended by the sign-in service ({0}); sign in again")]
    Rejected(String),
    /// Network or provider trouble: worth retrying.
    #[error("could not renew the session")]
    Transient(#[source] TokenError),
    /// There is no refresh token to use.
    #[error("no refresh token; sign in again")]
    NoRefreshToken,
}

/// Who signed in, and their tokens.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Tokens for the realtime server.
    pub tokens: Tokens,
    /// `sub` of the ID token.
    pub user_id: String,
    /// `name` of the ID token, if the provider shares it.
    pub name: Option<String>,
}

/// A discovered provider and this app's client id with it.
#[derive(Debug, Clone)]
pub struct Provider {
    metadata: CoreProviderMetadata,
    client_id: String,
    http: reqwest::Client,
}

impl Provider {
    /// Reads `<issuer>/.well-known/openid-configuration` (and the key set).
    pub async fn discover(issuer: &str, client_id: &str) -> Result<Provider, SignInError> {
        // No redirects: a provider endpoint must answer itself (SSRF guard).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| SignInError::Browser(format!("HTTP client: {e}")))?;
        let issuer_url = IssuerUrl::new(issuer.to_owned())
            .map_err(|source| SignInError::IssuerUrl { issuer: issuer.to_owned(), source })?;
        require_secure("address", issuer_url.url())?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
            .await
            .map_err(|source| SignInError::Discovery { issuer: issuer.to_owned(), source })?;
        require_secure("authorization endpoint", metadata.authorization_endpoint().url())?;
        if let Some(token_endpoint) = metadata.token_endpoint() {
            require_secure("token endpoint", token_endpoint.url())?;
        }
        require_secure("key set", metadata.jwks_uri().url())?;
        Ok(Provider { metadata, client_id: client_id.to_owned(), http })
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        self.metadata.issuer().as_str()
    }

    /// This app's client id with the provider.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn client(&self) -> DiscoveredClient {
        CoreClient::from_provider_metadata(self.metadata.clone(), ClientId::new(self.client_id.clone()), None)
    }

    /// The browser sign-in: opens `open_browser` at the authorization URL,
    /// waits up to `timeout` for the loopback callback, checks `state` and
    /// `iss`, exchanges the code with the PKCE verifier, verifies the ID token.
    pub async fn sign_in(
        &self,
        open_browser: impl FnOnce(&str) -> Result<(), String>,
        timeout: Duration,
    ) -> Result<SignedIn, SignInError> {
        let loopback = Loopback::bind().await?;
        let redirect = RedirectUrl::new(loopback.redirect_uri()?).expect("a loopback URL always parses");
        let client = self.client().set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            // OpenID Connect grants `offline_access` (the refresh token) only
            // with explicit consent (Core §11).
            .add_prompt(CoreAuthPrompt::Consent);
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        let (url, state, nonce) = request.url();

        let expected_state = state.secret().clone();
        let issuer = self.issuer().to_owned();
        let callback = loopback.wait(move |query| {
            let outcome = check_callback(query, &expected_state, &issuer);
            match &outcome {
                // Not the answer to this request: whoever sent it cannot
                // end the sign-in; the provider's answer may still come.
                Err(SignInError::StateMismatch) => Callback::Stray(
                    "This is not the answer to the sign-in UrutiBiz is waiting for (state mismatch). \
                     You can close this tab."
                        .to_owned(),
                ),
                Ok(_) => Callback::Answer(
                    outcome,
                    "Signed in. You can close this tab and go back to UrutiBiz.".to_owned(),
                ),
                Err(e) => {
                    let page = format!("{e}.");
                    Callback::Answer(outcome, page)
                }
            }
        });
        tokio::pin!(callback);
        open_browser(url.as_str()).map_err(SignInError::Browser)?;
        let code = match tokio::time::timeout(timeout, &mut callback).await {
            Err(_) => return Err(SignInError::TimedOut(timeout)),
            Ok(result) => result??,
        };

        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(SignInError::NoTokenEndpoint)?
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(SignInError::Exchange)?;
        let id_token = response
            .id_token()
            .ok_or_else(|| SignInError::IdToken("the token response has no ID token".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .map_err(|e| SignInError::IdToken(Box::new(e)))?;
        let name = claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned());
        Ok(SignedIn {
            tokens: tokens_from(&response, None),
            user_id: claims.subject().as_str().to_owned(),
            name,
        })
    }

    /// Exchanges `refresh_token` for fresh tokens. A provider that rotates
    /// returns a new refresh token; otherwise the old one stays in use.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, RefreshError> {
        let token = RefreshToken::new(refresh_token.to_owned());
        let client = self.client();
        let request = client
            .exchange_refresh_token(&token)
            .map_err(|_| RefreshError::Rejected("the sign-in service has no token endpoint".into()))?;
        match request.request_async(&self.http).await {
            Ok(response) => Ok(tokens_from(&response, Some(refresh_token))),
            Err(RequestTokenError::ServerResponse(refused))
                if matches!(
                    refused.error(),
                    CoreErrorResponseType::InvalidGrant
                        | CoreErrorResponseType::InvalidClient
                        | CoreErrorResponseType::UnauthorizedClient
                ) =>
            {
                let reason =
                    refused.error_description().cloned().unwrap_or_else(|| refused.error().to_string());
                Err(RefreshError::Rejected(reason))
            }
            Err(other) => Err(RefreshError::Transient(other)),
        }
    }
}

/// Refuses an endpoint that is neither https nor http on this machine.
fn require_secure(what: &'static str, url: &openidconnect::url::Url) -> Result<(), SignInError> {
    use openidconnect::url::Host;
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(SignInError::InsecureEndpoint { what, url: url.to_string() }),
    }
}

/// The code from a callback, after checking it answers this sign-in.
/// Public for the fuzz targets (`fuzz/`): the query is anyone's to send.
pub fn check_callback(
    query: &CallbackQuery,
    expected_state: &str,
    issuer: &str,
) -> Result<String, SignInError> {
    // State first: a response to someone else's request says nothing else we should trust.
    if query.get("state").map(String::as_str) != Some(expected_state) {
        return Err(SignInError::StateMismatch);
    }
    if query.get("iss").is_some_and(|iss| iss != issuer) {
        return Err(SignInError::IssuerMismatch);
    }
    if let Some(error) = query.get("error") {
        let detail = query.get("error_description").unwrap_or(error);
        return Err(SignInError::Denied(detail.clone()));
    }
    query.get("code").cloned().ok_or(SignInError::NoCode)
}

fn tokens_from(response: &CoreTokenResponse, previous_refresh: Option<&str>) -> Tokens {
    let access_token = response.access_token().secret().clone();
    let refresh_token =
        response.refresh_token().map(|t| t.secret().clone()).or_else(|| previous_refresh.map(str::to_owned));
    let issued_at = SystemTime::now();
    // `expires_in` is relative, so a skewed clock here does not shorten it;
    // the token's own `exp` is the fallback.
    let expires_at = match response.expires_in() {
        Some(lifetime) => issued_at + lifetime,
        None => super::jwt_expiry(&access_token).unwrap_or(issued_at + DEFAULT_LIFETIME),
    };
    Tokens { access_token, refresh_token, issued_at, expires_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> CallbackQuery {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn endpoints_must_be_https_or_on_this_machine() {
        let ok = [
            "https://idp.example/token",
            "http://127.0.0.1:8081/token",
            "http://[::1]/t",
            "http://localhost/t",
        ];
        for url in ok {
            assert!(require_secure("token endpoint", &url.parse().unwrap()).is_ok(), "{url}");
        }
        for url in ["http://idp.example/token", "http://10.0.0.5/token", "ftp://idp.example/t"] {
            let refused = require_secure("token endpoint", &url.parse().unwrap()).unwrap_err();
            assert_eq!(
                refused.to_string(),
                format!("the sign-in service's token endpoint ({url}) is not an https:// address")
            );
        }
    }

    #[test]
    fn callbacks_are_checked_state_first() {
        let iss = "http://127.0.0.1:9";
        assert_eq!(check_callback(&query(&[("state", "s"), ("code", "c")]), "s", iss).unwrap(), "c");
        assert!(matches!(
            check_callback(&query(&[("state", "x"), ("code", "c")]), "s", iss),
            Err(SignInError::StateMismatch)
        ));
        assert!(matches!(
            check_callback(&query(&[("code", "c")]), "s", iss),
            Err(SignInError::StateMismatch)
        ));
        assert!(matches!(
            check_callback(&query(&[("state", "s"), ("code", "c"), ("iss", "http://evil")]), "s", iss),
            Err(SignInError::IssuerMismatch)
        ));
        let denied = check_callback(
            &query(&[("state", "s"), ("error", "access_denied"), ("error_description", "End-User aborted")]),
            "s",
            iss,
        );
        assert!(matches!(&denied, Err(SignInError::Denied(d)) if d == "End-User aborted"));
        assert!(matches!(check_callback(&query(&[("state", "s")]), "s", iss), Err(SignInError::NoCode)));
    }
}
