//! Display names in front of the store, so what the server sends reads
//! "Amina" rather than "host-amina". Names come from users' tokens (each
//! authentication) and from the backend (`PUT /api/v1/users/{id}`); the
//! backend's wins, so a user cannot rename themselves past it. A user with
//! no recorded name is shown by id. Names arrive cleaned
//! ([`urutibiz_protocol::name::clean`]).
//!
//! The cache keeps every authentication from costing a write: a name is
//! written only when it would change the recorded one. It is bounded: past
//! its capacity the least useful names are read again when next needed. In
//! a cluster another node may record a name, so entries are trusted for
//! [`CLUSTER_MAX_AGE`] only.

use crate::auth::Identity;
use crate::store::{NameSource, RecordedName, Store, StoreError};
use quick_cache::sync::Cache;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Users whose names are kept in memory.
const CAPACITY: usize = 100_000;

/// How long a node of a cluster trusts a name it read: a rename on another
/// node shows here within this time.
pub(crate) const CLUSTER_MAX_AGE: Duration = Duration::from_secs(30);

/// Users' display names.
pub(crate) struct Names {
    store: Arc<dyn Store>,
    /// `None` caches "no name recorded", so unknown ids do not re-query;
    /// with when it was read.
    cache: Cache<String, (Option<RecordedName>, Instant)>,
    /// `None`: this process records every name, so entries stay true.
    max_age: Option<Duration>,
}

impl Names {
    /// Names read from and written to `store`, trusted for `max_age` when
    /// other processes also record names.
    pub(crate) fn new(store: Arc<dyn Store>, max_age: Option<Duration>) -> Names {
        Names { store, cache: Cache::new(CAPACITY), max_age }
    }

    /// The cached entry for `user_id`, if still to be trusted.
    fn cached(&self, user_id: &str) -> Option<Option<RecordedName>> {
        let (recorded, at) = self.cache.get(user_id)?;
        match self.max_age {
            Some(max_age) if at.elapsed() > max_age => None,
            _ => Some(recorded),
        }
    }

    fn remember(&self, user_id: &str, recorded: Option<RecordedName>) {
        self.cache.insert(user_id.to_owned(), (recorded, Instant::now()));
    }

    /// Records `name` for `user_id` from `source`, unless that changes
    /// nothing (already recorded, or a token's name under the backend's).
    pub(crate) async fn record(
        &self,
        user_id: &str,
        name: &str,
        source: NameSource,
    ) -> Result<(), StoreError> {
        let unchanged = |cached: &RecordedName| {
            (cached.source == NameSource::Backend && source == NameSource::Token)
                || (cached.name == name && cached.source == source)
        };
        if self.cached(user_id).flatten().is_some_and(|cached| unchanged(&cached)) {
            return Ok(());
        }
        let recorded = self.store.set_display_name(user_id, name, source).await?;
        self.remember(user_id, Some(recorded));
        Ok(())
    }

    /// Keeps the display name a token carries, for what others are sent
    /// (unless the backend named the user). A failure is logged: a name is
    /// never worth refusing a connection.
    pub(crate) async fn record_from_token(&self, identity: &Identity) {
        if let Some(name) = &identity.display_name {
            if let Err(e) = self.record(&identity.user_id, name, NameSource::Token).await {
                tracing::warn!(error = %e, "recording a display name failed");
            }
        }
    }

    /// The display name of `user_id`, or the id itself when none is known
    /// (or the store cannot say right now: a name is never worth an error).
    pub(crate) async fn name_of(&self, user_id: &str) -> String {
        if let Some(cached) = self.cached(user_id) {
            return cached.map_or_else(|| user_id.to_owned(), |r| r.name);
        }
        match self.store.display_name(user_id).await {
            Ok(recorded) => {
                self.remember(user_id, recorded.clone());
                recorded.map_or_else(|| user_id.to_owned(), |r| r.name)
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading a display name failed; showing the id");
                user_id.to_owned()
            }
        }
    }
}
