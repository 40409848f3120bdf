//! Chat: two users have one chat, with an id the server derives; it starts
//! only between booking participants (or any users, when configured), or
//! the backend opens it; only its two participants write; every connection
//! of both hears it except the sending one; quotas are per user.

mod common;

use common::*;
use serde_json::json;

fn message(chat: &str, text: &str, to: Option<&str>) -> serde_json::Value {
    let mut data = json!({"chatId": chat, "message": text});
    if let Some(to) = to {
        data["toUserId"] = json!(to);
    }
    json!({"event": "message", "data": data, "ref": "m"})
}

fn message_to(to: &str, text: &str) -> serde_json::Value {
    json!({"event": "message", "data": {"toUserId": to, "message": text}, "ref": "m"})
}

#[tokio::test]
async fn message_reaches_both_participants_except_sender_connection() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut renter = server.connect("r1", "renter").await;
    let mut renter_laptop = server.connect("r1", "renter").await;
    let mut host = server.connect("h1", "host").await;
    let mut other = server.connect("x1", "host").await;

    let sent = renter.request(message_to("h1", "Is the camera free on Friday?")).await;
    assert_eq!(sent["event"], "message-sent", "{sent}");
    assert_eq!(sent["ref"], "m");
    let chat_id = sent["data"]["chatId"].as_str().unwrap().to_owned();
    assert!(chat_id.starts_with("dm-"), "{chat_id}");
    let message_id = sent["data"]["messageId"].as_str().unwrap().to_owned();

    for client in [&mut host, &mut renter_laptop] {
        let got = client.expect("new-message").await;
        assert_eq!(got["data"]["chatId"], chat_id.as_str());
        assert_eq!(got["data"]["messageId"], message_id.as_str());
        assert_eq!(got["data"]["fromUserId"], "r1");
        assert_eq!(got["data"]["message"], "Is the camera free on Friday?");
        assert_eq!(got["data"]["at"], sent["data"]["at"]);
        assert_eq!(got["id"], message_id.as_str());
    }
    // The recipient also gets a notification; the sender's devices do not.
    let note = host.expect("notification").await;
    assert_eq!(note["data"]["type"], "message");
    assert_eq!(note["data"]["title"], "Message from r1");
    assert_eq!(note["data"]["body"], "Is the camera free on Friday?");
    // r1 has no display name: the id stands in.
    assert_eq!(
        note["data"]["data"],
        json!({"chatId": chat_id, "messageId": message_id, "fromUserId": "r1", "fromName": "r1"})
    );
    renter.expect_silence(150).await;
    renter_laptop.expect_silence(50).await;
    other.expect_silence(50).await;

    // The reply by chat id needs no toUserId; writing to the other user by
    // id lands in the same chat, from either side.
    host.send(message(&chat_id, "Yes it is", None)).await;
    assert_eq!(host.expect("message-sent").await["ref"], "m");
    assert_eq!(renter.expect("new-message").await["data"]["fromUserId"], "h1");
    assert_eq!(renter.expect("notification").await["data"]["type"], "message");
    let again = host.request(message_to("r1", "See you Friday")).await;
    assert_eq!(again["data"]["chatId"], chat_id.as_str());
}

#[tokio::test]
async fn strangers_cannot_start_a_chat_unless_configured() {
    let server = Server::start(&[]);
    let mut stranger = server.connect("x1", "renter").await;
    let err = stranger.request(message_to("h1", "buy followers")).await;
    assert_eq!(err["data"]["code"], "forbidden", "{err}");
    assert!(err["data"]["message"].as_str().unwrap().contains("share a booking"), "{err}");
    let (_, chats) = server.get_as("h1", "host", "/api/v1/chats").await;
    assert_eq!(chats["items"], json!([]), "a refused first message must not create a chat");

    // Once the backend registers a booking between them, they may write.
    server.put_booking("b1", "h1", "x1", "pending").await;
    assert_eq!(stranger.request(message_to("h1", "hello")).await["event"], "message-sent");

    let open = Server::start(&["--first-contact-chats"]);
    let mut stranger = open.connect("x1", "renter").await;
    assert_eq!(stranger.request(message_to("h1", "a question first")).await["event"], "message-sent");
}

