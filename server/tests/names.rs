//! Names, not ids: display names from tokens and from the backend appear in
//! messages, booking changes, notifications and chat lists.

mod common;

use common::*;
use serde_json::json;

async fn connect_named(server: &Server, user: &str, role: &str, name: &str) -> Client {
    let token = sign(json!({ "sub": user, "role": role, "name": name, "exp": now() + 3600 }));
    let mut client = server.connect_with_header(&token).await;
    client.expect("authenticated").await;
    client
}

#[tokio::test]
async fn names_from_tokens_reach_messages_and_chat_lists() {
    let server = Server::start(&[]);
    let mut amina = connect_named(&server, "host-amina", "host", "Amina").await;
    let mut jean = connect_named(&server, "renter-jean", "renter", "Jean").await;
    server.put_chat("c1", "renter-jean", "host-amina").await;
    jean.request(json!({"event": "message", "data": {
        "chatId": "c1", "toUserId": "host-amina", "message": "Is the camera still free on Friday?"}}))
        .await;
    let message = amina.expect("new-message").await;
    assert_eq!(message["data"]["fromUserId"], "renter-jean");
    assert_eq!(message["data"]["fromName"], "Jean");
    let note = amina.expect("notification").await;
    assert_eq!(note["data"]["title"], "Message from Jean");
    assert_eq!(note["data"]["data"]["fromName"], "Jean");

    let (status, chats) = server.get_as("host-amina", "host", "/api/v1/chats").await;
    assert_eq!(status, 200);
    assert_eq!(
        chats["items"][0]["participants"],
        json!([{"id": "renter-jean", "name": "Jean"}, {"id": "host-amina", "name": "Amina"}])
    );
}

#[tokio::test]
async fn backend_names_appear_in_booking_changes_and_unknown_users_fall_back_to_ids() {
    let server = Server::start(&[]);
    let put = |id: &str, body: serde_json::Value| {
        server
            .http
            .put(server.url(&format!("/api/v1/users/{id}")))
            .bearer_auth(token("backend", "service", 3600))
            .json(&body)
            .send()
    };
    let ok = put("r1", json!({"displayName": "  Jean  "})).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<serde_json::Value>().await.unwrap(), json!({"id": "r1", "displayName": "Jean"}));
    // Bad input: a blank name, a wrong field, a user token.
    assert_eq!(put("r1", json!({"displayName": "   "})).await.unwrap().status(), 400);
    assert_eq!(put("r1", json!({"name": "Jean"})).await.unwrap().status(), 400);
    let as_user = server
        .http
        .put(server.url("/api/v1/users/r1"))
        .bearer_auth(token("r1", "renter", 3600))
        .json(&json!({"displayName": "Mallory"}))
        .send()
        .await
        .unwrap();
    assert_eq!(as_user.status(), 403);

    let mut host = server.connect("h1", "host").await;
    server.put_booking("b1", "h1", "r1", "pending").await;
    let request = host.expect("notification").await;
    assert_eq!(request["data"]["body"], "Jean requested Canon EOS R6.");
    assert_eq!(request["data"]["data"]["otherPartyName"], "Jean");

    let mut renter = server.connect("r1", "renter").await;
    host.send(json!({"event": "booking-update", "data": {"bookingId": "b1", "status": "confirmed"}})).await;
    let change = renter.expect("booking-status-changed").await;
    assert_eq!(change["data"]["renterName"], "Jean");
    // h1 has no name anywhere: the id stands in.
    assert_eq!(change["data"]["hostName"], "h1");
    assert_eq!(change["data"]["changedByName"], "h1");
    assert_eq!(change["data"]["item"], "Canon EOS R6");
    let note = renter.expect("notification").await;
    assert_eq!(note["data"]["data"]["otherPartyName"], "h1");
}

#[tokio::test]
async fn a_name_survives_a_restart_and_a_refreshed_token_renames() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir, &[]);
    connect_named(&server, "r1", "renter", "Jean").await.close().await;
    let dir = server.kill9();
    let server = Server::start_in(dir, &[]);
    let (_, booking) = {
        server.put_booking("b1", "h1", "r1", "pending").await;
        server.get_as("h1", "host", "/api/v1/bookings/b1").await
    };
    assert_eq!(booking["renterName"], "Jean");

    let mut jean = server.connect("r1", "renter").await;
    let renamed = sign(json!({ "sub": "r1", "role": "renter", "name": "Jean K.", "exp": now() + 3600 }));
    jean.request(json!({"event": "authenticate", "data": {"token": renamed}})).await;
    let (_, booking) = server.get_as("h1", "host", "/api/v1/bookings/b1").await;
    assert_eq!(booking["renterName"], "Jean K.");
}

#[tokio::test]
async fn the_backends_name_wins_over_a_tokens_and_names_lose_what_could_impersonate() {
    let server = Server::start(&[]);
    let rename = |id: &str, name: &str| {
        server
            .http
            .put(server.url(&format!("/api/v1/users/{id}")))
            .bearer_auth(token("backend", "service", 3600))
            .json(&json!({ "displayName": name }))
            .send()
    };
    assert_eq!(rename("renter-jean", "Jean Uwase").await.unwrap().status(), 200);
    let mut amina = connect_named(&server, "host-amina", "host", "Amina").await;
    // Jean's token says he is the marketplace's support desk.
    let mut jean = connect_named(&server, "renter-jean", "renter", "UrutiBiz Support").await;
    server.put_chat("c1", "renter-jean", "host-amina").await;
    jean.request(
        json!({"event": "message", "data": {"chatId": "c1", "message": "Please pay outside the app"}}),
    )
    .await;
    let message = amina.expect("new-message").await;
    assert_eq!(message["data"]["fromName"], "Jean Uwase");
    assert_eq!(amina.expect("notification").await["data"]["title"], "Message from Jean Uwase");

    // A token name built to read as someone else's: a right-to-left
    // override, zero-width spaces, blank fillers, 300 characters.
    let disguised = format!("\u{202E}anima\u{202C}\u{200B} \u{3164}\u{3164} host{}", "\u{2060}x".repeat(150));
    let mut eve = connect_named(&server, "eve", "renter", &disguised).await;
    server.put_chat("c2", "eve", "host-amina").await;
    eve.request(json!({"event": "message", "data": {"chatId": "c2", "message": "hi"}})).await;
    let shown = amina.expect("new-message").await["data"]["fromName"].as_str().unwrap().to_owned();
    assert!(shown.starts_with("anima host"), "{shown:?}");
    assert!(!shown
        .chars()
        .any(|c| matches!(c, '\u{202E}' | '\u{202C}' | '\u{200B}' | '\u{3164}' | '\u{2060}')));
    assert_eq!(shown.chars().count(), 80);
    // The backend's own input is cleaned the same way.
    let cleaned =
        rename("eve", "Eve\u{202E}\u{200B}").await.unwrap().json::<serde_json::Value>().await.unwrap();
    assert_eq!(cleaned["displayName"], "Eve");
}
