//! UrutiBiz realtime server: JWT-authenticated WebSocket hub for booking
//! changes, chat messages and notifications, with a backend HTTP API.
//!
//! Map of the crate:
//! - [`app`]: the state every part shares ([`App`]), and opening it.
//! - [`run`]: serves a listener until a shutdown signal, then closes every
//!   socket with 1001 and waits for in-flight writes.
//! - [`serve`]: accepting connections: header and idle timeouts, caps
//!   overall and per client IP, a shutdown deadline.
//! - [`cli`] and [`config`]: flags, env and the validated configuration.
//! - [`auth`]: JWT verification (algorithm pinned) and minting.
//! - [`http`]: routes: `/ws`, `/api/v1/*`, `/healthz`, `/metrics`.
//! - [`session`]: one connection's session, whatever its transport:
//!   authenticating it, its loop (reads, queued writes, heartbeat, expiry,
//!   limits), replay, and one file per client event.
//! - [`policy`]: room entitlement and booking transition rules.
//! - [`publish`]: building stored events, shared by socket and HTTP.
//! - [`delivery`]: committed events to the connections of their rooms:
//!   live delivery in commit order, the hub's rooms and queues, the wire
//!   text encoded once.
//! - [`store`]: the storage traits, the SQLite default and clustered PostgreSQL.
//! - [`names`]: users' display names, cached in front of the store.
//! - [`chats`]: chats by id, cached in front of the store.
//! - [`metrics`]: Prometheus counters.
//! - [`quotas`]: per-user quotas on messages, new chats, replays and HTTP.
//! - [`socketio`]: `/socket.io/`, the seed's Socket.IO protocol, translated
//!   to and from native frames below the same session code.
//!
//! Layers import only downward: `http` and `socketio` (transports) above
//! `session`, above `delivery` and the domain (`policy`, `publish`,
//! `names`, `chats`, `quotas`), above `store` and `auth`.
//!
//! What the binary, the benchmark, the examples and the fuzz targets use is
//! `pub`; everything else is `pub(crate)`, and `unreachable_pub` keeps it so.
#![warn(unreachable_pub)]

pub(crate) mod app;
pub mod auth;
pub(crate) mod chats;
pub mod cli;
pub(crate) mod clock;
pub mod config;
pub(crate) mod delivery;
pub(crate) mod http;
pub(crate) mod metrics;
pub(crate) mod names;
pub mod notification_input;
pub(crate) mod policy;
pub(crate) mod publish;
pub(crate) mod quotas;
pub(crate) mod serve;
pub mod session;
pub mod socketio;
pub(crate) mod store;

use app::App;
pub use app::Error;
pub use store::postgres::import::{import_sqlite, ImportError, Imported};
pub use store::postgres::DatabaseUrlError;

use crate::config::Config;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Serves HTTP and WebSocket on `listener` until `shutdown` completes.
///
/// `ready` is called once the store is open, just before the first
/// connection is accepted: a script or a balancer told "listening" then
/// finds a node that answers at once (opening a clustered store can take
/// seconds while the database is away).
pub async fn run(
    listener: TcpListener,
    config: Config,
    ready: impl FnOnce(),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let app = App::open(config).await?;
    ready();
    tokio::spawn(prune_periodically(app.clone()));
    tokio::spawn(refresh_jwks_periodically(app.clone()));
    tokio::spawn(forget_idle_quotas_periodically(app.clone()));
    let (socketio, io) = socketio::layer(&app);
    tokio::spawn(socketio::close_at_shutdown(app.clone(), io));
    let mut router = http::router(app.clone())
        .layer(socketio)
        .layer(axum::middleware::from_fn_with_state(app.clone(), socketio::count_sessions))
        .layer(axum::middleware::from_fn_with_state(app.clone(), socketio::refuse_unoffered_polling));
    if let Some(cors) = http::cors(&app.config.cors_origins) {
        router = router.layer(cors);
    }
    let stop = app.shutdown.clone();
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: closing connections with 1001");
        stop.cancel();
    };
    let limits = app.config.connections.clone();
    serve::serve(listener, router, app.caps.clone(), signal).await;
    app.tracker.close();
    let grace = (app.config.limits.shutdown_grace * 2).min(limits.shutdown_deadline);
    if tokio::time::timeout(grace, app.tracker.wait()).await.is_err() {
        tracing::warn!(remaining = app.tracker.len(), "connections still open after the grace period");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Refetches the provider's key set now and then, so keys it removed stop
/// verifying and keys it added are known before the first token uses them.
async fn refresh_jwks_periodically(app: Arc<App>) {
    let Some(jwks) = app.verifier.jwks().cloned() else { return };
    let mut tick = tokio::time::interval(jwks.refresh_every());
    tick.reset();
    loop {
        tokio::select! {
            _ = app.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = jwks.refresh().await {
            tracing::warn!(error = %e, cached = jwks.len(), "JWKS refresh failed; verifying with cached keys");
        }
    }
}

/// Drops the quota state of users who have been quiet long enough for it
/// to be full again.
async fn forget_idle_quotas_periodically(app: Arc<App>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.reset();
    loop {
        tokio::select! {
            _ = app.shutdown.cancelled() => return,
            _ = tick.tick() => app.quotas.forget_idle(),
        }
    }
}

/// Removes events past retention until shutdown. Each step is a short
/// transaction, so delivery never waits long behind it.
async fn prune_periodically(app: Arc<App>) {
    let settings = app.config.retention.clone();
    if settings.max_age.is_none() && settings.per_user.is_none() {
        return;
    }
    let mut tick = tokio::time::interval(settings.interval);
    loop {
        tokio::select! {
            _ = app.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let retention = store::Retention {
            older_than_ms: settings.max_age.map(|age| clock::now_ms() - age.as_millis() as i64),
            per_user: settings.per_user,
        };
        match app.store.prune(retention).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "pruned events past retention"),
            Err(e) => tracing::warn!(error = %e, "pruning failed"),
        }
    }
}
