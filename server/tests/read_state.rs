//! Read state per user, synced across connections and matching HTTP.

mod common;

use common::*;
use serde_json::{json, Value};

async fn notify(server: &Server, room: &str, title: &str) -> String {
    let r = server.publish(room, "notification", json!({"title": title, "body": "b"})).await;
    assert_eq!(r.status(), 202);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn http_unread(server: &Server, user: &str, role: &str) -> i64 {
    let (status, body) = server.get_as(user, role, "/api/v1/notifications/unread-count").await;
    assert_eq!(status, 200);
    body["unreadCount"].as_i64().unwrap()
}

#[tokio::test]
async fn mark_read_on_one_connection_updates_the_other() {
    let server = Server::start(&[]);
    let mut laptop = server.connect("u1", "renter").await;
    let mut phone = server.connect("u1", "renter").await;
    let first = notify(&server, "user-u1", "one").await;
    notify(&server, "user-u1", "two").await;
    let third = notify(&server, "user-u1", "three").await;
    for c in [&mut laptop, &mut phone] {
        for _ in 0..3 {
            c.expect("notification").await;
        }
    }
    assert_eq!(http_unread(&server, "u1", "renter").await, 3);

    let reply = laptop
        .request(json!({"event": "mark-read", "data": {"ids": [first, "not-mine"]}, "ref": "r1"}))
        .await;
    assert_eq!(reply["event"], "notifications-read");
    assert_eq!(reply["ref"], "r1");
    assert_eq!(reply["data"], json!({"ids": [first], "cleared": false, "unreadCount": 2}));
    let synced = phone.expect("notifications-read").await;
    assert_eq!(synced["data"], reply["data"]);
    assert!(synced.get("ref").is_none());
    laptop.expect_silence(100).await;
    assert_eq!(http_unread(&server, "u1", "renter").await, 2);

    let reply = phone.request(json!({"event": "mark-read", "data": {"upTo": 0}})).await;
    assert_eq!(reply["data"]["unreadCount"], 2);
    laptop.expect("notifications-read").await;

    let reply = phone.request(json!({"event": "mark-all-read", "ref": "all"})).await;
    assert_eq!(reply["data"]["unreadCount"], 0);
    let synced = laptop.expect("notifications-read").await;
    assert_eq!(synced["data"]["unreadCount"], 0);
    assert!(synced["data"]["upTo"].as_i64().unwrap() >= 3);
    assert_eq!(http_unread(&server, "u1", "renter").await, 0);

    // New connections learn the count in `authenticated`.
    notify(&server, "user-u1", "four").await;
    let mut tablet = server.connect_with_header(&token("u1", "renter", 600)).await;
    let hello = tablet.expect("authenticated").await;
    assert_eq!(hello["data"]["unreadCount"], 1);

    // HTTP read state reaches every socket of the user.
    let r = server
        .http
        .post(server.url("/api/v1/notifications/read"))
        .bearer_auth(token("u1", "renter", 60))
        .json(&json!({"all": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["unreadCount"], 0);
    assert_eq!(tablet.expect("notifications-read").await["data"]["unreadCount"], 0);
    let _ = third;
}

#[tokio::test]
async fn role_notifications_have_read_state_per_user() {
    let server = Server::start(&[]);
    let id = notify(&server, "role-host", "for all hosts").await;
    let mut h1 = server.connect("h1", "host").await;
    let reply = h1.request(json!({"event": "mark-read", "data": {"ids": [id]}})).await;
    assert_eq!(reply["data"]["unreadCount"], 0);
    assert_eq!(http_unread(&server, "h1", "host").await, 0);
    assert_eq!(http_unread(&server, "h2", "host").await, 1);
    assert_eq!(http_unread(&server, "r1", "renter").await, 0);
}

#[tokio::test]
async fn clear_empties_history_everywhere() {
    let server = Server::start(&[]);
    let mut a = server.connect("u1", "renter").await;
    let mut b = server.connect("u1", "renter").await;
    notify(&server, "user-u1", "one").await;
    a.expect("notification").await;
    b.expect("notification").await;
    let reply = a.request(json!({"event": "clear", "ref": "c"})).await;
    assert_eq!(reply["data"]["cleared"], true);
    assert_eq!(reply["data"]["unreadCount"], 0);
    assert_eq!(b.expect("notifications-read").await["data"]["cleared"], true);
    let (_, history) = server.get_as("u1", "renter", "/api/v1/notifications").await;
    assert_eq!(history["items"], json!([]));
    // Later notifications show up again.
    notify(&server, "user-u1", "two").await;
    let (_, history) = server.get_as("u1", "renter", "/api/v1/notifications").await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    // DELETE does the same over HTTP.
    let r = server
        .http
        .delete(server.url("/api/v1/notifications"))
        .bearer_auth(token("u1", "renter", 60))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, history) = server.get_as("u1", "renter", "/api/v1/notifications").await;
    assert_eq!(history["items"], json!([]));
}

#[tokio::test]
async fn mark_read_validation() {
    let server = Server::start(&[]);
    let mut c = server.connect("u1", "renter").await;
    for data in [
        json!({}),
        json!({"ids": []}),
        json!({"ids": ["a"], "upTo": 3}),
        json!({"upTo": -1}),
        json!({"ids": "a"}),
    ] {
        let err = c.request(json!({"event": "mark-read", "data": data})).await;
        assert_eq!(err["data"]["code"], "invalid-payload", "{data}");
    }
    let err = c.request(json!({"event": "resume", "data": {"after": -5}})).await;
    assert_eq!(err["data"]["code"], "invalid-payload");
}
