//! Accepting HTTP connections. hyper runs with a timer, so a client that
//! sends half a request head, or idles on a keep-alive connection, is cut
//! off after `header_read_timeout`; open connections are capped overall and
//! per client IP (WebSocket sessions included, for as long as they last);
//! and shutdown waits for in-flight requests only up to a deadline.

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
            trusted_proxies: Vec::new(),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// Open connections, overall and by client IP.
#[derive(Default)]
struct Open {
    total: usize,
    by_ip: HashMap<IpAddr, usize>,
}

/// One admitted connection; counted until the last clone is dropped. The
/// WebSocket handler keeps a clone (a request extension) for as long as the
/// upgraded socket lives.
#[derive(Clone)]
pub struct ConnectionSlot {
    _counted: Arc<SlotInner>,
}

struct SlotInner {
    open: Arc<Mutex<Open>>,
    ip: IpAddr,
    metrics: Arc<Metrics>,
}

impl Drop for SlotInner {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total -= 1;
        if let Some(count) = open.by_ip.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.by_ip.remove(&self.ip);
            }
        }
        self.metrics.http_connections.decrement(1.0);
    }
}

/// Counts a new connection from `ip`, or says which cap refuses it.
fn admit(
    open: &Arc<Mutex<Open>>,
    ip: IpAddr,
    limits: &ConnectionLimits,
    metrics: &Arc<Metrics>,
) -> Result<ConnectionSlot, &'static str> {
    let mut state = open.lock().unwrap_or_else(|p| p.into_inner());
    if state.total >= limits.max_connections {
        return Err("total");
    }
    let exempt = limits.trusted_proxies.contains(&ip);
    let from_ip = state.by_ip.entry(ip).or_default();
    if *from_ip >= limits.max_per_ip && !exempt {
        return Err("per-ip");
    }
    *from_ip += 1;
    state.total += 1;
    drop(state);
    metrics.http_connections.increment(1.0);
    Ok(ConnectionSlot { _counted: Arc::new(SlotInner { open: open.clone(), ip, metrics: metrics.clone() }) })
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for
/// in-flight requests up to the deadline.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Mutex::new(Open::default()));
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
        let slot = match admit(&open, peer.ip(), &limits, &metrics) {
            Ok(slot) => slot,
            Err(cap) => {
                metrics.refused(cap);
                tracing::debug!(peer = %peer.ip(), cap, "connection refused at the cap");
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
