//! Test harness: a real server process on an ephemeral port with its own
//! SQLite file, real WebSocket clients and a real HTTP client.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) mod postgres;
pub(crate) mod proxy;

pub(crate) const SECRET: &str = "test-secret-0123456789abcdef-0123456789";
pub(crate) const RECV_TIMEOUT: Duration = Duration::from_secs(5);

/// A server child process; killed on drop.
pub(crate) struct Server {
    pub child: Child,
    pub addr: String,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

/// Starts a server that is expected to refuse to start; returns what it
/// said. Bounded: 30 s.
pub(crate) fn refused_start(args: &[&str]) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_realtime-server"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .env("JWT_SECRET", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(!status.success(), "it started");
            let mut said = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
            return said;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("the server neither started nor gave up within 30 s");
}

/// With `REALTIME_TEST_PG_SOCKET` set (a PostgreSQL Unix-socket directory,
/// as `scripts/test.sh` sets it), each server directory gets a database of
/// its own on that PostgreSQL (the same one when a test restarts a server
/// on its directory), so a suite runs in clustered mode unchanged.
fn postgres_database(dir: &std::path::Path) -> Option<String> {
    let socket = std::env::var("REALTIME_TEST_PG_SOCKET").ok()?;
    let url = |name: &str| format!("postgresql://postgres@localhost/{name}?host={socket}");
    let named = dir.join("pg-database");
    if let Ok(name) = std::fs::read_to_string(&named) {
        return Some(url(&name));
    }
    let name = format!("t_{}", uuid_like());
    let created = Command::new("psql")
        .arg(url("postgres"))
        .args(["-q", "-c", &format!("CREATE DATABASE \"{name}\"")])
        .status()
        .expect("psql");
    assert!(created.success(), "CREATE DATABASE {name}");
    std::fs::write(&named, &name).unwrap();
    Some(url(&name))
}

/// A name unique to this process and moment.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{nanos}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

impl Server {
    /// Starts with the test secret, zero leeway and `extra` flags.
    pub(crate) fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, extra)
    }

    pub(crate) fn db_path(&self) -> PathBuf {
        self.dir.path().join("realtime.db")
    }

    /// Starts on an existing directory (and database) with fsync on, as in
    /// production.
    pub(crate) fn start_durable(dir: tempfile::TempDir, extra: &[&str]) -> Server {
        Self::launch(dir, extra, true)
    }

    pub(crate) fn start_in(dir: tempfile::TempDir, extra: &[&str]) -> Server {
        Self::launch(dir, extra, false)
    }

    fn launch(dir: tempfile::TempDir, extra: &[&str], fsync: bool) -> Server {
        let db = dir.path().join("realtime.db");
        // A test that brings its own database keeps it.
        let cluster = postgres_database(dir.path()).filter(|_| !extra.contains(&"--database-url"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.path().join("server.log"))
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_realtime-server"))
            .arg("serve")
            .args(["--bind", "127.0.0.1:0", "--jwt-leeway", "0s"])
            .args(if fsync { None } else { Some("--no-fsync") })
            .arg("--db")
            .arg(&db)
            .args(cluster.iter().flat_map(|url| ["--database-url", url.as_str()]))
            .args(extra)
            .env("JWT_SECRET", SECRET)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawning realtime-server");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}; log: {}",
                    std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
                )
            })
            .to_owned();
        Server { child, addr, dir, http: reqwest::Client::new() }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Connects with `Authorization: Bearer`, expecting `authenticated`.
    pub(crate) async fn connect(&self, user: &str, role: &str) -> Client {
        let mut client = self.connect_with_header(&token(user, role, 3600)).await;
        let hello = client.expect("authenticated").await;
        assert_eq!(hello["data"]["userId"], user);
        client
    }

    /// Connects with a header token, without reading anything.
    pub(crate) async fn connect_with_header(&self, token: &str) -> Client {
        let mut request = format!("ws://{}/ws", self.addr).into_client_request().unwrap();
        request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request).await.expect("websocket connect");
        Client { ws }
    }

    /// Connects with `Authorization: Bearer` to any address (a node or a
    /// balancer), expecting `authenticated`; a refused upgrade gives its
    /// HTTP status, a refused connection 0.
    pub(crate) async fn connect_at(addr: &str, user: &str, role: &str) -> Result<Client, u16> {
        let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {}", token(user, role, 3600)).parse().unwrap());
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => {
                let mut client = Client { ws };
                let hello = client.expect("authenticated").await;
                assert_eq!(hello["data"]["userId"], user);
                Ok(client)
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(_) => Err(0),
        }
    }

    /// Connects without a header (browser style).
    pub(crate) async fn connect_bare(&self) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", self.addr))
            .await
            .expect("websocket connect");
        Client { ws }
    }

    /// `POST /api/v1/publish` with a service token.
    pub(crate) async fn publish(&self, room: &str, event: &str, data: Value) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/publish"))
            .bearer_auth(token("backend", "service", 3600))
            .json(&json!({ "room": room, "event": event, "data": data }))
            .send()
            .await
            .unwrap()
    }

    /// `PUT /api/v1/bookings/{id}` with a service token; asserts success.
    pub(crate) async fn put_booking(&self, id: &str, host: &str, renter: &str, status: &str) -> Value {
        let response = self
            .http
            .put(self.url(&format!("/api/v1/bookings/{id}")))
            .bearer_auth(token("backend", "service", 3600))
            .json(&json!({ "hostId": host, "renterId": renter, "status": status, "title": "Canon EOS R6" }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "put booking: {}", response.status());
        response.json().await.unwrap()
    }

    /// `PUT /api/v1/chats/{id}` with a service token: the backend opens a
    /// chat between `a` and `b`; returns the status and body.
    pub(crate) async fn put_chat(&self, id: &str, a: &str, b: &str) -> (u16, Value) {
        let response = self
            .http
            .put(self.url(&format!("/api/v1/chats/{id}")))
            .bearer_auth(token("backend", "service", 3600))
            .json(&json!({ "participants": [a, b] }))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or_default())
    }

    pub(crate) async fn metrics(&self) -> String {
        self.http.get(self.url("/metrics")).send().await.unwrap().text().await.unwrap()
    }

    /// Sends SIGTERM.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A metric's value from the Prometheus text, 0 when absent.
