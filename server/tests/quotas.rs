//! Per-user quotas on replays and on the HTTP API: more sockets or more
//! requests from one user do not crowd out everyone else.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn replays_are_limited_per_user_over_every_socket() {
    let server = Server::start(&["--user-replays", "3/min"]);
    server.publish("user-u1", "tick", json!({"n": 1})).await;
    let mut first = server.connect("u1", "renter").await;
    let mut second = server.connect("u1", "renter").await;
    for i in 0..3 {
        let client = if i == 1 { &mut second } else { &mut first };
        let frames = client.resume(0).await;
        assert_eq!(frames.last().unwrap()["event"], "resumed", "{frames:?}");
    }
    let refused = second.request(json!({"event": "resume", "data": {"after": 0}, "ref": "r"})).await;
    assert_eq!(refused["data"]["code"], "rate-limited", "{refused}");
    assert_eq!(refused["ref"], "r");
    // Asking for a replay while connecting counts too: refused with 1013,
    // so the client backs off instead of treating it as a sign-out.
    let mut third = server.connect_bare().await;
    third
        .send(
            json!({"event": "authenticate", "data": {"token": token("u1", "renter", 600), "resumeAfter": 0}}),
        )
        .await;
    third.expect_error("rate-limited").await;
    third.expect_close(1013).await;
    // Another user replays as usual; the limited one still gets live events.
    let mut other = server.connect("u2", "renter").await;
    assert_eq!(other.resume(0).await.last().unwrap()["event"], "resumed");
    server.publish("user-u1", "tick", json!({"n": 2})).await;
    assert_eq!(second.expect("tick").await["data"]["n"], 2);
}

#[tokio::test]
async fn http_api_is_limited_per_user_with_retry_after() {
    let server = Server::start(&["--user-http", "3/min"]);
    for _ in 0..3 {
        let (status, _) = server.get_as("u1", "renter", "/api/v1/notifications/unread-count").await;
        assert_eq!(status, 200);
    }
    let response = server
        .http
        .get(server.url("/api/v1/notifications"))
        .bearer_auth(token("u1", "renter", 600))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate-limited", "{body}");
    // Others are unaffected, and the backend's service token is not limited.
    assert_eq!(server.get_as("u2", "renter", "/api/v1/notifications").await.0, 200);
    for n in 0..10 {
        assert_eq!(server.publish("user-u1", "tick", json!({"n": n})).await.status(), 202);
    }
    // Sockets are limited on their own terms: the user still connects.
    server.connect("u1", "renter").await;
}
