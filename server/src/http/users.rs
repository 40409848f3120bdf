//! `PUT /api/v1/users/{id}`: the backend sets a user's display name, for
//! users who have not connected yet or whose tokens carry no name.

use super::{json_body, ApiError, Service};
use crate::auth::display_name;
use crate::App;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use urutibiz_protocol::room::is_valid_id;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PutUser {
    display_name: String,
}

pub async fn put_user(
    State(app): State<Arc<App>>,
    Service(_): Service,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if !is_valid_id(&id) {
        return Err(ApiError::invalid("user ids are 1-128 characters of letters, digits, _ - . : @"));
    }
    let req: PutUser = json_body(&body)?;
    let name = display_name(&req.display_name)
        .filter(|_| req.display_name.chars().count() <= crate::auth::MAX_NAME_CHARS)
        .ok_or_else(|| ApiError::invalid("`displayName` must be 1-80 characters, not blank"))?;
    app.names.record(&id, &name).await?;
    Ok(Json(json!({ "id": id, "displayName": name })))
}
