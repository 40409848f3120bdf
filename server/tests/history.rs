//! History over HTTP: paged notifications with filters, chats and their
//! messages, bookings, for the right users only.

mod common;

use common::*;
use serde_json::{json, Value};

fn titles(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn notification_history_pages_and_filters() {
    let server = Server::start(&[]);
    for (i, kind) in
        ["booking", "system", "booking", "message", "booking", "system", "booking"].iter().enumerate()
    {
        let r = server
            .publish("user-u1", "notification", json!({"title": format!("t{i}"), "body": "b", "type": kind}))
            .await;
        assert_eq!(r.status(), 202);
    }
    server.publish("user-u2", "notification", json!({"title": "not yours", "body": "b"})).await;
    let (status, page) = server.get_as("u1", "renter", "/api/v1/notifications?limit=3").await;
    assert_eq!(status, 200);
    assert_eq!(titles(&page), ["t6", "t5", "t4"]);
    let item = &page["items"][0];
    assert_eq!(item["type"], "booking");
    assert_eq!(item["read"], false);
    assert!(item["seq"].is_i64() && item["id"].is_string() && item["createdAt"].is_i64());
    let next = page["nextBefore"].as_i64().unwrap();
    let (_, page) =
        server.get_as("u1", "renter", &format!("/api/v1/notifications?limit=3&before={next}")).await;
    assert_eq!(titles(&page), ["t3", "t2", "t1"]);
    let (_, page) = server.get_as("u1", "renter", "/api/v1/notifications?type=booking").await;
    assert_eq!(titles(&page), ["t6", "t4", "t2", "t0"]);
    assert!(page["nextBefore"].is_null());

    let mut c = server.connect("u1", "renter").await;
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    c.request(json!({"event": "mark-read", "data": {"ids": [id]}})).await;
    let (_, page) = server.get_as("u1", "renter", "/api/v1/notifications?unread=true&type=booking").await;
    assert_eq!(titles(&page), ["t4", "t2", "t0"]);
    let (_, all) = server.get_as("u1", "renter", "/api/v1/notifications").await;
    assert_eq!(all["items"][0]["read"], true);

    for bad in ["limit=0", "limit=abc", "before=x", "unread=maybe"] {
        let (status, err) = server.get_as("u1", "renter", &format!("/api/v1/notifications?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(err["error"]["code"], "invalid-payload", "{bad}");
    }
    let r = server.http.get(server.url("/api/v1/notifications")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let (status, _) = server.get_as("backend", "service", "/api/v1/notifications").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn chats_and_messages_for_participants_only() {
    let server = Server::start(&[]);
    let mut renter = server.connect("r1", "renter").await;
    server.put_chat("c1", "r1", "h1").await;
    server.put_chat("c2", "r1", "h2").await;
    for i in 0..5 {
        let sent = renter.request(json!({"event": "message", "data": {"chatId": "c1", "toUserId": "h1", "message": format!("m{i}")}})).await;
        assert_eq!(sent["event"], "message-sent");
    }
    renter
        .request(
            json!({"event": "message", "data": {"chatId": "c2", "toUserId": "h2", "message": "other host"}}),
        )
        .await;

    let (status, chats) = server.get_as("h1", "host", "/api/v1/chats").await;
    assert_eq!(status, 200);
    assert_eq!(chats["items"].as_array().unwrap().len(), 1);
    assert_eq!(chats["items"][0]["id"], "c1");
    assert_eq!(
        chats["items"][0]["participants"],
        json!([{"id": "r1", "name": "r1"}, {"id": "h1", "name": "h1"}])
    );
    assert_eq!(chats["items"][0]["lastMessage"]["message"], "m4");
    let (_, chats) = server.get_as("r1", "renter", "/api/v1/chats").await;
    let ids: Vec<&str> =
        chats["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["c2", "c1"]);

    let (_, page) = server.get_as("h1", "host", "/api/v1/chats/c1/messages?limit=2").await;
    let texts: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|m| m["message"].as_str().unwrap()).collect();
    assert_eq!(texts, ["m4", "m3"]);
    assert_eq!(page["items"][0]["fromUserId"], "r1");
    let before = page["nextBefore"].as_i64().unwrap();
    let (_, page) = server.get_as("h1", "host", &format!("/api/v1/chats/c1/messages?before={before}")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert!(page["nextBefore"].is_null());

    let (status, outsider) = server.get_as("h2", "host", "/api/v1/chats/c1/messages").await;
    assert_eq!(status, 403);
    let (status, missing) = server.get_as("h2", "host", "/api/v1/chats/nope/messages").await;
    assert_eq!(status, 403);
    assert_eq!(outsider, missing, "a refusal must not reveal whether the chat exists");
    let (status, _) = server.get_as("a1", "admin", "/api/v1/chats/c1/messages").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bookings_for_participants_only() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    for (user, role, actions) in [
        ("h1", "host", json!(["confirmed", "rejected", "cancelled"])),
        ("r1", "renter", json!(["cancelled"])),
        ("a1", "admin", json!(["confirmed", "rejected", "cancelled"])),
    ] {
        let (status, booking) = server.get_as(user, role, "/api/v1/bookings/b1").await;
        assert_eq!(status, 200);
        for (field, value) in [
            ("id", json!("b1")),
            ("hostId", json!("h1")),
            ("hostName", json!("h1")),
            ("renterId", json!("r1")),
            ("renterName", json!("r1")),
            ("status", json!("pending")),
            ("title", json!("Canon EOS R6")),
            ("changedBy", Value::Null),
            ("changes", json!([])),
            ("actions", actions.clone()),
        ] {
            assert_eq!(booking[field], value, "{user}: {field} in {booking}");
        }
    }
    let (status, a) = server.get_as("x1", "renter", "/api/v1/bookings/b1").await;
    assert_eq!(status, 403);
    let (_, b) = server.get_as("x1", "renter", "/api/v1/bookings/none").await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let server = Server::start(&[]);
    let spec: Value =
        server.http.get(server.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/v1/publish", "post"),
        ("/api/v1/bookings/{id}", "put"),
        ("/api/v1/bookings/{id}", "get"),
        ("/api/v1/bookings", "get"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications", "delete"),
        ("/api/v1/notifications/unread-count", "get"),
        ("/api/v1/notifications/read", "post"),
        ("/api/v1/users/{id}", "put"),
        ("/api/v1/chats", "get"),
        ("/api/v1/chats/{id}", "put"),
        ("/api/v1/chats/{id}/messages", "get"),
        ("/healthz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path} undocumented");
    }
}
