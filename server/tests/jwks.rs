//! Tokens from an OpenID provider: keys fetched from its JWKS by `kid`,
//! rotation, a provider that is down, a flood of unknown `kid`s, discovery.
//! The provider side is a real HTTP server in the test process whose key
//! set the test changes.

mod common;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use common::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake provider's endpoints serve; the test edits it.
#[derive(Default)]
struct Published {
    keys: Mutex<Vec<Value>>,
    fetches: AtomicUsize,
    down: AtomicBool,
    issuer: Mutex<String>,
    /// The `jwks_uri` discovery names, when not the provider's own.
    jwks_uri: Mutex<Option<String>>,
    /// Where `/moved` redirects to.
    moved_to: Mutex<String>,
}

async fn jwks(State(p): State<Arc<Published>>) -> impl IntoResponse {
    p.fetches.fetch_add(1, Ordering::SeqCst);
    if p.down.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "down"})));
    }
    (StatusCode::OK, Json(json!({ "keys": *p.keys.lock().unwrap() })))
}

async fn discovery(State(p): State<Arc<Published>>) -> Json<Value> {
    let issuer = p.issuer.lock().unwrap().clone();
    let jwks_uri = p.jwks_uri.lock().unwrap().clone().unwrap_or_else(|| format!("{issuer}/jwks"));
    Json(json!({ "issuer": issuer, "jwks_uri": jwks_uri }))
}

async fn moved(State(p): State<Arc<Published>>) -> axum::response::Redirect {
    axum::response::Redirect::temporary(&p.moved_to.lock().unwrap())
}

/// Serves the key set on `listener` for the rest of the test.
async fn provider_on(listener: tokio::net::TcpListener, keys: &[&str]) -> (Arc<Published>, String) {
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let published = Arc::new(Published::default());
    *published.keys.lock().unwrap() = keys.iter().map(|k| jwk(k)).collect();
    *published.issuer.lock().unwrap() = issuer.clone();
    let app = Router::new()
        .route("/jwks", get(jwks))
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/moved", get(moved))
        .with_state(published.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (published, issuer)
}

async fn provider(keys: &[&str]) -> (Arc<Published>, String) {
    provider_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), keys).await
}

fn jwk(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(&format!("{name}-jwk.json"))).unwrap()).unwrap()
}

/// A token signed with the private half of `key` (a fixture name), naming `kid`.
fn signed(key: &str, kid: Option<&str>, user: &str) -> String {
    signed_claims(
        key,
        kid,
        json!({"sub": user, "role": "host", "name": "Amina", "exp": now() + 600, "aud": "urn:urutibiz:realtime"}),
    )
}

