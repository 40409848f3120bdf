//! Accepting HTTP connections. hyper runs with a timer, so a client that
//! sends half a request head, or idles on a keep-alive connection, is cut
//! off after `header_read_timeout`; open connections are capped overall and
//! per client IP (WebSocket sessions included, for as long as they last, and
//! every Engine.IO session, however many share one keep-alive connection),
//! sessions per user too; and shutdown waits for in-flight requests only up
//! to a deadline.

use crate::metrics::Metrics;
use axum::extract::Request;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tower_service::Service;

/// Limits on connections, from configuration.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Time allowed for a request head, and for an idle keep-alive
    /// connection to start its next request.
    pub header_read_timeout: Duration,
    /// Open connections in all.
    pub max_connections: usize,
    /// Open connections from one client IP.
    pub max_per_ip: usize,
    /// Open sessions (`/ws` and Socket.IO) of one user.
    pub max_per_user: usize,
    /// Addresses exempt from the per-IP cap: reverse proxies and load
    /// balancers, through which every client arrives from one address (they
    /// must limit per client themselves).
    pub trusted_proxies: Vec<IpAddr>,
    /// Longest wait for in-flight requests at shutdown.
    pub shutdown_deadline: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 20_000,
            max_per_ip: 1_000,
            max_per_user: 50,
            trusted_proxies: Vec::new(),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// Which cap refused a connection or a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cap {
    /// `--max-connections`.
    Total,
    /// `--max-connections-per-ip`.
    PerIp,
    /// `--max-connections-per-user`.
    PerUser,
}

impl Cap {
    /// The metric label.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Cap::Total => "total",
            Cap::PerIp => "per-ip",
            Cap::PerUser => "per-user",
        }
    }

    /// What the client is told.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Cap::Total => "the server is at its connection limit; try again later",
            Cap::PerIp => "too many connections from this address; close some first",
            Cap::PerUser => "too many connections for this user; close some first",
        }
    }
}

/// What a slot stands for, so each has its own gauge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    /// A TCP connection (HTTP, or a WebSocket upgraded from it).
    Tcp,
    /// An Engine.IO session (Socket.IO, polling or WebSocket), which
    /// outlives any one request of a polling client.
    EngineIoSession,
}

/// Open connections, overall, by client IP and by user.
#[derive(Default)]
struct Open {
    total: usize,
    by_ip: HashMap<IpAddr, usize>,
    by_user: HashMap<String, usize>,
}

/// The caps on connections and sessions, shared by the accept loop, the
/// `/ws` upgrade and the Socket.IO endpoint.
pub(crate) struct ConnectionCaps {
    /// A leaf lock, held for a count; never across an await or another lock.
    open: Mutex<Open>,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
}

/// One admitted connection or session; counted until the last clone is
/// dropped. The WebSocket handler keeps a clone (a request extension) for
/// as long as the upgraded socket lives; an Engine.IO session keeps the one
/// its handshake request carried (engineioxide holds the request's parts).
#[derive(Clone)]
pub(crate) struct ConnectionSlot {
    counted: Arc<SlotInner>,
}

struct SlotInner {
    caps: Arc<ConnectionCaps>,
    ip: IpAddr,
    counted: Counted,
}

impl ConnectionSlot {
    /// The client's address.
    pub(crate) fn ip(&self) -> IpAddr {
        self.counted.ip
    }
}

impl Drop for SlotInner {
    fn drop(&mut self) {
        let mut open = self.caps.lock();
        open.total -= 1;
        if let Some(count) = open.by_ip.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.by_ip.remove(&self.ip);
            }
        }
        drop(open);
        self.caps.gauge(self.counted).decrement(1.0);
    }
}

/// One authenticated session of a user; counted until dropped.
pub(crate) struct UserSlot {
    caps: Arc<ConnectionCaps>,
    user_id: String,
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut open = self.caps.lock();
        if let Some(count) = open.by_user.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.by_user.remove(&self.user_id);
            }
        }
    }
}

impl ConnectionCaps {
    /// Caps with nothing open yet.
    pub(crate) fn new(limits: ConnectionLimits, metrics: Arc<Metrics>) -> Arc<ConnectionCaps> {
        Arc::new(ConnectionCaps { open: Mutex::default(), limits, metrics })
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> &ConnectionLimits {
        &self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn gauge(&self, counted: Counted) -> &metrics::Gauge {
        match counted {
            Counted::Tcp => &self.metrics.http_connections,
            Counted::EngineIoSession => &self.metrics.engineio_sessions,
        }
    }

    /// Counts a new connection or session from `ip`, or says which cap
    /// refuses it (and counts the refusal).
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr, counted: Counted) -> Result<ConnectionSlot, Cap> {
        let mut state = self.lock();
        let refused = if state.total >= self.limits.max_connections {
            Some(Cap::Total)
        } else if state.by_ip.get(&ip).copied().unwrap_or(0) >= self.limits.max_per_ip
            && !self.limits.trusted_proxies.contains(&ip)
        {
            Some(Cap::PerIp)
        } else {
            None
        };
        if let Some(cap) = refused {
            drop(state);
            self.metrics.refused(cap.as_str());
            return Err(cap);
        }
        *state.by_ip.entry(ip).or_default() += 1;
        state.total += 1;
        drop(state);
        self.gauge(counted).increment(1.0);
        Ok(ConnectionSlot { counted: Arc::new(SlotInner { caps: self.clone(), ip, counted }) })
    }

    /// Counts an authenticated session of `user_id`, or refuses it past
    /// `--max-connections-per-user` (one user's tokens opening sockets from
    /// many addresses).
    pub(crate) fn admit_user(self: &Arc<Self>, user_id: &str) -> Result<UserSlot, Cap> {
        let mut state = self.lock();
        let open = state.by_user.entry(user_id.to_owned()).or_default();
        if *open >= self.limits.max_per_user {
            if *open == 0 {
                state.by_user.remove(user_id);
            }
            drop(state);
            self.metrics.refused(Cap::PerUser.as_str());
            return Err(Cap::PerUser);
        }
        *open += 1;
        Ok(UserSlot { caps: self.clone(), user_id: user_id.to_owned() })
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for
/// in-flight requests up to the deadline.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    caps: Arc<ConnectionCaps>,
    shutdown: impl Future<Output = ()>,
) {
    let limits = caps.limits().clone();
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    let builder = Arc::new(builder);
    let mut accept_error_logged: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, mostly: say so once a minute,
                    // back off briefly, keep serving what is open.
                    if accept_error_logged.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        accept_error_logged = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = match caps.admit(peer.ip(), Counted::Tcp) {
            Ok(slot) => slot,
            Err(cap) => {
                tracing::debug!(peer = %peer.ip(), cap = cap.as_str(), "connection refused at the cap");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let held = slot.clone();
        let service = hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(held.clone());
            let mut router = router.clone();
            async move { router.call(request.map(axum::body::Body::new)).await }
        });
        let watcher = graceful.watcher();
        let builder = builder.clone();
        tokio::spawn(async move {
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(connection).await {
                tracing::trace!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight at the shutdown deadline; closing them");
    }
}
