//! `PUT /api/v1/users/{id}`: the backend sets a user's display name, for
//! users who have not connected yet or whose tokens carry no name. The
//! backend's name wins over the one a user's token carries from then on.

use super::{json_body, ApiError, Service};
use crate::app::App;
use crate::store::NameSource;
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

pub(super) async fn put_user(
    State(app): State<Arc<App>>,
    Service(_): Service,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if !is_valid_id(&id) {
        return Err(ApiError::invalid("user ids are 1-128 characters of letters, digits, _ - . : @"));
    }
    let req: PutUser = json_body(&body)?;
    let name = urutibiz_protocol::name::clean(&req.display_name)
        .filter(|_| req.display_name.chars().count() <= urutibiz_protocol::name::MAX_NAME_CHARS)
        .ok_or_else(|| ApiError::invalid("`displayName` must be 1-80 characters, not blank"))?;
    app.names.record(&id, &name, NameSource::Backend).await?;
    Ok(Json(json!({ "id": id, "displayName": name })))
}