#[tokio::test]
async fn invented_chat_ids_are_not_claimed() {
    // Clients of the seed name chats themselves; the id is not taken over:
    // the message goes to the pair's chat, and the same invented id used by
    // another pair reaches only that pair.
    let server = Server::start(&["--first-contact-chats"]);
    let mut renter = server.connect("r1", "renter").await;
    let mut squatter = server.connect("x1", "renter").await;
    let mut host = server.connect("h1", "host").await;
    let first = squatter.request(message("c1", "I was here first", Some("h2"))).await;
    let mine = renter.request(message("c1", "hello", Some("h1"))).await;
    assert_eq!(first["event"], "message-sent", "{first}");
    assert_eq!(mine["event"], "message-sent", "{mine}");
    assert_ne!(first["data"]["chatId"], "c1");
    assert_ne!(first["data"]["chatId"], mine["data"]["chatId"]);
    let got = host.expect("new-message").await;
    assert_eq!(got["data"]["fromUserId"], "r1");
    host.expect("notification").await;
    host.expect_silence(100).await;
    // The squatter cannot write into the renter's chat by its real id.
    let err = squatter.request(message(mine["data"]["chatId"].as_str().unwrap(), "hi", None)).await;
    assert_eq!(err["data"]["code"], "forbidden");
}

#[tokio::test]
async fn only_participants_write() {
    let server = Server::start(&[]);
    server.put_chat("c1", "r1", "h1").await;
    let mut renter = server.connect("r1", "renter").await;
    let mut intruder = server.connect("x1", "renter").await;
    let mut admin = server.connect("a1", "admin").await;
    assert_eq!(renter.request(message("c1", "hello", Some("h1"))).await["event"], "message-sent");
    let err = intruder.request(message("c1", "spam", None)).await;
    assert_eq!(err["data"]["code"], "forbidden");
    let err = admin.request(message("c1", "staff", None)).await;
    assert_eq!(err["data"]["code"], "forbidden");
    // A participant cannot redirect the chat to a third user.
    let err = renter.request(message("c1", "hi", Some("x1"))).await;
    assert_eq!(err["data"]["code"], "forbidden");
    intruder.expect_silence(100).await;
}

#[tokio::test]
async fn message_validation() {
    let server = Server::start(&[]);
    server.put_chat("c1", "r1", "h1").await;
    let mut renter = server.connect("r1", "renter").await;
    let long = "é".repeat(4001);
    let exact = "é".repeat(4000);
    for (frame, why) in [
        (message("c1", "   \n", Some("h1")), "blank"),
        (message("c1", &long, Some("h1")), "too long"),
        (message("c1", "hi", Some("r1")), "chat with oneself"),
        (message("bad id", "hi", Some("h1")), "bad chat id"),
        (message_to("bad id", "hi"), "bad user id"),
        (json!({"event": "message", "data": {"message": "hi"}}), "neither chat nor user"),
        (json!({"event": "message", "data": {"chatId": "c1", "message": 5, "toUserId": "h1"}}), "wrong type"),
    ] {
        let err = renter.request(frame).await;
        assert_eq!(err["data"]["code"], "invalid-payload", "{why}: {err}");
    }
    assert_eq!(renter.request(message("c1", &exact, Some("h1"))).await["event"], "message-sent");
}

#[tokio::test]
async fn missing_and_foreign_chats_answer_alike() {
    let server = Server::start(&["--first-contact-chats"]);
    server.put_chat("c-real", "r1", "h1").await;
    let mut prober = server.connect("x1", "renter").await;
    let foreign = prober.request(message("c-real", "hi", None)).await;
    let missing = prober.request(message("c-none", "hi", None)).await;
    assert_eq!(foreign["data"]["code"], "forbidden", "{foreign}");
    assert_eq!(foreign["data"], missing["data"], "an outsider can tell which chat ids exist");
    // With someone to write to, both fall back to the prober's own chat.
    let foreign = prober.request(message("c-real", "hi", Some("h9"))).await;
    let missing = prober.request(message("c-none", "hi", Some("h9"))).await;
    assert_eq!(foreign["event"], "message-sent", "{foreign}");
    assert_eq!(foreign["data"]["chatId"], missing["data"]["chatId"]);
}

