//! Room entitlement: own rooms only, booking and chat rooms for participants
//! and admins, refusals that reveal nothing, and the room cap.

mod common;

use common::*;
use serde_json::json;

async fn join(client: &mut Client, room: &str) -> serde_json::Value {
    client.request(json!({"event": "join", "data": {"room": room}, "ref": room})).await
}

#[tokio::test]
async fn participants_and_admins_join_booking_and_chat_rooms() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut host = server.connect("h1", "host").await;
    let mut renter = server.connect("r1", "renter").await;
    let mut admin = server.connect("a1", "admin").await;
    for client in [&mut host, &mut renter, &mut admin] {
        let reply = join(client, "booking-b1").await;
        assert_eq!(reply["event"], "joined");
        assert_eq!(reply["data"]["room"], "booking-b1");
        assert_eq!(reply["ref"], "booking-b1");
    }
    assert_eq!(server.put_chat("c1", "h1", "r1").await.0, 201);
    let sent = host
        .request(json!({"event": "message", "data": {"chatId": "c1", "message": "hi", "toUserId": "r1"}}))
        .await;
    assert_eq!(sent["event"], "message-sent");
    renter.expect("new-message").await;
    renter.expect("notification").await;
    assert_eq!(join(&mut renter, "chat-c1").await["event"], "joined");
    assert_eq!(join(&mut admin, "chat-c1").await["event"], "joined");
    // Joining twice is harmless and does not double delivery.
    assert_eq!(join(&mut admin, "chat-c1").await["event"], "joined");
    server.publish("chat-c1", "typing", json!({"userId": "h1"})).await;
    admin.expect("typing").await;
    admin.expect_silence(200).await;
}

#[tokio::test]
async fn forbidden_joins_reveal_nothing() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut outsider = server.connect("x1", "renter").await;
    let mut host = server.connect("h1", "host").await;
    server.put_chat("c1", "h1", "r1").await;
    host.request(json!({"event": "message", "data": {"chatId": "c1", "message": "hi", "toUserId": "r1"}}))
        .await;
    let mut refusals = Vec::new();
    for room in
        ["user-h1", "role-host", "role-admin", "booking-b1", "booking-missing", "chat-c1", "chat-missing"]
    {
        let err = join(&mut outsider, room).await;
        assert_eq!(err["event"], "error", "{room}: {err}");
        assert_eq!(err["data"]["code"], "forbidden", "{room}");
        assert_eq!(err["ref"], room);
        refusals.push(err["data"]["message"].clone());
    }
    // Same words whether or not the booking or chat exists.
    assert!(refusals.iter().all(|m| *m == refusals[0]), "{refusals:?}");
    // Not joined: a publish to the booking room does not reach the outsider.
    server.publish("booking-b1", "probe", json!({})).await;
    outsider.expect_silence(200).await;
}

#[tokio::test]
async fn admins_cannot_join_missing_bookings() {
    let server = Server::start(&[]);
    let mut admin = server.connect("a1", "admin").await;
    assert_eq!(join(&mut admin, "booking-nope").await["data"]["code"], "forbidden");
}

#[tokio::test]
async fn unknown_room_names_are_invalid() {
    let server = Server::start(&[]);
    let mut client = server.connect("u1", "host").await;
    for room in ["lobby", "general-1", "user-", "chat-has space", ""] {
        let err = join(&mut client, room).await;
        assert_eq!(err["data"]["code"], "invalid-room", "{room}");
    }
    let err = client.request(json!({"event": "leave", "data": {"room": "lobby"}})).await;
    assert_eq!(err["data"]["code"], "invalid-room");
}

#[tokio::test]
async fn leave_stops_delivery() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut host = server.connect("h1", "host").await;
    join(&mut host, "booking-b1").await;
    let left = host.request(json!({"event": "leave", "data": {"room": "booking-b1"}, "ref": "l"})).await;
    assert_eq!(left["event"], "left");
    assert_eq!(left["data"]["room"], "booking-b1");
    assert_eq!(left["ref"], "l");
    server.publish("booking-b1", "probe", json!({})).await;
    host.expect_silence(200).await;
    // Leaving again is not an error.
    assert_eq!(
        host.request(json!({"event": "leave", "data": {"room": "booking-b1"}})).await["event"],
        "left"
    );
}

#[tokio::test]
async fn room_cap_per_connection() {
    let server = Server::start(&["--max-rooms", "4"]);
    for i in 0..3 {
        server.put_booking(&format!("b{i}"), "h1", "r1", "pending").await;
    }
    let mut host = server.connect("h1", "host").await;
    assert_eq!(join(&mut host, "booking-b0").await["event"], "joined");
    assert_eq!(join(&mut host, "booking-b1").await["event"], "joined");
    let err = join(&mut host, "booking-b2").await;
    assert_eq!(err["data"]["code"], "room-limit");
    // Re-joining a room already held does not count.
    assert_eq!(join(&mut host, "booking-b1").await["event"], "joined");
    host.request(json!({"event": "leave", "data": {"room": "booking-b0"}})).await;
    assert_eq!(join(&mut host, "booking-b2").await["event"], "joined");
}
