//! Notifications: admins over the socket, backends over the publish API.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn admin_sends_notification_over_socket() {
    let server = Server::start(&[]);
    let mut admin = server.connect("a1", "admin").await;
    let mut user = server.connect("u1", "renter").await;
    let frame = json!({"event": "send-notification", "ref": "n", "data": {
        "toUserId": "u1", "title": "Welcome", "body": "Your account is verified", "type": "system", "data": {"link": "/profile"}}});
    let sent = admin.request(frame).await;
    assert_eq!(sent["event"], "notification-sent", "{sent}");
    assert_eq!(sent["ref"], "n");
    let note = user.expect("notification").await;
    let data = &note["data"];
    assert_eq!(data["id"], sent["data"]["id"]);
    assert_eq!(data["type"], "system");
    assert_eq!(data["title"], "Welcome");
    assert_eq!(data["body"], "Your account is verified");
    assert_eq!(data["data"], json!({"link": "/profile"}));
    assert!(data["createdAt"].as_i64().unwrap() > 1_700_000_000_000);
}

#[tokio::test]
async fn non_admins_cannot_send_notifications() {
    let server = Server::start(&[]);
    let mut host = server.connect("h1", "host").await;
    let mut user = server.connect("u1", "renter").await;
    let err = host
        .request(json!({"event": "send-notification", "data": {"toUserId": "u1", "title": "x", "body": "y"}}))
        .await;
    assert_eq!(err["data"]["code"], "forbidden");
    user.expect_silence(150).await;
}

#[tokio::test]
async fn publish_notification_to_role_room() {
    let server = Server::start(&[]);
    let mut hosts = vec![server.connect("h1", "host").await, server.connect("h2", "host").await];
    let mut renter = server.connect("r1", "renter").await;
    let r = server
        .publish("role-host", "notification", json!({"title": "New fees", "body": "From January"}))
        .await;
    assert_eq!(r.status(), 202);
    let accepted: Value = r.json().await.unwrap();

    for host in &mut hosts {
        let note = host.expect("notification").await;
        assert_eq!(note["id"], accepted["id"]);
        assert_eq!(note["seq"], accepted["seq"]);
        assert_eq!(note["data"]["type"], "system");
        assert_eq!(note["data"]["data"], json!({}));
    }
    renter.expect_silence(150).await;
}

#[tokio::test]
async fn publish_api_refuses_bad_requests() {
    let server = Server::start(&[]);
    let url = server.url("/api/v1/publish");
    let body = json!({"room": "user-u1", "event": "promo", "data": {}});
    let r = server.http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = server.http.post(&url).bearer_auth(token("a1", "admin", 60)).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = server.http.post(&url).bearer_auth(token("s", "service", -60)).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    for (room, event, data, why) in [
        ("lobby", "promo", json!({}), "unknown room"),
        ("user-u1", "Bad Name", json!({}), "bad event name"),
        ("user-u1", "booking-status-changed", json!({}), "reserved event"),
        ("user-u1", "authenticated", json!({}), "reserved event"),
        ("user-u1", "notification", json!({"title": ""}), "notification without body"),
        (
            "user-u1",
            "notification",
            json!({"title": "t", "body": "b", "data": [1]}),
            "notification data not an object",
        ),
    ] {
        let r = server.publish(room, event, data).await;
        assert_eq!(r.status(), 400, "{why}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid-payload", "{why}");
    }
    let big = json!({"room": "user-u1", "event": "promo", "data": {"x": "a".repeat(70_000)}});
    let r = server.http.post(&url).bearer_auth(token("s", "service", 60)).json(&big).send().await.unwrap();
    assert_eq!(r.status(), 413);
}
