//! Booking life cycle over the socket and the backend API: who may make
//! which transition, what everyone receives, exactly once.

mod common;

use common::*;
use serde_json::{json, Value};

fn update(booking: &str, status: &str) -> Value {
    json!({"event": "booking-update", "data": {"bookingId": booking, "status": status}, "ref": status})
}

#[tokio::test]
async fn host_confirms_and_everyone_concerned_hears_once() {
    let server = Server::start(&[]);
    let created = server.put_booking("b1", "h1", "r1", "pending").await;
    assert_eq!(created, json!({"id": "b1", "status": "pending"}));
    let mut host = server.connect("h1", "host").await;
    let mut host_phone = server.connect("h1", "host").await;
    let mut renter = server.connect("r1", "renter").await;
    let mut admin = server.connect("a1", "admin").await;
    // The renter is in user-r1 and booking-b1: still one copy.
    renter.request(json!({"event": "join", "data": {"room": "booking-b1"}})).await;
    admin.request(json!({"event": "join", "data": {"room": "booking-b1"}})).await;

    host.send(update("b1", "confirmed")).await;
    // The acting connection gets the effects first, then its reply.
    let change = host.expect("booking-status-changed").await;
    assert_eq!(change["data"]["status"], "confirmed");
    // No notification for one's own change (no unread, no popup).
    let reply = host.expect("booking-updated").await;
    assert_eq!(reply["ref"], "confirmed");
    assert_eq!(reply["data"], json!({"bookingId": "b1", "status": "confirmed", "previousStatus": "pending"}));

    for client in [&mut host_phone, &mut renter, &mut admin] {
        let change = client.expect("booking-status-changed").await;
        let data = &change["data"];
        assert_eq!(data["bookingId"], "b1");
        assert_eq!(data["status"], "confirmed");
        assert_eq!(data["previousStatus"], "pending");
        assert_eq!(data["changedBy"], "h1");
        assert!(data["at"].as_i64().unwrap() > 1_700_000_000_000);
        assert!(change["id"].is_string() && change["seq"].is_i64(), "{change}");
    }
    // The renter is told who the other party is; no names are known, so
    // ids. The host made the change: none of the host's devices is notified.
    let note = renter.expect("notification").await;
    assert_eq!(note["data"]["type"], "booking");
    assert_eq!(note["data"]["title"], "Booking confirmed");
    assert_eq!(note["data"]["body"], "Canon EOS R6 is confirmed.");
    assert_eq!(
        note["data"]["data"],
        json!({"bookingId": "b1", "status": "confirmed", "previousStatus": "pending", "item": "Canon EOS R6",
               "changedBy": "h1", "otherPartyId": "h1", "otherPartyName": "h1"})
    );
    assert_eq!(note["id"], note["data"]["id"]);
    for client in [&mut host, &mut host_phone, &mut renter, &mut admin] {
        client.expect_silence(200).await;
    }
}

#[tokio::test]
async fn full_life_cycle_and_illegal_transitions() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut host = server.connect("h1", "host").await;
    let mut renter = server.connect("r1", "renter").await;
    let mut outsider = server.connect("x1", "host").await;

    let expect_code = |frame: Value, code: &str| {
        assert_eq!(frame["event"], "error", "{frame}");
        assert_eq!(frame["data"]["code"], code, "{frame}");
    };
    // The renter may not confirm; an outsider may not touch it; a missing
    // booking looks the same as a foreign one.
    expect_code(renter.request(update("b1", "confirmed")).await, "forbidden");
    expect_code(outsider.request(update("b1", "cancelled")).await, "forbidden");
    expect_code(outsider.request(update("nope", "cancelled")).await, "forbidden");
    expect_code(host.request(update("b1", "in_progress")).await, "invalid-transition");
    expect_code(host.request(update("b1", "completed")).await, "invalid-transition");
    // Asking for the status it has changes nothing and is no error.
    assert_eq!(host.request(update("b1", "pending")).await["data"]["unchanged"], true);

    for status in ["confirmed", "in_progress", "completed"] {
        host.send(update("b1", status)).await;
        assert_eq!(host.expect("booking-status-changed").await["data"]["status"], status);
        assert_eq!(host.expect("booking-updated").await["data"]["status"], status);
        renter.expect("booking-status-changed").await;
        renter.expect("notification").await;
    }
    // Completed is final, even for the host.
    expect_code(host.request(update("b1", "cancelled")).await, "invalid-transition");
    expect_code(renter.request(update("b1", "cancelled")).await, "invalid-transition");
    outsider.expect_silence(100).await;
}