/// A token with these claims, signed with the private half of `key`.
fn signed_claims(key: &str, kid: Option<&str>, claims: Value) -> String {
    let pem = std::fs::read(fixture(&format!("{key}-private.pem"))).unwrap();
    let (alg, key) = if key.starts_with("es") {
        (Algorithm::ES256, EncodingKey::from_ec_pem(&pem).unwrap())
    } else {
        (Algorithm::RS256, EncodingKey::from_rsa_pem(&pem).unwrap())
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    let claims: Map<String, Value> = serde_json::from_value(claims).unwrap();
    encode(&header, &claims, &key).unwrap()
}

/// Authenticates in the first frame; `Ok(authenticated data)` or `Err(error message)`.
async fn try_auth(server: &Server, token: &str) -> Result<Value, String> {
    let mut client = server.connect_bare().await;
    client.send(json!({"event": "authenticate", "data": {"token": token}})).await;
    let frame = client.recv().await;
    match frame["event"].as_str() {
        Some("authenticated") => Ok(frame["data"].clone()),
        _ => Err(frame["data"]["message"].as_str().unwrap_or_default().to_owned()),
    }
}

/// A provider publishing key-a, and a server using it with `flags`, warmed
/// by one accepted token.
async fn provider_and_server(flags: &[&str]) -> (Arc<Published>, Server) {
    let (p, issuer) = provider(&["rs256"]).await;
    let url = format!("{issuer}/jwks");
    let mut all = vec!["--jwks-url", url.as_str()];
    all.extend_from_slice(flags);
    let server = start(&all);
    assert!(try_auth(&server, &signed("rs256", Some("key-a"), "u1")).await.is_ok());
    (p, server)
}

fn start(jwks_flags: &[&str]) -> Server {
    let mut flags = vec!["--jwt-algorithm", "RS256", "--jwt-audience", "urn:urutibiz:realtime"];
    flags.extend_from_slice(jwks_flags);
    Server::start(&flags)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_keys_verify_and_everything_else_is_refused_clearly() {
    let (_p, issuer) = provider(&["rs256"]).await;
    let url = format!("{issuer}/jwks");
    let server = start(&["--jwks-url", &url]);

    let hello = try_auth(&server, &signed("rs256", Some("key-a"), "host-amina")).await.unwrap();
    assert_eq!(hello["userId"], "host-amina");
    assert_eq!(
        try_auth(&server, &signed("rs256", None, "u")).await.unwrap_err(),
        "token header has no `kid`"
    );
    assert_eq!(
        try_auth(&server, &signed("rs256-second", Some("key-b"), "u")).await.unwrap_err(),
        "token signed by an unknown key"
    );
    // A known kid does not make another key's signature good.
    assert_eq!(
        try_auth(&server, &signed("rs256-second", Some("key-a"), "u")).await.unwrap_err(),
        "invalid signature"
    );
    // The algorithm stays pinned: an ES256 token is refused as such.
    assert_eq!(
        try_auth(&server, &signed("es256", Some("key-a"), "u")).await.unwrap_err(),
        "token algorithm not allowed"
    );
    // JWT_SECRET is set too: the backend's own HS256 tokens verify with it,
    // and only with it. HMAC over the provider's public key (the classic
    // key-confusion forgery) does not.
    assert!(try_auth(&server, &token("backend", "service", 60)).await.is_ok());
    let public_pem = std::fs::read(fixture("rs256-public.pem")).unwrap();
    let forged = sign_with(
        Algorithm::HS256,
        &EncodingKey::from_secret(&public_pem),
        json!({"sub": "u", "role": "admin", "exp": now() + 60}),
    );
    assert_eq!(try_auth(&server, &forged).await.unwrap_err(), "invalid signature");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_only_provider_tokens_are_accepted() {
    let (_p, issuer) = provider(&["rs256"]).await;
    let url = format!("{issuer}/jwks");
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_realtime-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--jwt-algorithm", "RS256", "--jwks-url", &url])
            .args(["--jwt-audience", "urn:urutibiz:realtime", "--db"])
            .arg(dir.path().join("x.db"))
            .env("JWT_SECRET", "")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.0.stdout.take().unwrap()), &mut line)
        .unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().to_owned();
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let mut client = Client { ws };
    client.send(json!({"event": "authenticate", "data": {"token": token("u", "host", 60)}})).await;
    let refused = client.recv().await;
    assert_eq!(refused["data"]["message"], "token algorithm not allowed");
}

/// Kills the child when the test ends, pass or fail.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_adds_the_new_key_and_keeps_the_old_until_removed() {
    let (p, server) = provider_and_server(&["--jwks-min-refetch", "0s", "--jwks-refresh", "1s"]).await;

    // The provider publishes a second key and starts signing with it.
    p.keys.lock().unwrap().push(jwk("rs256-second"));
    assert!(try_auth(&server, &signed("rs256-second", Some("key-b"), "u1")).await.is_ok());
    assert!(
        try_auth(&server, &signed("rs256", Some("key-a"), "u1")).await.is_ok(),
        "old key still published"
    );

    // Then it retires the old one: after the next routine refresh it no longer verifies.
    p.keys.lock().unwrap().remove(0);
    let before = p.fetches.load(Ordering::SeqCst);
    for _ in 0..100 {
        if p.fetches.load(Ordering::SeqCst) > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        try_auth(&server, &signed("rs256", Some("key-a"), "u1")).await.unwrap_err(),
        "token signed by an unknown key"
    );
    assert!(try_auth(&server, &signed("rs256-second", Some("key-b"), "u1")).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_goes_down_leaves_cached_keys_working() {
    let (p, server) = provider_and_server(&["--jwks-min-refetch", "0s", "--jwks-refresh", "1s"]).await;
    p.down.store(true, Ordering::SeqCst);
    let before = p.fetches.load(Ordering::SeqCst);
    // An unknown kid makes it try the provider, which fails...
    assert_eq!(
        try_auth(&server, &signed("rs256-second", Some("key-b"), "u1")).await.unwrap_err(),
        "token signed by an unknown key"
    );
    assert!(p.fetches.load(Ordering::SeqCst) > before);
    // ...and the routine refresh fails too, but the cached key goes on verifying.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(try_auth(&server, &signed("rs256", Some("key-a"), "u1")).await.is_ok());
    assert!(server.log().contains("JWKS refresh failed"), "{}", server.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_kids_fetches_the_key_set_at_most_once_per_interval() {
    let (p, server) = provider_and_server(&["--jwks-min-refetch", "60s"]).await;
    let before = p.fetches.load(Ordering::SeqCst);
    let mut refused = 0;
    for i in 0..200 {
        let token = signed("rs256", Some(&format!("made-up-{i}")), "u1");
        let (status, _) = {
            let r = server
                .http
                .get(server.url("/api/v1/notifications/unread-count"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), ())
        };
        refused += usize::from(status == 401);
    }
    assert_eq!(refused, 200);
    let fetched = p.fetches.load(Ordering::SeqCst) - before;
    assert!(fetched <= 1, "{fetched} fetches for 200 unknown kids");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_unreachable_at_start_then_reachable_and_found_by_discovery() {
    // Reserve a port, free it: nothing listens there when the server starts.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let issuer = format!("http://127.0.0.1:{port}");
    let server = start(&["--jwks-discover", "--jwt-issuer", &issuer, "--jwks-min-refetch", "0s"]);
    let health = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let mut claims_token = signed("rs256", Some("key-a"), "u1");
    // Tokens must carry the issuer now; without it the claim check refuses.
    assert!(try_auth(&server, &claims_token).await.is_err());
    claims_token = {
        let pem = std::fs::read(fixture("rs256-private.pem")).unwrap();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("key-a".into());
        let claims: Map<String, Value> = serde_json::from_value(json!({
            "sub": "u1", "role": "renter", "exp": now() + 600, "aud": "urn:urutibiz:realtime", "iss": issuer}))
        .unwrap();
        encode(&header, &claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
    };
    assert_eq!(try_auth(&server, &claims_token).await.unwrap_err(), "token signed by an unknown key");
    assert!(server.log().contains("JWKS unavailable at start"), "{}", server.log());

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let (p, _) = provider_on(listener, &["rs256"]).await;
    let hello = try_auth(&server, &claims_token).await.unwrap();
    assert_eq!(hello["userId"], "u1");
    assert!(p.fetches.load(Ordering::SeqCst) >= 1);
}

#[test]
fn startup_refuses_jwks_with_hs256_and_discovery_without_issuer() {
    for (flags, expected) in [
        (vec!["--jwks-url", "http://127.0.0.1:1/jwks"], "RS256 or ES256"),
        (vec!["--jwt-algorithm", "RS256", "--jwks-discover"], "--jwks-discover needs --jwt-issuer"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_realtime-server"))
            .arg("serve")
            .args(["--bind", "127.0.0.1:0", "--dev"])
            .args(&flags)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{flags:?}: {err}");
    }
    // Outside --dev, provider tokens need an audience to be checked.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_realtime-server"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--jwt-algorithm",
            "RS256",
            "--jwks-url",
            "http://127.0.0.1:1/jwks",
        ])
        .env("JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--jwt-audience is required with a JWKS"), "{err}");
}

/// A provider-signed token for `user` with `role`, issued to `client`.
fn provider_token(user: &str, role: &str, client: Option<&str>) -> String {
    let mut claims = json!({"sub": user, "role": role, "exp": now() + 600, "aud": "urn:urutibiz:realtime"});
    if let Some(client) = client {
        claims["azp"] = json!(client);
    }
    signed_claims("rs256", Some("key-a"), claims)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_token_cannot_claim_the_backend_or_admin_role() {
    let (_p, server) = provider_and_server(&[]).await;
    for role in ["service", "admin"] {
        let refused = try_auth(&server, &provider_token("mallory", role, Some("urutibiz-desktop"))).await;
        assert_eq!(
            refused.unwrap_err(),
            format!("role `{role}` is not accepted from the sign-in provider's tokens; it is for the backend's own tokens")
        );
    }
    // Nor the backend API with it.
    let publish = server
        .http
        .post(server.url("/api/v1/publish"))
        .bearer_auth(provider_token("mallory", "service", None))
        .json(&json!({"room": "user-victim", "event": "notification", "data": {"title": "Pay here"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(publish.status(), 401);
    // Users keep their ordinary roles; the backend's own token keeps `service`.
    assert!(try_auth(&server, &provider_token("host-amina", "host", Some("urutibiz-desktop"))).await.is_ok());
    assert!(try_auth(&server, &token("backend", "service", 60)).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_clients_listed_by_the_operator_may_carry_those_roles() {
    let (_p, server) = provider_and_server(&["--privileged-clients", "staff-console, billing"]).await;
    let hello =
        try_auth(&server, &provider_token("admin-grace", "admin", Some("staff-console"))).await.unwrap();
    assert_eq!(hello["role"], "admin");
    let client_id = signed_claims(
        "rs256",
        Some("key-a"),
        json!({"sub": "billing-svc", "role": "service", "client_id": "billing", "exp": now() + 600,
               "aud": "urn:urutibiz:realtime"}),
    );
    assert!(try_auth(&server, &client_id).await.is_ok());
    assert!(try_auth(&server, &provider_token("admin-grace", "admin", Some("urutibiz-desktop")))
        .await
        .is_err());
}

#[test]
fn keys_are_never_configured_over_plain_http_to_another_machine() {
    for (flags, expected) in [
        (
            vec!["--jwks-url", "http://keys.example/jwks"],
            "--jwks-url: `http://keys.example/jwks` must be https://",
        ),
        (vec!["--jwks-url", "http://10.1.2.3/jwks"], "must be https://"),
        (vec!["--jwks-url", "ftp://keys.example/jwks"], "must be https://"),
        (
            vec!["--jwks-discover", "--jwt-issuer", "http://idp.example"],
            "--jwt-issuer (with --jwks-discover): `http://idp.example` must be https://",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = KillOnDrop(
            std::process::Command::new(env!("CARGO_BIN_EXE_realtime-server"))
                .args(["serve", "--bind", "127.0.0.1:0", "--jwt-algorithm", "RS256", "--jwt-audience", "a"])
                .args(&flags)
                .arg("--db")
                .arg(dir.path().join("x.db"))
                .env("JWT_SECRET", SECRET)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap(),
        );
        // A server that starts anyway would run until killed: wait 10 s at most.
        let mut exited = None;
        for _ in 0..100 {
            exited = child.0.try_wait().unwrap();
            if exited.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let status = exited.unwrap_or_else(|| panic!("{flags:?} was accepted: the server started"));
        assert!(!status.success(), "{flags:?} was accepted");
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut err).unwrap();
        assert!(err.contains(expected), "{flags:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discovered_key_set_over_plain_http_to_another_machine_is_not_fetched() {
    let (p, issuer) = provider(&["rs256"]).await;
    *p.jwks_uri.lock().unwrap() = Some("http://192.0.2.10/jwks".into());
    let server = start(&["--jwks-discover", "--jwt-issuer", &issuer, "--jwks-min-refetch", "0s"]);
    let token = signed_claims(
        "rs256",
        Some("key-a"),
        json!({"sub": "u1", "role": "host", "exp": now() + 600, "aud": "urn:urutibiz:realtime", "iss": issuer}),
    );
    assert_eq!(try_auth(&server, &token).await.unwrap_err(), "token signed by an unknown key");
    assert!(server.log().contains("`http://192.0.2.10/jwks` must be https://"), "{}", server.log());
    // Pointing it back at the provider itself (loopback) makes the same token good.
    *p.jwks_uri.lock().unwrap() = None;
    assert!(try_auth(&server, &token).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_set_redirecting_to_another_origin_is_not_followed() {
    let (elsewhere, other) = provider(&["rs256"]).await;
    let (p, issuer) = provider(&[]).await;
    *p.moved_to.lock().unwrap() = format!("{other}/jwks");
    let server = start(&["--jwks-url", &format!("{issuer}/moved"), "--jwks-min-refetch", "0s"]);
    assert_eq!(
        try_auth(&server, &signed("rs256", Some("key-a"), "u1")).await.unwrap_err(),
        "token signed by an unknown key"
    );
    assert_eq!(elsewhere.fetches.load(Ordering::SeqCst), 0, "the other origin was asked for keys");
    assert!(server.log().contains("redirects to another origin"), "{}", server.log());
    // Within the same origin a moved key set is still found.
    *p.keys.lock().unwrap() = vec![jwk("rs256")];
    *p.moved_to.lock().unwrap() = format!("{issuer}/jwks");
    assert!(try_auth(&server, &signed("rs256", Some("key-a"), "u1")).await.is_ok());
}
