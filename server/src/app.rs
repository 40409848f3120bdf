//! The state every part of a running server shares ([`App`]), and opening
//! it. Below every layer that uses it; serving it is the crate root's
//! [`crate::run`].

use crate::auth::{KeyError, Verifier};
use crate::config::Config;
use crate::delivery::hub::Hub;
use crate::metrics::Metrics;
use crate::store::{PgStore, SqliteStore, Store, StoreError};
use crate::{chats, delivery, names, quotas, serve, store};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Shared state of a running server.
pub(crate) struct App {
    /// Validated configuration.
    pub config: Config,
    /// Token checks.
    pub verifier: Verifier,
    /// Persistent state.
    pub store: Arc<dyn Store>,
    /// Display names.
    pub names: names::Names,
    /// Chats by id.
    pub chats: chats::Chats,
    /// Per-user quotas.
    pub quotas: quotas::UserQuotas,
    /// Live connections by room.
    pub hub: Arc<Hub>,
    /// Delivers what the store commits to the hub.
    pub delivery: Arc<delivery::live::LiveDelivery>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Cancelled when the server begins shutting down.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket connections so shutdown can wait for them.
    pub tracker: TaskTracker,
    /// Caps on connections and sessions: in all, per IP, per user.
    pub caps: Arc<serve::ConnectionCaps>,
    /// In a cluster: `true` while this node is cut off from the database
    /// (see [`store::EventLog::fence`]).
    pub fence: Option<tokio::sync::watch::Receiver<bool>>,
}

impl App {
    /// Whether this node has stepped aside for want of its database.
    pub(crate) fn fenced(&self) -> bool {
        self.fence.as_ref().is_some_and(|fence| *fence.borrow())
    }
}

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configured keys cannot verify tokens.
    #[error("configuration: {0}")]
    Keys(#[from] KeyError),
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Serving failed.
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

impl App {
    /// Opens everything a running server shares: the verifier (and the
    /// provider's keys, if it can be reached), the store with live delivery
    /// behind its commit hook, the hub and the caps. Serving is [`run`]'s.
    pub(crate) async fn open(config: Config) -> Result<Arc<App>, Error> {
        let verifier = Verifier::new(&config.jwt)?;
        let metrics = Arc::new(Metrics::new());
        let caps = serve::ConnectionCaps::new(config.connections.clone(), metrics.clone());
        let hub = Arc::new(Hub::new(metrics.clone()));
        let delivery = Arc::new(delivery::live::LiveDelivery::new(hub.clone()));
        let committed = delivery.clone();
        let on_commit = Box::new(move |events: &[store::StoredEvent]| committed.deliver_committed(events));
        let clustered = config.database_url.is_some();
        let store: Arc<dyn Store> = match &config.database_url {
            Some(url) => Arc::new(PgStore::open(url, config.database_ca.as_deref(), on_commit).await?),
            None => Arc::new(SqliteStore::open(&config.db_path, config.fsync, on_commit)?),
        };
        delivery.start_at(store.head_seq().await?);
        if let Some(jwks) = verifier.jwks() {
            // A provider that is down at start is not fatal: tokens are refused
            // as signed by an unknown key until its keys can be fetched.
            match jwks.refresh().await {
                Ok(keys) => tracing::info!(keys, "JWKS loaded"),
                Err(e) => {
                    tracing::warn!(error = %e, "JWKS unavailable at start; retrying on demand and periodically")
                }
            }
        }
        let app = Arc::new(App {
            fence: store.fence(),
            verifier,
            names: names::Names::new(store.clone(), clustered.then_some(names::CLUSTER_MAX_AGE)),
            chats: chats::Chats::new(store.clone(), !clustered),
            quotas: quotas::UserQuotas::new(&config.quotas),
            store,
            hub,
            delivery,
            metrics,
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            caps,
            config,
        });
        Ok(app)
    }
}
