//! Display names in front of the store, so what the server sends reads
//! "Amina" rather than "host-amina". Names come from users' tokens (each
//! authentication) and from the backend (`PUT /api/v1/users/{id}`); a user
//! with no recorded name is shown by id.
//!
//! The cache keeps every authentication from costing a write: a name is
//! written only when it differs from the cached one. It is bounded: past
//! its capacity the least useful names are read again when next needed.

use crate::store::{Store, StoreError};
use quick_cache::sync::Cache;
use std::sync::Arc;

/// Users whose names are kept in memory.
const CAPACITY: usize = 100_000;

/// Users' display names.
pub struct Names {
    store: Arc<dyn Store>,
    /// `None` caches "no name recorded", so unknown ids do not re-query.
    cache: Cache<String, Option<String>>,
}

impl Names {
    /// Names read from and written to `store`.
    pub fn new(store: Arc<dyn Store>) -> Names {
        Names { store, cache: Cache::new(CAPACITY) }
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
            return cached.unwrap_or_else(|| user_id.to_owned());
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