#[tokio::test]
async fn cancel_reject_and_admin_override() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    server.put_booking("b2", "h1", "r1", "confirmed").await;
    server.put_booking("b3", "h1", "r1", "pending").await;
    let mut renter = server.connect("r1", "renter").await;
    let mut host = server.connect("h1", "host").await;
    let mut admin = server.connect("a1", "admin").await;
    renter.send(update("b1", "cancelled")).await;
    assert_eq!(renter.expect("booking-status-changed").await["data"]["changedBy"], "r1");
    assert_eq!(renter.expect("booking-updated").await["data"]["bookingId"], "b1");
    let heard = host.expect("booking-status-changed").await;
    assert_eq!(
        (heard["data"]["bookingId"].as_str(), heard["data"]["changedBy"].as_str()),
        (Some("b1"), Some("r1"))
    );
    host.expect("notification").await;
    host.send(update("b2", "cancelled")).await;
    assert_eq!(host.expect("booking-status-changed").await["data"]["changedBy"], "h1");
    host.expect("booking-updated").await;
    // The admin is not a participant: only the reply comes back.
    let reply = admin.request(update("b3", "rejected")).await;
    assert_eq!(reply["event"], "booking-updated");
    assert_eq!(reply["data"]["previousStatus"], "pending");
    let heard = host.expect("booking-status-changed").await;
    assert_eq!(
        (heard["data"]["bookingId"].as_str(), heard["data"]["changedBy"].as_str()),
        (Some("b3"), Some("a1"))
    );
    assert_eq!(host.expect("notification").await["data"]["title"], "Booking declined");
}

#[tokio::test]
async fn a_new_booking_notifies_its_host() {
    let server = Server::start(&[]);
    let mut host = server.connect("h1", "host").await;
    let mut renter = server.connect("r1", "renter").await;
    server.put_booking("b1", "h1", "r1", "pending").await;
    let note = host.expect("notification").await;
    assert_eq!(note["data"]["title"], "Booking requested");
    assert_eq!(note["data"]["body"], "r1 requested Canon EOS R6.");
    assert_eq!(
        note["data"]["data"],
        json!({"bookingId": "b1", "status": "pending", "otherPartyId": "r1", "otherPartyName": "r1", "item": "Canon EOS R6"})
    );
    renter.expect_silence(150).await;
}

#[tokio::test]
async fn backend_status_change_is_announced() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut renter = server.connect("r1", "renter").await;
    let updated = server.put_booking("b1", "h1", "r1", "confirmed").await;
    assert_eq!(updated["status"], "confirmed");
    let change = renter.expect("booking-status-changed").await;
    assert_eq!(change["data"]["changedBy"], "backend");
    assert_eq!(change["data"]["previousStatus"], "pending");
    renter.expect("notification").await;
    // Same status again: nothing to announce.
    server.put_booking("b1", "h1", "r1", "confirmed").await;
    renter.expect_silence(200).await;
}

