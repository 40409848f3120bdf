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

/// Each chat in `GET /api/v1/chats` as `(first other participant, unread)`.
async fn chat_unread(server: &Server, user: &str) -> Vec<(String, i64)> {
    let (status, body) = server.get_as(user, "host", "/api/v1/chats").await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let other = c["participants"].as_array().unwrap().iter().find(|p| p["id"] != user).unwrap();
            (other["id"].as_str().unwrap().to_owned(), c["unreadCount"].as_i64().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn chats_count_their_unread_messages_and_opening_one_reads_it_everywhere() {
    let server = Server::start(&["--first-contact-chats"]);
    let mut jean = server.connect("jean", "renter").await;
    let mut ann = server.connect("ann", "renter").await;
    let mut host = server.connect("h1", "host").await;
    let mut host_phone = server.connect("h1", "host").await;
    let mut chat_with_jean = String::new();
    for text in ["one", "two", "three"] {
        let sent =
            jean.request(json!({"event": "message", "data": {"toUserId": "h1", "message": text}})).await;
        chat_with_jean = sent["data"]["chatId"].as_str().unwrap().to_owned();
    }
    let sent = ann.request(json!({"event": "message", "data": {"toUserId": "h1", "message": "hi"}})).await;
    let chat_with_ann = sent["data"]["chatId"].as_str().unwrap().to_owned();
    // A notification that is not a message does not count for any chat.
    notify(&server, "user-h1", "system news").await;
    // Four messages and their notifications, then the news, on both devices.
    for device in [&mut host, &mut host_phone] {
        for _ in 0..9 {
            device.recv().await;
        }
    }
    assert_eq!(http_unread(&server, "h1", "host").await, 5);
    assert_eq!(chat_unread(&server, "h1").await, vec![("ann".into(), 1), ("jean".into(), 3)]);
    // The sender has nothing unread in the chats they wrote to.
    assert_eq!(chat_unread(&server, "jean").await, vec![("h1".into(), 0)]);

    // Opening Jean's chat on the laptop reads its three notifications, and the
    // phone hears which.
    let reply =
        host.request(json!({"event": "mark-read", "data": {"chatId": chat_with_jean}, "ref": "open"})).await;
    assert_eq!(reply["event"], "notifications-read", "{reply}");
    assert_eq!(reply["ref"], "open");
    assert_eq!(reply["data"]["ids"].as_array().unwrap().len(), 3);
    assert_eq!(reply["data"]["unreadCount"], 2);
    let synced = host_phone.expect("notifications-read").await;
    assert_eq!(synced["data"], reply["data"]);
    assert_eq!(chat_unread(&server, "h1").await, vec![("ann".into(), 1), ("jean".into(), 0)]);

    // Reading it again changes nothing; someone else's chat reads none of
    // the caller's notifications.
    let again = host.request(json!({"event": "mark-read", "data": {"chatId": chat_with_jean}})).await;
    assert_eq!(again["data"]["ids"], json!([]));
    let foreign = jean.request(json!({"event": "mark-read", "data": {"chatId": chat_with_ann}})).await;
    assert_eq!(foreign["data"]["ids"], json!([]));
    assert_eq!(http_unread(&server, "h1", "host").await, 2);

    // Over HTTP too; and a request naming two ways at once is refused.
    let post = |body: Value| {
        server
            .http
            .post(server.url("/api/v1/notifications/read"))
            .bearer_auth(token("h1", "host", 60))
            .json(&body)
            .send()
    };
    let r = post(json!({"chatId": chat_with_ann, "all": true})).await.unwrap();
    assert_eq!(r.status(), 400);
    let r = post(json!({"chatId": chat_with_ann})).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["unreadCount"], 1);
    assert_eq!(chat_unread(&server, "h1").await, vec![("ann".into(), 0), ("jean".into(), 0)]);
    assert_eq!(host.expect("notifications-read").await["data"]["unreadCount"], 1);
    let refused = host.request(json!({"event": "mark-read", "data": {"chatId": "", "upTo": 1}})).await;
    assert_eq!(refused["data"]["code"], "invalid-payload", "{refused}");
}
