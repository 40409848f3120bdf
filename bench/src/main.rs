//! `realtime-bench`: measures a release build of `realtime-server` running
//! as its own process, so server memory is not mixed with the clients'.
//!
//! ```sh
//! cargo build --release -p urutibiz-realtime-server -p urutibiz-bench
//! ./target/release/realtime-bench publish
//! ./target/release/realtime-bench replay
//! ./target/release/realtime-bench idle --connections 10000
//! ./target/release/realtime-bench fanout
//! ```

use clap::{Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use urutibiz_realtime_server::auth::{mint_hs256, Role};

const SECRET: &str = "bench-secret-0123456789abcdef-0123456789";

#[derive(Parser)]
struct Cli {
    /// The server binary to measure.
    #[arg(long, default_value = "target/release/realtime-server")]
    server: PathBuf,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Publish throughput over HTTP with persistence on (and off, for the ratio).
    Publish {
        #[arg(long, default_value_t = 20_000)]
        events: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Latency of replaying 10,000 missed events to a reconnecting client.
    Replay {
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        #[arg(long, default_value_t = 30)]
        runs: usize,
    },
    /// Server memory per idle authenticated connection.
    Idle {
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
    },
    /// Thousands of clients reconnecting at once, as after a restart.
    Storm {
        #[arg(long, default_value_t = 5_000)]
        connections: usize,
    },
    /// Broadcast to a role room: deliveries per second.
    Fanout {
        #[arg(long, default_value_t = 2_000)]
        connections: usize,
        #[arg(long, default_value_t = 50)]
        events: usize,
    },
}

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(binary: &PathBuf, fsync: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(binary);
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--rate", "100000", "--burst", "100000"])
            .args(["--outbound-queue", "20000", "--max-frame-bytes", "1048576"])
            .arg("--db")
            .arg(dir.path().join("bench.db"))
            .env("JWT_SECRET", SECRET)
            // One user replays over and over here; the per-user quota would
            // measure the quota, not the replay. (An env var, so older
            // builds that lack the setting still start.)
            .env("REALTIME_USER_REPLAYS", "100000/min")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if !fsync {
            command.arg("--no-fsync");
        }
        let mut child = command.spawn().expect("start the server (build it with --release first)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on http://").expect("listening line").to_owned();
        Server { child, addr, _dir: dir }
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(user: &str, role: Role) -> String {
    mint_hs256(SECRET.as_bytes(), "sub", user, role, 3600, None)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: &str, user: &str, role: Role) -> Socket {
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request.headers_mut().insert("Authorization", format!("Bearer {}", token(user, role)).parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    match ws.next().await {
        Some(Ok(Message::Text(t))) if t.contains("\"authenticated\"") => ws,
        other => panic!("expected authenticated, got {other:?}"),
    }
}

async fn publish_all(addr: &str, events: usize, concurrency: usize) -> Duration {
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/api/v1/publish");
    let service = token("bench", Role::Service);
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|t| {
            // Spread the remainder so exactly `events` are published.
            let per_task = events / concurrency + usize::from(t < events % concurrency);
            let (http, url, service) = (http.clone(), url.clone(), service.clone());
            tokio::spawn(async move {
                for n in 0..per_task {
                    let body = json!({"room": "user-u1", "event": "notification",
                        "data": {"title": "Booking confirmed", "body": format!("task {t} event {n}")}});
                    let r = http.post(&url).bearer_auth(&service).json(&body).send().await.unwrap();
                    assert_eq!(r.status(), 202);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match cli.scenario {
        Scenario::Publish { events, concurrency } => {
            for fsync in [true, false] {
                let server = Server::start(&cli.server, fsync);
                let took = publish_all(&server.addr, events, concurrency).await;
                let rate = events as f64 / took.as_secs_f64();
                println!(
                    "publish fsync={fsync}: {events} events, {concurrency} concurrent publishers, {:.2} s, {rate:.0} events/s",
                    took.as_secs_f64()
                );
            }
        }
        Scenario::Replay { events, runs } => {
            let server = Server::start(&cli.server, true);
            publish_all(&server.addr, events, 64).await;
            let mut samples = Vec::with_capacity(runs);
            for _ in 0..runs {
                let mut ws = connect(&server.addr, "u1", Role::Renter).await;
                let started = Instant::now();
                ws.send(Message::Text(json!({"event": "resume", "data": {"after": 0}}).to_string().into()))
                    .await
                    .unwrap();
                let mut replayed = 0;
                loop {
                    let Some(Ok(Message::Text(t))) = ws.next().await else { panic!("socket ended") };
                    if t.contains("\"resumed\"") {
                        let v: Value = serde_json::from_str(&t).unwrap();
                        assert_eq!(v["data"]["replayed"], replayed);
                        break;
                    }
                    replayed += 1;
                }
                samples.push(started.elapsed());
                assert_eq!(replayed, events);
            }
            samples.sort();
            println!(
                "replay of {events} events, {runs} runs: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                percentile(&samples, 0.5).as_secs_f64() * 1e3,
                percentile(&samples, 0.99).as_secs_f64() * 1e3,
                samples.last().unwrap().as_secs_f64() * 1e3
            );
        }
        Scenario::Idle { connections } => {
            let server = Server::start(&cli.server, true);
            tokio::time::sleep(Duration::from_millis(300)).await;
            let before = server.rss_kib();
            let started = Instant::now();
            let mut sockets = Vec::with_capacity(connections);
            for i in 0..connections {
                sockets.push(connect(&server.addr, &format!("u{i}"), Role::Renter).await);
            }
            let took = started.elapsed();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let after = server.rss_kib();
            println!(
                "idle: {connections} connections opened in {:.2} s; server RSS {} KiB -> {} KiB; {:.1} KiB per connection; 50k would need about {} MiB",
                took.as_secs_f64(),
                before,
                after,
                (after - before) as f64 / connections as f64,
                (after - before) * 50_000 / connections as u64 / 1024 + before / 1024
            );
        }
        Scenario::Storm { connections } => {
            let server = Server::start(&cli.server, true);
            let started = Instant::now();
            let attempts: Vec<_> = (0..connections)
                .map(|i| {
                    let addr = server.addr.clone();
                    tokio::spawn(async move {
                        let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
                        let bearer = format!("Bearer {}", token(&format!("u{i}"), Role::Renter));
                        request.headers_mut().insert("Authorization", bearer.parse().unwrap());
                        let (mut ws, _) =
                            tokio_tungstenite::connect_async(request).await.map_err(|e| e.to_string())?;
                        match ws.next().await {
                            Some(Ok(Message::Text(t))) if t.contains("\"authenticated\"") => Ok(ws),
                            other => Err(format!("{other:?}")),
                        }
                    })
                })
                .collect();
            let mut sockets = Vec::with_capacity(connections);
            let mut failures = Vec::new();
            for attempt in attempts {
                match attempt.await.unwrap() {
                    Ok(ws) => sockets.push(ws),
                    Err(e) => failures.push(e),
                }
            }
            println!(
                "storm: {connections} simultaneous connects, {} authenticated, {} failed, in {:.2} s{}",
                sockets.len(),
                failures.len(),
                started.elapsed().as_secs_f64(),
                failures.first().map(|e| format!(" (first failure: {e})")).unwrap_or_default()
            );
        }
        Scenario::Fanout { connections, events } => {
            let server = Server::start(&cli.server, false);
            let mut readers = Vec::new();
            for i in 0..connections {
                let ws = connect(&server.addr, &format!("h{i}"), Role::Host).await;
                readers.push(tokio::spawn(async move {
                    let mut ws = ws;
                    let mut got = 0;
                    while got < events {
                        if let Some(Ok(Message::Text(_))) = ws.next().await {
                            got += 1;
                        }
                    }
                }));
            }
            let http = reqwest::Client::new();
            let started = Instant::now();
            for n in 0..events {
                let body = json!({"room": "role-host", "event": "notification", "data": {"title": "Fees", "body": format!("{n}")}});
                http.post(format!("http://{}/api/v1/publish", server.addr))
                    .bearer_auth(token("bench", Role::Service))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
            }
            for r in readers {
                r.await.unwrap();
            }
            let took = started.elapsed();
            let deliveries = connections * events;
            println!(
                "fanout: {events} broadcasts to {connections} connections = {deliveries} deliveries in {:.2} s, {:.0} deliveries/s (clients share the 2 cores)",
                took.as_secs_f64(),
                deliveries as f64 / took.as_secs_f64()
            );
        }
    }
}
