//! Operator endpoints.

use crate::app::App;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use std::sync::Arc;
use std::time::Duration;

/// `GET /healthz`: 200 when storage answers, 503 otherwise (also while a
/// node of a cluster is fenced).
pub(super) async fn healthz(State(app): State<Arc<App>>) -> impl IntoResponse {
    let storage = tokio::time::timeout(Duration::from_secs(2), app.store.booking("healthz-probe")).await;
    let ok = matches!(storage, Ok(Ok(_))) && !app.shutdown.is_cancelled() && !app.fenced();
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(serde_json::json!({ "status": if ok { "ok" } else { "unavailable" } })))
}

/// `GET /metrics`: Prometheus text format.
pub(super) async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], app.metrics.render())
}

/// `GET /api/v1/openapi.json`: the HTTP API, described.
pub(super) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("../../../docs/openapi.json"))
}
