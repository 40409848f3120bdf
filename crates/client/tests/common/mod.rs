//! Shared by the client core's tests: a real server process, tokens, and
//! waiting for updates.
#![allow(dead_code)]

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use urutibiz_client::{ClientConfig, ConnectionState, Update};

pub const SECRET: &str = "client-test-secret-0123456789abcdef-012";
pub const WAIT: Duration = Duration::from_secs(10);

/// The server binary, built once if needed.
pub fn server_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-q", "-p", "urutibiz-realtime-server", "--bin", "realtime-server"])
                .status()
                .unwrap();
            assert!(status.success(), "building realtime-server");
            let target = std::env::var("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
            target.join("debug/realtime-server")
        })
        .clone()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub fn start(dir: &tempfile::TempDir, port: u16) -> Server {
        Self::start_with(dir, port, &[])
    }

    /// Starts with `extra` flags after the defaults.
    pub fn start_with(dir: &tempfile::TempDir, port: u16, extra: &[&str]) -> Server {
        let mut child = Command::new(server_binary())
            .args(["serve", "--jwt-leeway", "0s", "--bind", &format!("127.0.0.1:{port}"), "--db"])
            .arg(dir.path().join("rt.db"))
            .args(extra)
            .env("JWT_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("listening on"), "{line}");
        Server { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub async fn publish(&self, n: i64) {
        self.publish_to("user-u1", n).await
    }

    /// Publishes `tick` number `n` to `room` with a service token.
    pub async fn publish_to(&self, room: &str, n: i64) {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/publish", self.url()))
            .bearer_auth(token("backend", "service", 600))
            .json(&json!({"room": room, "event": "tick", "data": {"n": n}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn token(user: &str, role: &str, ttl: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = json!({"sub": user, "role": role, "exp": now + ttl});
    encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

pub fn fast_config(url: String, ttl: i64) -> ClientConfig {
    let mut config = ClientConfig::new(url, token("u1", "renter", ttl));
    config.backoff_base = Duration::from_millis(50);
    config.backoff_cap = Duration::from_millis(400);
    config
}

/// Next update, within the wait.
pub async fn next(updates: &mut UnboundedReceiver<Update>) -> Update {
    tokio::time::timeout(WAIT, updates.recv()).await.expect("no update in time").expect("client stopped")
}

pub async fn wait_online(updates: &mut UnboundedReceiver<Update>) {
    loop {
        if let Update::State(ConnectionState::Online { .. }) = next(updates).await {
            return;
        }
    }
}

/// Collects `tick` numbers until `count` have arrived.
pub async fn ticks(updates: &mut UnboundedReceiver<Update>, count: usize) -> Vec<i64> {
    let mut got = Vec::new();
    while got.len() < count {
        if let Update::Event(m) = next(updates).await {
            if m.name() == "tick" {
                got.push(m.data()["n"].as_i64().unwrap());
            }
        }
    }
    got
}

/// Nothing but (optionally) state changes for `ms`.
pub async fn no_ticks_for(updates: &mut UnboundedReceiver<Update>, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(Some(update)) = tokio::time::timeout_at(deadline, updates.recv()).await {
        if let Update::Event(m) = &update {
            assert_ne!(m.name(), "tick", "unexpected {m:?}");
        }
    }
}

/// The development OpenID provider (`dev-idp/`, oidc-provider on Node),
/// started on a free port; killed on drop.
pub struct Idp {
    child: Child,
    /// Its issuer URL.
    pub issuer: String,
}

impl Idp {
    /// Starts it with access tokens living `access_ttl_secs`.
    pub fn start(access_ttl_secs: u64) -> Idp {
        let dir = repo_root().join("dev-idp");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "dev-idp has no node_modules: run `npm ci` in dev-idp/ (scripts/test.sh does)"
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .args(["--access-ttl", &access_ttl_secs.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting node dev-idp/server.mjs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let started: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("dev-idp said {line:?}: {e}"));
        Idp { child, issuer: started["issuer"].as_str().unwrap().to_owned() }
    }

    /// Revokes a refresh token at the provider (RFC 7009), as an admin
    /// ending the session would.
    pub async fn revoke(&self, refresh_token: &str) {
        let r = reqwest::Client::new()
            .post(format!("{}/token/revocation", self.issuer))
            .form(&[
                ("token", refresh_token),
                ("token_type_hint", "refresh_token"),
                ("client_id", "urutibiz-desktop"),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "revocation: {}", r.status());
    }
}

impl Idp {
    /// Stops the provider (an outage).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A browser that signs in as `login`: headless Chromium driven by
/// `dev-idp/browser-login.mjs`. With `cancel`, it aborts at consent.
pub fn browser(login: &str, cancel: bool) -> impl FnOnce(&str) -> Result<(), String> {
    let login = login.to_owned();
    move |url: &str| {
        let mut command = Command::new("node");
        command
            .arg(repo_root().join("dev-idp/browser-login.mjs"))
            .args([url, &login])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if cancel {
            command.env("IDP_ACTION", "cancel");
        }
        let mut child = command.spawn().map_err(|e| e.to_string())?;
        // Reaped in the background; the sign-in waits on the callback, not on it.
        std::thread::spawn(move || child.wait());
        Ok(())
    }
}
