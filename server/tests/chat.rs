//! Chat: first contact creates the chat, only its two participants write,
//! every connection of both hears it except the sending one.

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

#[tokio::test]
async fn message_reaches_both_participants_except_sender_connection() {
    let server = Server::start(&[]);
    let mut renter = server.connect("r1", "renter").await;
    let mut renter_laptop = server.connect("r1", "renter").await;
    let mut host = server.connect("h1", "host").await;
    let mut other = server.connect("x1", "host").await;

    let sent = renter.request(message("c1", "Is the camera free on Friday?", Some("h1"))).await;
    assert_eq!(sent["event"], "message-sent", "{sent}");
    assert_eq!(sent["ref"], "m");
    assert_eq!(sent["data"]["chatId"], "c1");
    let message_id = sent["data"]["messageId"].as_str().unwrap().to_owned();

    for client in [&mut host, &mut renter_laptop] {
        let got = client.expect("new-message").await;
        assert_eq!(got["data"]["chatId"], "c1");
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
        json!({"chatId": "c1", "messageId": message_id, "fromUserId": "r1", "fromName": "r1"})
    );
    renter.expect_silence(150).await;
    renter_laptop.expect_silence(50).await;
    other.expect_silence(50).await;

    // The reply needs no toUserId once the chat exists.
    host.send(message("c1", "Yes it is", None)).await;
    assert_eq!(host.expect("message-sent").await["ref"], "m");
    assert_eq!(renter.expect("new-message").await["data"]["fromUserId"], "h1");
    assert_eq!(renter.expect("notification").await["data"]["type"], "message");
}

#[tokio::test]
async fn only_participants_write() {
    let server = Server::start(&[]);
    let mut renter = server.connect("r1", "renter").await;
    let mut intruder = server.connect("x1", "renter").await;
    let mut admin = server.connect("a1", "admin").await;
    renter.request(message("c1", "hello", Some("h1"))).await;
    let err = intruder.request(message("c1", "spam", Some("h1"))).await;
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
    let mut renter = server.connect("r1", "renter").await;
    let long = "é".repeat(4001);
    let exact = "é".repeat(4000);
    for (frame, why) in [
        (message("c1", "   \n", Some("h1")), "blank"),
        (message("c1", &long, Some("h1")), "too long"),
        (message("c1", "hi", Some("r1")), "chat with oneself"),
        (message("bad id", "hi", Some("h1")), "bad chat id"),
        (json!({"event": "message", "data": {"chatId": "c1", "message": 5, "toUserId": "h1"}}), "wrong type"),
    ] {
        let err = renter.request(frame).await;
        assert_eq!(err["data"]["code"], "invalid-payload", "{why}: {err}");
    }
    assert_eq!(renter.request(message("c1", &exact, Some("h1"))).await["event"], "message-sent");
}

#[tokio::test]
async fn missing_and_foreign_chats_answer_alike() {
    let server = Server::start(&[]);
    let mut renter = server.connect("r1", "renter").await;
    let mut prober = server.connect("x1", "renter").await;
    renter.request(message("c-real", "hello", Some("h1"))).await;
    let foreign = prober.request(message("c-real", "hi", None)).await;
    let missing = prober.request(message("c-none", "hi", None)).await;
    assert_eq!(foreign["data"]["code"], "forbidden", "{foreign}");
    assert_eq!(foreign["data"], missing["data"], "an outsider can tell which chat ids exist");
}