#[tokio::test]
async fn booking_api_validates_and_authenticates() {
    let server = Server::start(&[]);
    let url = server.url("/api/v1/bookings/b1");
    let body = json!({"hostId": "h1", "renterId": "r1", "status": "pending"});
    let r = server.http.put(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = server.http.put(&url).bearer_auth(token("h1", "host", 60)).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let service = token("backend", "service", 60);
    let r = server
        .http
        .put(&url)
        .bearer_auth(&service)
        .json(&json!({"hostId": "h1", "renterId": "r1", "status": "lost"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["code"], "invalid-payload");
    let r = server.http.put(&url).bearer_auth(&service).body("{oops").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "invalid-json");
    let r = server.http.put(&url).bearer_auth(&service).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = server.http.put(&url).bearer_auth(&service).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_host_removed_from_a_booking_hears_no_more_of_it() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut old_host = server.connect("h1", "host").await;
    let joined = old_host.request(json!({"event": "join", "data": {"room": "booking-b1"}, "ref": "j"})).await;
    assert_eq!(joined["event"], "joined", "{joined}");
    let mut admin = server.connect("a1", "admin").await;
    admin.request(json!({"event": "join", "data": {"room": "booking-b1"}, "ref": "j"})).await;

    // The backend gives the booking to another host, then confirms it.
    server.put_booking("b1", "h2", "r1", "pending").await;
    let mut new_host = server.connect("h2", "host").await;
    server.put_booking("b1", "h2", "r1", "confirmed").await;
    assert_eq!(new_host.expect("booking-status-changed").await["data"]["status"], "confirmed");
    assert_eq!(admin.expect("booking-status-changed").await["data"]["status"], "confirmed");
    old_host.expect_silence(300).await;

    // Nor on replay: the booking's events are no longer in the old host's scope.
    let frames = old_host.resume(0).await;
    assert!(!frames.iter().any(|f| f["event"] == "booking-status-changed"), "{frames:?}");
    // The admin, who joined the room, still replays it.
    let frames = admin.resume(0).await;
    assert!(frames.iter().any(|f| f["event"] == "booking-status-changed"), "{frames:?}");
}

#[tokio::test]
async fn a_second_click_answers_the_current_state_and_a_late_one_says_who_was_first() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut host = server.connect("h1", "host").await;
    let mut renter = server.connect("r1", "renter").await;
    // The renter cancels first; the host's confirm arrives too late.
    renter.send(update("b1", "cancelled")).await;
    renter.expect("booking-status-changed").await;
    renter.expect("booking-updated").await;
    host.expect("booking-status-changed").await;
    host.expect("notification").await;
    let late = host.request(update("b1", "confirmed")).await;
    assert_eq!(late["data"]["code"], "invalid-transition", "{late}");
    assert_eq!(late["data"]["message"], "already cancelled by r1");
    // Cancelling again (a double click, or both at once) is harmless: the
    // current state, nothing stored or announced.
    let events_before = server.count_events();
    let again = host.request(update("b1", "cancelled")).await;
    assert_eq!(
        again["data"],
        json!({"bookingId": "b1", "status": "cancelled", "previousStatus": "cancelled", "unchanged": true})
    );
    assert_eq!(server.count_events(), events_before);
    renter.expect_silence(150).await;
    // A move never possible from here says so, without blaming anyone.
    server.put_booking("b2", "h1", "r1", "confirmed").await;
    host.expect("notification").await;
    let never = host.request(update("b2", "completed")).await;
    assert_eq!(never["data"]["message"], "a booking cannot go from confirmed to completed");
}

#[tokio::test]
async fn a_user_lists_their_own_bookings_with_the_moves_they_may_make() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    server.put_booking("b2", "h2", "r1", "confirmed").await;
    server.put_booking("b3", "h1", "r2", "pending").await;
    server.put_booking("b4", "h9", "r9", "pending").await;
    let response = server
        .http
        .put(server.url("/api/v1/users/h1"))
        .bearer_auth(token("backend", "service", 600))
        .json(&json!({"displayName": "Amina"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut renter = server.connect("r1", "renter").await;
    renter.send(update("b1", "cancelled")).await;
    renter.expect("booking-status-changed").await;

    let (status, page) = server.get_as("r1", "renter", "/api/v1/bookings").await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["b1", "b2"], "latest activity first, only the caller's");
    let b1 = &page["items"][0];
    assert_eq!(b1["status"], "cancelled");
    assert_eq!(b1["otherPartyId"], "h1");
    assert_eq!(b1["otherPartyName"], "Amina");
    assert_eq!(b1["changedBy"], "r1");
    assert_eq!(b1["actions"], json!([]));
    assert_eq!(b1["title"], "Canon EOS R6");
    assert!(b1["chatId"].as_str().unwrap().starts_with("dm-"));
    assert_eq!(page["items"][1]["actions"], json!(["cancelled"]), "a renter may only cancel");

    let (_, hosted) = server.get_as("h1", "host", "/api/v1/bookings?role=host&status=pending").await;
    assert_eq!(hosted["items"].as_array().unwrap().len(), 1);
    assert_eq!(hosted["items"][0]["id"], "b3");
    assert_eq!(hosted["items"][0]["actions"], json!(["confirmed", "rejected", "cancelled"]));

    // Paging: one at a time, no gaps, no repeats.
    let mut seen = Vec::new();
    let mut path = "/api/v1/bookings?limit=1".to_owned();
    for _ in 0..4 {
        let (_, page) = server.get_as("r1", "renter", &path).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap().to_owned()));
        match page["nextBefore"].as_str() {
            Some(cursor) => path = format!("/api/v1/bookings?limit=1&before={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["b1", "b2"]);
    for bad in ["role=guest", "status=lost", "before=x", "limit=0"] {
        let (status, body) = server.get_as("r1", "renter", &format!("/api/v1/bookings?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // One booking, with who changed it and when.
    let (status, one) = server.get_as("h1", "host", "/api/v1/bookings/b1").await;
    assert_eq!(status, 200);
    assert_eq!(one["changes"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one["changes"][0]["status"], "cancelled");
    assert_eq!(one["changes"][0]["previousStatus"], "pending");
    assert_eq!(one["changes"][0]["changedBy"], "r1");
    assert!(one["changes"][0]["at"].as_i64().unwrap() > 0);
    let (status, _) = server.get_as("r2", "renter", "/api/v1/bookings/b1").await;
    assert_eq!(status, 403);
}
