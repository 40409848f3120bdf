//! Heartbeat, slow clients, shutdown, startup checks and operator endpoints.

mod common;

use common::*;
use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn silent_peer_is_dropped_after_pong_timeout() {
    let server = Server::start(&["--ping-interval", "200ms", "--pong-timeout", "300ms"]);
    let mut silent = server.connect("u1", "host").await;
    let mut alive = server.connect("u2", "host").await;
    // `alive` keeps reading, so its client library answers pings; `silent`
    // does not read, so it never does.
    let reader = tokio::spawn(async move {
        loop {
            match alive.next().await {
                Next::Frame(f) if f["event"] == "still-alive" => return Ok(()),
                Next::Frame(_) => continue,
                Next::Closed(code) => return Err(code),
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(server.wait_for_metric("realtime_connections", 1.0).await, 1.0);
    assert!(server.log().contains("code=4000"), "{}", server.log());
    server.publish("user-u2", "still-alive", json!({})).await;
    assert_eq!(reader.await.unwrap(), Ok(()), "the answering client was dropped");
    // The close frame may be lost with the connection, hence the log check.
    assert!(matches!(silent.next().await, Next::Closed(Some(4000) | None)));
}

#[tokio::test]
async fn slow_consumer_is_cut_off_without_delaying_others() {
    let server = Server::start(&["--outbound-queue", "8"]);
    let _slow = server.connect("slow", "host").await;
    let mut fast = server.connect("fast", "host").await;
    let payload = "p".repeat(60_000);
    let mut delivered_to_fast = 0;
    for i in 0..300 {
        let r = server.publish("role-host", "bulk", json!({"i": i, "pad": payload})).await;
        assert_eq!(r.status(), 202);
        let f = fast.expect("bulk").await;
        assert_eq!(f["data"]["i"], i);
        delivered_to_fast += 1;
        if metric(&server.metrics().await, "realtime_slow_consumer_total") >= 1.0 {
            break;
        }
    }
    let metrics = server.metrics().await;
    assert_eq!(
        metric(&metrics, "realtime_slow_consumer_total"),
        1.0,
        "never cut off after {delivered_to_fast}"
    );
    // The slow connection is gone; the fast one keeps working.
    assert_eq!(server.wait_for_metric("realtime_connections", 1.0).await, 1.0);
    server.publish("user-fast", "after", json!({})).await;
    fast.expect("after").await;
}

#[tokio::test]
async fn sigterm_closes_clients_with_1001_and_exits() {
    let mut server = Server::start(&[]);
    let mut a = server.connect("u1", "host").await;
    let mut b = server.connect("u2", "renter").await;
    server.terminate();
    a.expect_close(1001).await;
    b.expect_close(1001).await;
    let exit = tokio::task::spawn_blocking(move || {
        let status = server.child.wait().unwrap();
        (status, server)
    })
    .await
    .unwrap();
    assert!(exit.0.success(), "exit status {:?}", exit.0);
    assert!(exit.1.log().contains("stopped"));
}

fn serve_once(args: &[&str], secret: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_realtime-server"))
        .arg("serve")
        .args(["--bind", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("x.db"))
        .args(args)
        .env("JWT_SECRET", secret)
        .env("REALTIME_SHUTDOWN_GRACE", "0s")
        .output()
        .unwrap()
}

#[test]
fn startup_refuses_weak_secrets_outside_dev_mode() {
    for (secret, why) in
        [("", "is empty"), ("your-jwt-secret-key", "sample value"), ("short", "shorter than 32 bytes")]
    {
        let out = serve_once(&[], secret);
        assert!(!out.status.success(), "{secret:?} accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{secret:?}: {stderr}");
    }
}

#[tokio::test]
async fn dev_mode_accepts_the_builtin_secret_and_token_command_matches() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_realtime-server"))
        .args(["serve", "--dev", "--bind", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("x.db"))
        .env_remove("JWT_SECRET")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line)
        .unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().to_owned();
    let minted = Command::new(env!("CARGO_BIN_EXE_realtime-server"))
        .args(["token", "--dev", "--sub", "demo-host", "--role", "host", "--ttl", "10m"])
        .env_remove("JWT_SECRET")
        .output()
        .unwrap();
    assert!(minted.status.success());
    let token = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{addr}/ws"),
    )
    .unwrap();
    request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut client = Client { ws };
    let hello = client.expect("authenticated").await;
    assert_eq!(hello["data"]["userId"], "demo-host");
    let ttl = hello["data"]["expiresAt"].as_i64().unwrap() - now();
    assert!((598..=600).contains(&ttl), "ttl {ttl}");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn healthz_and_metrics() {
    let server = Server::start(&[]);
    let r = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    let mut client = server.connect("u1", "host").await;
    client.send_text("nope").await;
    client.expect_error("invalid-json").await;
    server.publish("user-u1", "x", json!({})).await;
    client.expect("x").await;
    // The hub adds its queued frames to the counter after queuing them, so
    // the client can hold a frame a moment before a scrape counts it.
    // The WAL's size is read by the checkpoint thread, every half second.
    let mut text = server.metrics().await;
    for _ in 0..50 {
        if metric(&text, "realtime_frames_out_total") >= 1.0
            && metric(&text, "realtime_store_wal_frames") > 0.0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        text = server.metrics().await;
    }
    assert_eq!(metric(&text, "realtime_connections"), 1.0, "{text}");
    assert_eq!(metric(&text, "realtime_publish_total"), 1.0);
    assert_eq!(metric(&text, "realtime_frames_in_total"), 1.0);
    assert!(metric(&text, "realtime_frames_out_total") >= 1.0);
    assert!(metric(&text, "realtime_store_wal_frames") > 0.0, "{text}");
    assert_eq!(metric(&text, "realtime_errors_total{code=\"invalid-json\"}"), 1.0);
    assert!(text.contains("# HELP realtime_connections"));
    // No token or message text in logs.
    assert!(!server.log().contains(&token("u1", "host", 3600)[..20]));
}

#[tokio::test]
async fn cors_lets_configured_web_origins_call_the_api_and_no_others() {
    let site = "https://urutibiz.example";
    let server = Server::start(&["--cors-origins", &format!("{site},http://127.0.0.1:5173")]);
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, server.url("/api/v1/notifications"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight(site).await.unwrap();
    let headers = allowed.headers();
    assert_eq!(headers["access-control-allow-origin"], site);
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let stranger = preflight("https://evil.example").await.unwrap();
    assert!(stranger.headers().get("access-control-allow-origin").is_none());

    // The real call carries the header too (and the Socket.IO handshake).
    let listed = http
        .get(server.url("/api/v1/notifications"))
        .header("origin", site)
        .bearer_auth(token("u1", "renter", 600))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["access-control-allow-origin"], site);
    let polled = http
        .get(server.url("/socket.io/?EIO=4&transport=polling"))
        .header("origin", site)
        .send()
        .await
        .unwrap();
    assert_eq!(polled.status(), 200);
    assert_eq!(polled.headers()["access-control-allow-origin"], site);
}

#[test]
fn startup_refuses_a_cors_origin_that_is_not_one() {
    for bad in ["urutibiz.example", "https://urutibiz.example/app", "ftp://x"] {
        let out = serve_once(&["--dev", "--cors-origins", bad], "");
        assert!(!out.status.success(), "{bad:?} accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not an origin"), "{bad}");
    }
}

#[tokio::test]
async fn a_second_server_on_the_same_sqlite_file_is_refused_and_the_first_keeps_serving() {
    let first = Server::start(&[]);
    let db = first.db_path();
    let said = refused_start(&["--db", db.to_str().unwrap()]);
    assert!(said.contains("is in use by another server process"), "{said}");
    first.connect("u1", "renter").await.close().await;
}
