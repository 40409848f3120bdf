//! Resume: missed events come back exactly once, in order, also while
//! publishing goes on; booking changes collapse, chat messages do not.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Frames of the given event, with their `data.n`.
fn numbers(frames: &[Value], event: &str) -> Vec<i64> {
    frames.iter().filter(|f| f["event"] == event).map(|f| f["data"]["n"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn missed_events_replay_in_order_then_live() {
    let server = Server::start(&[]);
    let mut client = server.connect("u1", "renter").await;
    server.publish("user-u1", "tick", json!({"n": -1})).await;
    let seen = client.expect("tick").await["seq"].as_i64().unwrap();
    client.close().await;
    for n in 0..50 {
        assert_eq!(server.publish("user-u1", "tick", json!({"n": n})).await.status(), 202);
    }
    // Someone else's events are not replayed.
    server.publish("user-u2", "tick", json!({"n": 999})).await;
    let mut client = server.connect("u1", "renter").await;
    let frames = client.resume(seen).await;
    let done = frames.last().unwrap();
    assert_eq!(done["event"], "resumed", "{done}");
    assert_eq!(done["data"]["replayed"], 50);
    assert_eq!(done["data"]["collapsed"], 0);
    assert_eq!(numbers(&frames, "tick"), (0..50).collect::<Vec<_>>());
    let seqs: Vec<i64> = frames[..50].iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(done["data"]["seq"], seqs[49]);
    server.publish("user-u1", "tick", json!({"n": 50})).await;
    assert_eq!(client.expect("tick").await["data"]["n"], 50);
    client.expect_silence(200).await;
}

#[tokio::test]
async fn replay_during_concurrent_publishing_loses_and_repeats_nothing() {
    let server = Server::start(&[]);
    let client = server.connect("u1", "renter").await;
    client.close().await;
    const MISSED: i64 = 1200;
    const DURING: i64 = 400;
    for n in 0..MISSED {
        server.publish("user-u1", "tick", json!({"n": n})).await;
    }
    let mut client = server.connect("u1", "renter").await;
    client.send(json!({"event": "resume", "data": {"after": 0}, "ref": "resume"})).await;
    // The first replayed event: the replay has begun. Publishing starts now,
    // so nothing live can precede the replay (the client asked for everything
    // after 0; an event it got live before asking would rightly come again).
    let mut frames = vec![client.recv().await];
    assert_eq!(frames[0]["data"]["n"], 0, "{}", frames[0]);
    let publisher = {
        let http = server.http.clone();
        let url = server.url("/api/v1/publish");
        tokio::spawn(async move {
            for n in MISSED..MISSED + DURING {
                let body = json!({"room": "user-u1", "event": "tick", "data": {"n": n}});
                let r = http
                    .post(&url)
                    .bearer_auth(token("backend", "service", 600))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 202);
            }
        })
    };
    while frames.last().unwrap()["ref"] != "resume" {
        frames.push(client.recv().await);
    }
    assert_eq!(frames.last().unwrap()["event"], "resumed");
    publisher.await.unwrap();
    // Whatever the replay did not cover arrives live.
    loop {
        let got = numbers(&frames, "tick");
        if got.last() == Some(&(MISSED + DURING - 1)) {
            break;
        }
        frames.push(client.recv().await);
    }
    assert_eq!(numbers(&frames, "tick"), (0..MISSED + DURING).collect::<Vec<_>>());
    client.expect_silence(200).await;
}

#[tokio::test]
async fn booking_changes_collapse_but_messages_do_not() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut host = server.connect("h1", "host").await;
    let mut renter_phone = server.connect("r1", "renter").await;
    let start = renter_phone
        .request(json!({"event": "authenticate", "data": {"token": token("r1", "renter", 600)}}))
        .await;
    let after = start["data"]["headSeq"].as_i64().unwrap();
    renter_phone.close().await;
    for (i, status) in ["confirmed", "in_progress", "completed"].into_iter().enumerate() {
        host.send(json!({"event": "booking-update", "data": {"bookingId": "b1", "status": status}})).await;
        host.expect("booking-status-changed").await;
        host.expect("booking-updated").await;
        host.send(json!({"event": "message", "data": {"chatId": "c1", "toUserId": "r1", "message": format!("update {i}")}})).await;
        host.expect("message-sent").await;
    }
    let mut renter = server.connect("r1", "renter").await;
    let frames = renter.resume(after).await;
    let changes: Vec<&Value> = frames.iter().filter(|f| f["event"] == "booking-status-changed").collect();
    assert_eq!(changes.len(), 1, "{frames:?}");
    assert_eq!(changes[0]["data"]["status"], "completed");
    assert_eq!(changes[0]["data"]["previousStatus"], "pending");
    assert_eq!(changes[0]["data"]["collapsed"], 2);
    let messages: Vec<&Value> = frames.iter().filter(|f| f["event"] == "new-message").collect();
    assert_eq!(
        messages.iter().map(|m| m["data"]["message"].as_str().unwrap()).collect::<Vec<_>>(),
        ["update 0", "update 1", "update 2"]
    );
    // Three booking notifications and three message notifications.
    let kinds: Vec<&str> = frames
        .iter()
        .filter(|f| f["event"] == "notification")
        .map(|f| f["data"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["booking", "message", "booking", "message", "booking", "message"]);
    let done = frames.last().unwrap();
    assert_eq!(done["data"]["collapsed"], 2);
    assert_eq!(done["data"]["replayed"], 10);
    assert_eq!(done["data"]["unreadCount"], 6);
    // Everything still in seq order.
    let seqs: Vec<i64> = frames.iter().filter_map(|f| f["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn admins_replay_rooms_they_joined() {
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "r1", "pending").await;
    let mut admin = server.connect("a1", "admin").await;
    let start = admin.request(json!({"event": "join", "data": {"room": "booking-b1"}})).await;
    assert_eq!(start["event"], "joined");
    server.put_booking("b1", "h1", "r1", "confirmed").await;
    admin.expect("booking-status-changed").await;
    let mut later = server.connect("a1", "admin").await;
    later.request(json!({"event": "join", "data": {"room": "booking-b1"}})).await;
    let frames = later.resume(0).await;
    assert_eq!(frames.iter().filter(|f| f["event"] == "booking-status-changed").count(), 1);
    // Not joined: nothing of the booking.
    let mut other = server.connect("a1", "admin").await;
    let frames = other.resume(0).await;
    assert_eq!(frames.len(), 1, "{frames:?}");
}

#[tokio::test]
async fn retention_boundary_requires_resync() {
    let server = Server::start(&["--retention-per-user", "5", "--prune-interval", "100ms"]);
    let mut client = server.connect("u1", "renter").await;
    let hello =
        client.request(json!({"event": "authenticate", "data": {"token": token("u1", "renter", 600)}})).await;
    let after = hello["data"]["headSeq"].as_i64().unwrap();
    client.close().await;
    for n in 0..20 {
        server.publish("user-u1", "notification", json!({"title": format!("n{n}"), "body": "b"})).await;
    }
    let mut kept = 0;
    for _ in 0..50 {
        kept = server.count_events();
        if kept == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(kept, 5, "retention did not prune");
    let mut client = server.connect("u1", "renter").await;
    let frames = client.resume(after).await;
    assert_eq!(frames.len(), 1, "{frames:?}");
    let resync = &frames[0];
    assert_eq!(resync["event"], "resync-required");
    assert_eq!(resync["data"]["after"], after);
    assert!(resync["data"]["prunedUpto"].as_i64().unwrap() > after);
    let head = resync["data"]["headSeq"].as_i64().unwrap();
    // History has what is left; resuming from the head works.
    let (status, history) = server.get_as("u1", "renter", "/api/v1/notifications").await;
    assert_eq!(status, 200);
    let titles: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["n19", "n18", "n17", "n16", "n15"]);
    let frames = client.resume(head).await;
    assert_eq!(frames.last().unwrap()["event"], "resumed");
    assert_eq!(frames.last().unwrap()["data"]["replayed"], 0);
    // A position the server never issued (database replaced) also resyncs.
    let frames = client.resume(head + 1000).await;
    assert_eq!(frames.last().unwrap()["event"], "resync-required");
}

#[tokio::test]
async fn a_role_broadcast_is_one_insert_and_a_booking_change_three() {
    let server = Server::start(&[]);
    let mut hosts = Vec::new();
    for i in 0..40 {
        hosts.push(server.connect(&format!("h{i}"), "host").await);
    }
    server.put_booking("b1", "h0", "r1", "pending").await;
    let before = server.count_events();
    assert_eq!(
        server.publish("role-host", "notification", json!({"title": "Fees", "body": "New"})).await.status(),
        202
    );
    for host in &mut hosts {
        host.expect_event_skipping("notification", "Fees").await;
    }
    assert_eq!(server.count_events(), before + 1);
    server.put_booking("b1", "h0", "r1", "confirmed").await;
    assert_eq!(server.count_events(), before + 4);
}

#[tokio::test]
async fn resuming_in_the_handshake_lets_nothing_live_overtake_the_replay() {
    let server = Server::start(&[]);
    for n in 0..600 {
        server.publish("user-u1", "tick", json!({"n": n})).await;
    }
    let publisher = {
        let http = server.http.clone();
        let url = server.url("/api/v1/publish");
        tokio::spawn(async move {
            for n in 600..800 {
                let body = json!({"room": "user-u1", "event": "tick", "data": {"n": n}});
                http.post(&url)
                    .bearer_auth(token("backend", "service", 600))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
            }
        })
    };
    // Header authentication with `?after=`: replay first, then live.
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{}/ws?after=0", server.addr),
    )
    .unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {}", token("u1", "renter", 600)).parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut client = Client { ws };
    client.expect("authenticated").await;
    let mut seen = Vec::new();
    let mut resumed = false;
    while seen.len() < 800 {
        let frame = client.recv().await;
        match frame["event"].as_str().unwrap() {
            "tick" => seen.push(frame["data"]["n"].as_i64().unwrap()),
            "resumed" => resumed = true,
            other => panic!("unexpected {other}"),
        }
    }
    publisher.await.unwrap();
    assert!(resumed);
    assert_eq!(seen, (0..800).collect::<Vec<_>>(), "out of order or repeated");

    // The browser way: `resumeAfter` in the first frame.
    let mut browser = server.connect_bare().await;
    browser.send(json!({"event": "authenticate", "data": {"token": token("u1", "renter", 600), "resumeAfter": 790}, "ref": "a"})).await;
    assert_eq!(browser.expect("authenticated").await["ref"], "a");
    let mut ticks = Vec::new();
    loop {
        let frame = browser.recv().await;
        if frame["event"] == "resumed" {
            assert_eq!(frame["data"]["replayed"], 10);
            break;
        }
        ticks.push(frame["data"]["n"].as_i64().unwrap());
    }
    // Positions are seq, and tick n was stored at seq n + 1.
    assert_eq!(ticks, (790..800).collect::<Vec<_>>());
    let mut err = server.connect_bare().await;
    err.send(
        json!({"event": "authenticate", "data": {"token": token("u1", "renter", 600), "resumeAfter": -1}}),
    )
    .await;
    err.expect_error("unauthorized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_mid_replay_is_cut_off_at_token_expiry() {
    let server = Server::start(&[]);
    // About 16 MiB of history: far more than loopback socket buffers hold.
    let filler = "x".repeat(8 * 1024);
    for n in 0..2000 {
        let r = server.publish("user-u1", "bulk", json!({"n": n, "filler": filler})).await;
        assert_eq!(r.status(), 202);
    }
    // Resumes from the start with a 3 s token, then never reads.
    let mut request = format!("ws://{}/ws?after=0", server.addr).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {}", token("u1", "renter", 3)).parse().unwrap());
    let (stalled, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(server.wait_for_metric("realtime_connections", 1.0).await, 1.0);
    // The replay blocks on the full socket; expiry must still end it.
    let started = std::time::Instant::now();
    let mut open = 1.0;
    while started.elapsed() < Duration::from_secs(20) {
        open = metric(&server.metrics().await, "realtime_connections");
        if open == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(open, 0.0, "the stalled replay outlived its token by more than 17 s");
    drop(stalled);
    // Others are served meanwhile and after.
    let mut other = server.connect("u2", "host").await;
    server.publish("user-u2", "ping-test", json!({})).await;
    other.expect("ping-test").await;
}

#[tokio::test]
async fn replay_merges_every_room_of_the_user_across_pages() {
    // Pages are built from one index range per room; interleave five rooms
    // over more than two pages and check nothing is lost, repeated or
    // reordered, and no one else's events slip in.
    let server = Server::start(&[]);
    server.put_booking("b1", "h1", "u1", "pending").await;
    server.put_booking("b2", "h2", "u1", "pending").await;
    server.put_booking("b3", "h3", "u9", "pending").await;
    server.put_chat("c1", "u1", "h1").await;
    let rooms = ["user-u1", "role-renter", "booking-b1", "booking-b2", "chat-c1", "user-u2", "booking-b3"];
    const EVENTS: i64 = 1500;
    for n in 0..EVENTS {
        // An uneven pattern, so rooms run in long and short stretches.
        let room = rooms[((n * n + n / 7) % rooms.len() as i64) as usize];
        assert_eq!(server.publish(room, "tick", json!({"n": n, "room": room})).await.status(), 202);
    }
    let mut client = server.connect("u1", "renter").await;
    let frames = client.resume(0).await;
    let done = frames.last().unwrap();
    assert_eq!(done["event"], "resumed", "{done}");
    let expected: Vec<i64> = (0..EVENTS)
        .filter(|n| {
            let room = rooms[((n * n + n / 7) % rooms.len() as i64) as usize];
            room != "user-u2" && room != "booking-b3"
        })
        .collect();
    assert!(expected.len() > 1000, "the test must span more than two pages");
    assert_eq!(numbers(&frames, "tick"), expected);
    let seqs: Vec<i64> =
        frames.iter().filter(|f| f["event"] == "tick").map(|f| f["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "out of order");
}

#[tokio::test]
async fn events_past_the_age_limit_are_pruned_oldest_first() {
    // Age retention walks positions from the oldest: everything before the
    // first event young enough goes, everything after stays.
    let server = Server::start(&["--retention-age", "3s", "--prune-interval", "200ms"]);
    for n in 0..5 {
        server.publish("user-u1", "tick", json!({"n": n})).await;
    }
    // Two seconds apart: the first five expire a second before the rest
    // could, which leaves the check below a wide window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for n in 5..8 {
        server.publish("user-u1", "tick", json!({"n": n})).await;
    }
    let mut kept = 0;
    for _ in 0..50 {
        kept = server.count_events();
        if kept == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kept, 3, "the five old events were not pruned (or young ones were)");
    let mut client = server.connect("u1", "renter").await;
    let frames = client.resume(0).await;
    assert_eq!(frames.last().unwrap()["event"], "resync-required", "{frames:?}");
    let head = frames.last().unwrap()["data"]["prunedUpto"].as_i64().unwrap();
    let frames = client.resume(head).await;
    assert_eq!(numbers(&frames, "tick"), [5, 6, 7]);
}