#[tokio::test]
async fn backend_opens_chats_and_ids_are_never_taken_over() {
    let server = Server::start(&[]);
    let (status, body) = server.put_chat("support-7", "r1", "a1").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, json!({"id": "support-7", "participants": ["r1", "a1"]}));
    assert_eq!(server.put_chat("support-7", "a1", "r1").await.0, 200, "repeating is harmless");
    let (status, body) = server.put_chat("support-7", "r1", "x1").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    for (a, b) in [("r1", "r1"), ("r1", "bad id")] {
        assert_eq!(server.put_chat("c9", a, b).await.0, 400, "{a} {b}");
    }
    let response = server
        .http
        .put(server.url("/api/v1/chats/c9"))
        .bearer_auth(token("r1", "renter", 600))
        .json(&json!({"participants": ["r1", "h1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "users cannot open chats over HTTP");

    let mut renter = server.connect("r1", "renter").await;
    let mut staff = server.connect("a1", "admin").await;
    assert_eq!(
        renter.request(message("support-7", "my payout is late", None)).await["event"],
        "message-sent"
    );
    assert_eq!(staff.expect("new-message").await["data"]["chatId"], "support-7");
}

#[tokio::test]
async fn message_quota_is_per_user_across_connections() {
    let server = Server::start(&["--user-messages", "3/min"]);
    server.put_chat("c1", "r1", "h1").await;
    let mut phone = server.connect("r1", "renter").await;
    let mut laptop = server.connect("r1", "renter").await;
    for _ in 0..2 {
        assert_eq!(phone.request(message("c1", "hi", None)).await["event"], "message-sent");
        laptop.expect("new-message").await;
    }
    assert_eq!(laptop.request(message("c1", "hi", None)).await["event"], "message-sent");
    phone.expect("new-message").await;
    let err = phone.request(message("c1", "one more", None)).await;
    assert_eq!(err["data"]["code"], "rate-limited", "{err}");
    assert!(err["data"]["message"].as_str().unwrap().contains("try again in"), "{err}");
    assert_eq!(err["ref"], "m");
    laptop.expect_silence(100).await;
    // Another user has their own quota; the limited one stays connected.
    let mut host = server.connect("h1", "host").await;
    assert_eq!(host.request(message("c1", "hello", None)).await["event"], "message-sent");
    phone.expect("new-message").await;
}

#[tokio::test]
async fn new_chat_quota_stops_a_spammer_but_not_existing_chats() {
    let server = Server::start(&["--first-contact-chats", "--user-new-chats", "3/h"]);
    let mut spammer = server.connect("x1", "renter").await;
    let mut chat_ids = Vec::new();
    for i in 0..3 {
        let sent = spammer.request(message_to(&format!("victim-{i}"), "cheap cameras")).await;
        assert_eq!(sent["event"], "message-sent", "{sent}");
        chat_ids.push(sent["data"]["chatId"].as_str().unwrap().to_owned());
    }
    let mut victim = server.connect("victim-9", "host").await;
    let err = spammer.request(message_to("victim-9", "cheap cameras")).await;
    assert_eq!(err["data"]["code"], "rate-limited", "{err}");
    victim.expect_silence(100).await;
    let (_, unread) = server.get_as("victim-9", "host", "/api/v1/notifications/unread-count").await;
    assert_eq!(unread["unreadCount"], 0, "{unread}");
    // Chats already open take messages as before.
    assert_eq!(spammer.request(message(&chat_ids[0], "still here", None)).await["event"], "message-sent");
}

#[tokio::test]
async fn chat_list_pages_without_gaps_or_repeats() {
    let server = Server::start(&[]);
    for i in 0..7 {
        server.put_chat(&format!("c{i}"), "r1", &format!("h{i}")).await;
    }
    let mut renter = server.connect("r1", "renter").await;
    // Activity order: c3, c5 have messages (c3 latest); the rest have none.
    renter.request(message("c5", "first", None)).await;
    renter.request(message("c3", "second", None)).await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/chats?limit=3".to_owned();
    for _ in 0..5 {
        let (status, page) = server.get_as("r1", "renter", &path).await;
        assert_eq!(status, 200, "{page}");
        for chat in page["items"].as_array().unwrap() {
            seen.push(chat["id"].as_str().unwrap().to_owned());
        }
        match page["nextBefore"].as_str() {
            Some(cursor) => path = format!("/api/v1/chats?limit=3&before={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["c3", "c5", "c6", "c4", "c2", "c1", "c0"]);
    for bad in ["x", "-1:c1", "5", "5:bad id"] {
        let (status, body) = server.get_as("r1", "renter", &format!("/api/v1/chats?before={bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}
