//! Validation of notification fields, shared by the socket and HTTP paths.

use serde::Deserialize;
use serde_json::Value;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 4000;

/// Notification fields as a sender gives them.
#[derive(Debug, Deserialize)]
pub struct NotificationInput {
    /// Category; `system` when absent.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Arbitrary JSON object.
    #[serde(default)]
    pub data: Option<Value>,
}

/// Fields after validation, `kind` filled in.
pub struct CheckedNotification {
    /// Category.
    pub kind: String,
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Arbitrary JSON object, if any.
    pub data: Option<Value>,
}

/// Checks lengths, the type's spelling and that `data` is an object.
pub fn check_notification(n: NotificationInput) -> Result<CheckedNotification, String> {
    if n.title.trim().is_empty() || n.title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!("`title` must be non-blank and at most {MAX_TITLE_CHARS} characters"));
    }
    if n.body.chars().count() > MAX_BODY_CHARS {
        return Err(format!("`body` must be at most {MAX_BODY_CHARS} characters"));
    }
    let kind = n.kind.unwrap_or_else(|| "system".to_owned());
    let kind_ok = !kind.is_empty()
        && kind.len() <= 32
        && kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !kind_ok {
        return Err("`type` must be 1-32 characters of a-z, 0-9, _ and -".into());
    }
    if n.data.as_ref().is_some_and(|d| !d.is_object() && !d.is_null()) {
        return Err("`data` must be a JSON object".into());
    }
    Ok(CheckedNotification { kind, title: n.title, body: n.body, data: n.data.filter(|d| !d.is_null()) })
}
