//! HTTP side of the single port: the WebSocket upgrade, the backend API,
//! health and metrics.
//!
//! - [`ws`]: `GET /ws`.
//! - [`publish`]: `POST /api/v1/publish`.
//! - [`bookings`]: `PUT /api/v1/bookings/{id}`.
//! - [`ops`]: `GET /healthz`, `GET /metrics`.

mod bookings;
mod ops;
mod publish;
mod ws;

use crate::auth::{Identity, Role};
use crate::App;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// All routes of the server.
pub fn router(app: Arc<App>) -> Router {
    let body_limit = app.config.limits.max_frame_bytes;
    Router::new()
        .route("/ws", get(ws::upgrade))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/api/v1/publish", post(publish::publish))
        .route("/api/v1/bookings/{id}", put(bookings::put_booking))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(app)
}

/// An API error: `{"error": {"code", "message"}}` with a status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    /// 400 with `invalid-payload`.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid-payload", message)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        tracing::error!(error = %e, "storage failed");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "internal", "storage failed; try again")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("static header"));
        }
        response
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// A request authenticated by a token with role `service`.
pub struct Service(pub Identity);

impl FromRequestParts<Arc<App>> for Service {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "missing bearer token"))?;
        let identity = app
            .verifier
            .verify(token)
            .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string()))?;
        if identity.role != Role::Service {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this API needs a service token"));
        }
        Ok(Service(identity))
    }
}

/// Parses a JSON body with errors in the API's own shape.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", format!("not valid JSON: {e}"))
        }
        _ => ApiError::invalid(e.to_string()),
    })
}
