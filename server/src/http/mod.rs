//! HTTP side of the single port: the WebSocket upgrade, the backend API,
//! health and metrics.
//!
//! - [`ws`]: `GET /ws`.
//! - [`publish`]: `POST /api/v1/publish`.
//! - [`bookings`]: `PUT` (backends) and `GET` (participants) `/api/v1/bookings/{id}`;
//!   `GET /api/v1/bookings`: the caller's own, paged.
//! - [`notifications`]: a user's history, unread count and read state.
//! - [`chats`]: a user's chats and their messages; `PUT` (backends) opens one.
//! - [`users`]: `PUT /api/v1/users/{id}` (backends): display names.
//! - [`ops`]: `GET /healthz`, `GET /metrics`, `GET /api/v1/openapi.json`.

mod bookings;
mod chats;
mod notifications;
mod ops;
mod publish;
mod users;
mod ws;

use crate::app::App;
use crate::auth::{Identity, Role};
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// All routes of the server.
pub(crate) fn router(app: Arc<App>) -> Router {
    let body_limit = app.config.limits.max_frame_bytes;
    Router::new()
        .route("/ws", get(ws::upgrade))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/api/v1/openapi.json", get(ops::openapi))
        .route("/api/v1/publish", post(publish::publish))
        .route("/api/v1/bookings", get(bookings::list))
        .route("/api/v1/bookings/{id}", get(bookings::get_booking).put(bookings::put_booking))
        .route("/api/v1/notifications", get(notifications::list).delete(notifications::clear))
        .route("/api/v1/notifications/unread-count", get(notifications::unread_count))
        .route("/api/v1/notifications/read", post(notifications::mark_read))
        .route("/api/v1/users/{id}", axum::routing::put(users::put_user))
        .route("/api/v1/chats", get(chats::list))
        .route("/api/v1/chats/{id}", axum::routing::put(chats::put_chat))
        .route("/api/v1/chats/{id}/messages", get(chats::messages))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(app)
}

/// Whether `s` is a web origin: scheme, host and optional port, nothing more.
pub(crate) fn is_web_origin(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else { return false };
    !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && axum::http::HeaderValue::from_str(s).is_ok()
}

/// CORS for the configured web origins: the user HTTP API (bearer token,
/// no cookies) and Socket.IO long-polling, from pages on those origins.
pub(crate) fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderValue, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allowed: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(allowed))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([header::RETRY_AFTER])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// An API error: `{"error": {"code", "message"}}` with a status.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Seconds to wait, for a `Retry-After` header.
    retry_after: Option<u64>,
}

impl ApiError {
    /// A new error.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None }
    }

    /// 429 with `rate-limited` and `Retry-After`.
    pub(crate) fn rate_limited(what: &str, exhausted: crate::quotas::Exhausted) -> ApiError {
        let secs = exhausted.retry_after_secs();
        let message = format!("too many {what}; try again in {secs} s");
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", message)
        }
    }

    /// 400 with `invalid-payload`.
    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid-payload", message)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        tracing::error!(error = %e, "storage failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
            "storage failed; nothing was stored; try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("static header"));
        }
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// The bearer token of a request, if it has one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// A request authenticated by a token with role `service`.
pub(crate) struct Service(pub Identity);

/// The verified bearer token of a request.
async fn verified(parts: &Parts, app: &App) -> Result<Identity, ApiError> {
    let token = bearer(&parts.headers)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "missing bearer token"))?;
    app.verifier
        .verify(token)
        .await
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string()))
}

impl FromRequestParts<Arc<App>> for Service {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let identity = verified(parts, app).await?;
        if identity.role != Role::Service {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this API needs a service token"));
        }
        Ok(Service(identity))
    }
}

/// A request authenticated by a user's token (host, renter or admin).
pub(crate) struct User(pub Identity);

impl User {
    /// The user's notification scope.
    pub(crate) fn scope(&self) -> crate::store::Scope {
        crate::store::Scope { user_id: self.0.user_id.clone(), role: self.0.role, rooms: Vec::new() }
    }
}

impl FromRequestParts<Arc<App>> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let identity = verified(parts, app).await?;
        if identity.role == Role::Service {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this API needs a user token"));
        }
        // Per user, not per connection: history pages are the costly reads,
        // and a user with many tabs must not starve everyone else's.
        app.quotas
            .spend(crate::quotas::Spend::Http, &identity.user_id)
            .map_err(|e| ApiError::rate_limited("requests", e))?;
        Ok(User(identity))
    }
}

/// 403 with the same words whether or not the thing exists.
pub(crate) fn not_yours() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", "not allowed to read this")
}

/// A query string parsed into `T`, with errors in the API's own shape.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::invalid(e.body_text()))
    }
}

/// `limit` query parameter: 1 to 200, default 50.
pub(crate) fn page_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid("`limit` must be between 1 and 200")),
    }
}

/// A position in a list ordered by a number then an id, both descending,
/// sent to clients as the opaque `nextBefore` text `<number>:<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageCursor {
    /// The ordering number (last activity).
    pub number: i64,
    /// The id, breaking ties.
    pub id: String,
}

impl PageCursor {
    /// Reads a `before` a client sent back.
    pub(crate) fn parse(text: &str) -> Result<PageCursor, ApiError> {
        let bad = || ApiError::invalid("`before` must be a `nextBefore` from a previous page");
        let (number, id) = text.split_once(':').ok_or_else(bad)?;
        let number = number.parse::<i64>().map_err(|_| bad())?;
        if number < 0 || !urutibiz_protocol::room::is_valid_id(id) {
            return Err(bad());
        }
        Ok(PageCursor { number, id: id.to_owned() })
    }

    /// `nextBefore` of a page: the last item's position when the page is
    /// full, `None` when it is the last page.
    pub(crate) fn next<T>(page: &[T], limit: usize, position: impl Fn(&T) -> PageCursor) -> Option<String> {
        let last = page.last().filter(|_| page.len() == limit)?;
        let cursor = position(last);
        Some(format!("{}:{}", cursor.number, cursor.id))
    }
}

/// Parses a JSON body with errors in the API's own shape.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", format!("not valid JSON: {e}"))
        }
        _ => ApiError::invalid(e.to_string()),
    })
}
