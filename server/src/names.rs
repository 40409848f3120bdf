//! Display names in front of the store, so what the server sends reads
//! "Amina" rather than "host-amina". Names come from users' tokens (each
//! authentication) and from the backend (`PUT /api/v1/users/{id}`); a user
//! with no recorded name is shown by id.
//!
//! The cache keeps every authentication from costing a write: a name is
//! written only when it differs from the cached one.

use crate::store::{Store, StoreError};
use dashmap::DashMap;
use std::sync::Arc;

/// Users' display names.
pub struct Names {
    store: Arc<dyn Store>,
    /// `None` caches "no name recorded", so unknown ids do not re-query.
    cache: DashMap<String, Option<String>>,
}

impl Names {
    /// Names read from and written to `store`.
    pub fn new(store: Arc<dyn Store>) -> Names {
        Names { store, cache: DashMap::new() }
    }

    /// Records `name` for `user_id` unless it is already the recorded one.
    pub async fn record(&self, user_id: &str, name: &str) -> Result<(), StoreError> {
        if self.cache.get(user_id).is_some_and(|cached| cached.as_deref() == Some(name)) {
            return Ok(());
        }
        self.store.set_display_name(user_id, name).await?;
        self.cache.insert(user_id.to_owned(), Some(name.to_owned()));
        Ok(())
    }

    /// The display name of `user_id`, or the id itself when none is known
    /// (or the store cannot say right now: a name is never worth an error).
    pub async fn name_of(&self, user_id: &str) -> String {
        if let Some(cached) = self.cache.get(user_id) {
            return cached.clone().unwrap_or_else(|| user_id.to_owned());
        }
        match self.store.display_name(user_id).await {
            Ok(name) => {
                self.cache.insert(user_id.to_owned(), name.clone());
                name.unwrap_or_else(|| user_id.to_owned())
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading a display name failed; showing the id");
                user_id.to_owned()
            }
        }
    }
}