pub(crate) fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An HS256 token for the test secret.
pub(crate) fn token(user: &str, role: &str, ttl: i64) -> String {
    sign(json!({ "sub": user, "role": role, "exp": now() + ttl }))
}

/// Signs arbitrary claims with HS256 and the test secret.
pub(crate) fn sign(claims: Value) -> String {
    sign_with(Algorithm::HS256, &EncodingKey::from_secret(SECRET.as_bytes()), claims)
}

pub(crate) fn sign_with(alg: Algorithm, key: &EncodingKey, claims: Value) -> String {
    let claims: Map<String, Value> = serde_json::from_value(claims).unwrap();
    encode(&Header::new(alg), &claims, key).unwrap()
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A WebSocket client that skips control frames when reading events.
pub(crate) struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What came next on a socket.
#[derive(Debug)]
pub(crate) enum Next {
    Frame(Value),
    Closed(Option<u16>),
}

impl Client {
    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws.send(Message::Text(frame.to_string().into())).await.unwrap();
    }

    pub(crate) async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::Text(text.to_owned().into())).await.unwrap();
    }

    /// Next data frame or close, within the timeout.
    pub(crate) async fn next(&mut self) -> Next {
        loop {
            let item = tokio::time::timeout(RECV_TIMEOUT, self.ws.next())
                .await
                .expect("timed out waiting for a frame");
            match item {
                Some(Ok(Message::Text(t))) => {
                    return Next::Frame(serde_json::from_str(&t).expect("server sent JSON"))
                }
                Some(Ok(Message::Close(frame))) => return Next::Closed(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Next::Closed(None),
            }
        }
    }

    /// Next frame; panics on close.
    pub(crate) async fn recv(&mut self) -> Value {
        match self.next().await {
            Next::Frame(v) => v,
            Next::Closed(code) => panic!("connection closed ({code:?}) while expecting a frame"),
        }
    }

    /// Next frame, asserting its event name.
    pub(crate) async fn expect(&mut self, event: &str) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["event"], event, "unexpected frame {frame}");
        frame
    }

    /// Next frame is an error with this code; returns it.
    pub(crate) async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.expect("error").await;
        assert_eq!(frame["data"]["code"], code, "unexpected error {frame}");
        frame
    }

    /// Sends a frame and returns the next frame.
    pub(crate) async fn request(&mut self, frame: Value) -> Value {
        self.send(frame).await;
        self.recv().await
    }

    /// The connection closes next, with this code.
    pub(crate) async fn expect_close(&mut self, code: u16) {
        match self.next().await {
            Next::Closed(got) => assert_eq!(got, Some(code), "close code"),
            Next::Frame(f) => panic!("expected close {code}, got frame {f}"),
        }
    }

    /// Nothing arrives within `ms` (control frames aside).
    pub(crate) async fn expect_silence(&mut self, ms: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("expected silence, got {other:?}"),
            }
        }
    }

    pub(crate) async fn close(mut self) {
        let _ = self
            .ws
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }))
            .await;
    }
}

impl Server {
    /// Polls `/metrics` until `name` has `value` (at most 5 s); returns the last value.
    pub(crate) async fn wait_for_metric(&self, name: &str, value: f64) -> f64 {
        let mut last = 0.0;
        for _ in 0..50 {
            last = metric(&self.metrics().await, name);
            if last == value {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }
}

impl Server {
    /// Sends SIGKILL and waits; gives back the directory with the database.
    pub(crate) fn kill9(mut self) -> tempfile::TempDir {
        let status = Command::new("kill").args(["-KILL", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let _ = self.child.wait();
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    /// A user-token GET, returning status and JSON.
    pub(crate) async fn get_as(&self, user: &str, role: &str, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).bearer_auth(token(user, role, 3600)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Counts rows of the events table, read straight from the database
    /// (the SQLite file, or the test's PostgreSQL database).
    pub(crate) fn count_events(&self) -> i64 {
        if let Some(url) = postgres_database(self.dir.path()) {
            let out =
                Command::new("psql").arg(url).args(["-tAc", "SELECT COUNT(*) FROM events"]).output().unwrap();
            return String::from_utf8_lossy(&out.stdout).trim().parse().expect("a count from psql");
        }
        let conn = rusqlite::Connection::open(self.db_path()).unwrap();
        conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap()
    }
}

impl Client {
    /// Sends `resume` and collects frames up to `resumed` (or `resync-required`),
    /// which is returned last.
    pub(crate) async fn resume(&mut self, after: i64) -> Vec<Value> {
        self.send(json!({"event": "resume", "data": {"after": after}, "ref": "resume"})).await;
        let mut frames = Vec::new();
        loop {
            let frame = self.recv().await;
            let done = frame["ref"] == "resume";
            frames.push(frame);
            if done {
                return frames;
            }
        }
    }
}

impl Client {
    /// Reads until a `notification` (or other event) with this title arrives.
    pub(crate) async fn expect_event_skipping(&mut self, event: &str, title: &str) -> Value {
        for _ in 0..20 {
            let frame = self.recv().await;
            if frame["event"] == event && frame["data"]["title"] == title {
                return frame;
            }
        }
        panic!("no {event} titled {title}");
    }
}
