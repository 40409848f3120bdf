//! Prometheus metrics. Handles are looked up once and kept, so counting on
//! the delivery path is a single atomic add.

use metrics::{counter, describe_counter, describe_gauge, gauge, Counter, Gauge};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::sync::OnceLock;
use urutibiz_protocol::ErrorCode;

/// Counters and gauges of one server.
pub(crate) struct Metrics {
    /// Open authenticated WebSocket connections.
    pub connections: Gauge,
    /// Client frames received.
    pub frames_in: Counter,
    /// Frames queued to clients.
    pub frames_out: Counter,
    /// Events stored through the publish API.
    pub published: Counter,
    /// Connections closed because their queue overflowed.
    pub slow_consumers: Counter,
    /// Open TCP connections (HTTP and WebSocket, authenticated or not).
    pub http_connections: Gauge,
    /// Open Engine.IO sessions (Socket.IO, authenticated or not).
    pub engineio_sessions: Gauge,
    refused_total: Counter,
    refused_per_ip: Counter,
    refused_per_user: Counter,
    errors: HashMap<ErrorCode, Counter>,
    handle: PrometheusHandle,
}

impl Metrics {
    /// Installs the process-wide recorder on first use.
    pub(crate) fn new() -> Metrics {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE
            .get_or_init(|| {
                PrometheusBuilder::new().install_recorder().expect("the metrics recorder is installed once")
            })
            .clone();
        describe_gauge!("realtime_connections", "Open authenticated WebSocket connections");
        describe_counter!("realtime_frames_in_total", "Client frames received");
        describe_counter!("realtime_frames_out_total", "Frames queued to clients");
        describe_counter!("realtime_publish_total", "Events stored through the publish API");
        describe_counter!("realtime_slow_consumer_total", "Connections closed as slow consumers");
        describe_counter!("realtime_errors_total", "Error frames sent, by code");
        describe_gauge!("realtime_http_connections", "Open TCP connections, HTTP and WebSocket");
        describe_gauge!(
            "realtime_engineio_sessions",
            "Open Engine.IO sessions (Socket.IO), polling or WebSocket"
        );
        describe_counter!(
            "realtime_connections_refused_total",
            "Connections and sessions refused because a cap was reached, by cap (total, per-ip, per-user)"
        );
        let errors = ErrorCode::ALL
            .into_iter()
            .map(|code| (code, counter!("realtime_errors_total", "code" => code.as_str())))
            .collect();
        Metrics {
            connections: gauge!("realtime_connections"),
            frames_in: counter!("realtime_frames_in_total"),
            frames_out: counter!("realtime_frames_out_total"),
            published: counter!("realtime_publish_total"),
            slow_consumers: counter!("realtime_slow_consumer_total"),
            http_connections: gauge!("realtime_http_connections"),
            engineio_sessions: gauge!("realtime_engineio_sessions"),
            refused_total: counter!("realtime_connections_refused_total", "cap" => "total"),
            refused_per_ip: counter!("realtime_connections_refused_total", "cap" => "per-ip"),
            refused_per_user: counter!("realtime_connections_refused_total", "cap" => "per-user"),
            errors,
            handle,
        }
    }

    /// Counts an error frame.
    pub(crate) fn error(&self, code: ErrorCode) {
        if let Some(counter) = self.errors.get(&code) {
            counter.increment(1);
        }
    }

    /// Counts a connection refused at `cap` (`total`, `per-ip` or `per-user`).
    pub(crate) fn refused(&self, cap: &str) {
        match cap {
            "per-ip" => self.refused_per_ip.increment(1),
            "per-user" => self.refused_per_user.increment(1),
            _ => self.refused_total.increment(1),
        }
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        self.handle.render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
