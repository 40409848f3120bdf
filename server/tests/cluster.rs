//! Clustered mode: several server processes on one PostgreSQL (started by
//! the test), clients and the backend on any node. An event reaches every
//! node in order; a client of a killed node resumes on another with
//! nothing lost or repeated; a database restart loses nothing acknowledged.

mod common;

use common::postgres::Postgres;
use common::proxy::Proxy;
use common::*;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Two nodes on a fresh database of `pg`.
fn two_nodes(pg: &Postgres, name: &str) -> (Server, Server) {
    let url = pg.create_database(name);
    let a = Server::start(&["--database-url", &url]);
    let b = Server::start(&["--database-url", &url]);
    (a, b)
}

fn ticks(frames: &[Value]) -> Vec<i64> {
    frames.iter().filter(|f| f["event"] == "tick").map(|f| f["data"]["n"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn events_published_on_any_node_reach_clients_on_every_node_once_in_order() {
    let pg = Postgres::start();
    let (a, b) = two_nodes(&pg, "fanout");
    let mut on_a = a.connect("u1", "renter").await;
    let mut on_b = b.connect("u1", "renter").await;
    for n in 0..40 {
        let node = if n % 2 == 0 { &a } else { &b };
        assert_eq!(node.publish("user-u1", "tick", json!({"n": n})).await.status(), 202);
    }
    for client in [&mut on_a, &mut on_b] {
        let mut frames = Vec::new();
        for _ in 0..40 {
            frames.push(client.expect("tick").await);
        }
        assert_eq!(ticks(&frames), (0..40).collect::<Vec<_>>(), "in the order they were acknowledged");
        let seqs: Vec<i64> = frames.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        client.expect_silence(200).await;
    }
}

#[tokio::test]
async fn chats_and_bookings_work_across_nodes() {
    let pg = Postgres::start();
    let (a, b) = two_nodes(&pg, "domain");
    // The backend registers the booking through A; the host listens on B.
    let mut host = b.connect("h1", "host").await;
    a.put_booking("b1", "h1", "r1", "pending").await;
    let note = host.expect("notification").await;
    assert_eq!(note["data"]["title"], "Booking requested", "{note}");

    // The renter writes from A; the host on B and the renter's other device
    // on B get it, the sending connection does not.
    let mut renter = a.connect("r1", "renter").await;
    let mut renter_laptop = b.connect("r1", "renter").await;
    let sent = renter
        .request(
            json!({"event": "message", "data": {"toUserId": "h1", "message": "Free on Friday?"}, "ref": "m"}),
        )
        .await;
    assert_eq!(sent["event"], "message-sent", "{sent}");
    let chat_id = sent["data"]["chatId"].as_str().unwrap().to_owned();
    for client in [&mut host, &mut renter_laptop] {
        let got = client.expect("new-message").await;
        assert_eq!(got["data"]["message"], "Free on Friday?");
    }
    assert_eq!(host.expect("notification").await["data"]["type"], "message");
    renter.expect_silence(200).await;

    // A chat created on A is known on B at once (no remembered miss).
    let reply = host
        .request(json!({"event": "message", "data": {"chatId": chat_id, "message": "Yes"}, "ref": "r"}))
        .await;
    assert_eq!(reply["event"], "message-sent", "{reply}");
    assert_eq!(renter.expect("new-message").await["data"]["message"], "Yes");
    assert_eq!(renter.expect("notification").await["data"]["type"], "message");

    // The host confirms on B; the renter on A hears it, and both nodes
    // list the booking the same way.
    let changed = host
        .request(json!({"event": "booking-update", "data": {"bookingId": "b1", "status": "confirmed"}, "ref": "c"}))
        .await;
    assert_ne!(changed["event"], "error", "{changed}");
    let seen = renter.expect("booking-status-changed").await;
    assert_eq!(seen["data"]["status"], "confirmed", "{seen}");
    let (status, on_a) = a.get_as("r1", "renter", "/api/v1/bookings").await;
    let (_, on_b) = b.get_as("r1", "renter", "/api/v1/bookings").await;
    assert_eq!(status, 200);
    assert_eq!(on_a["items"][0]["status"], "confirmed", "{on_a}");
    assert_eq!(on_a["items"], on_b["items"]);
}

#[tokio::test]
async fn a_client_of_a_killed_node_resumes_on_another_with_nothing_lost_or_repeated() {
    let pg = Postgres::start();
    let (a, b) = two_nodes(&pg, "failover");
    let mut client = a.connect("u1", "renter").await;
    for n in 0..10 {
        b.publish("user-u1", "tick", json!({"n": n})).await;
    }
    let mut last = 0;
    for _ in 0..10 {
        last = client.expect("tick").await["seq"].as_i64().unwrap();
    }
    let _ = a.kill9();
    // Published while the client has no connection, through the survivor.
    for n in 10..30 {
        assert_eq!(b.publish("user-u1", "tick", json!({"n": n})).await.status(), 202);
    }
    let mut client = b.connect("u1", "renter").await;
    let frames = client.resume(last).await;
    assert_eq!(frames.last().unwrap()["event"], "resumed", "{:?}", frames.last());
    assert_eq!(ticks(&frames), (10..30).collect::<Vec<_>>());
    b.publish("user-u1", "tick", json!({"n": 30})).await;
    assert_eq!(client.expect("tick").await["data"]["n"], 30);
    client.expect_silence(200).await;
}

/// Every acknowledged number is there, and nothing comes twice or out of
/// order. (A commit whose answer the restart cut off may be there too.)
fn holds_every_acknowledged_once_in_order(seen: &[i64], acknowledged: &[i64], refused: usize) {
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "repeated or out of order: {seen:?}");
    let missing: Vec<_> = acknowledged.iter().filter(|n| !seen.contains(n)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?} (refused {refused})");
}

#[tokio::test]
async fn a_database_restart_loses_nothing_acknowledged_and_the_nodes_recover_by_themselves() {
    let pg = Postgres::start();
    let (a, b) = two_nodes(&pg, "restart");
    let mut live = b.connect("u1", "renter").await;
    let mut acknowledged = Vec::new();
    for n in 0..10 {
        assert_eq!(a.publish("user-u1", "tick", json!({"n": n})).await.status(), 202);
        acknowledged.push(n);
    }
    pg.crash();
    // Down: nothing is acknowledged that is not committed, and both nodes
    // say they are unhealthy.
    let mut refused = 0;
    for n in 10..13 {
        let response = a.publish("user-u1", "tick", json!({"n": n})).await;
        assert_eq!(response.status(), 503, "a publish while the database is down");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "store-unavailable", "{body}");
        refused += 1;
    }
    // A socket write is refused the same way (ticks already queued to the
    // socket come first and are kept).
    live.send(json!({"event": "mark-all-read", "ref": "down"})).await;
    let mut seen = Vec::new();
    let refusal = loop {
        let frame = live.recv().await;
        if frame["event"] != "tick" {
            break frame;
        }
        seen.push(frame["data"]["n"].as_i64().unwrap());
    };
    assert_eq!(refusal["data"]["code"], "store-unavailable", "{refusal}");
    assert_eq!(refusal["ref"], "down");
    for node in [&a, &b] {
        let health = node.http.get(node.url("/healthz")).send().await.unwrap().status();
        assert_eq!(health, 503);
    }
    pg.start_again();
    // Back: the nodes reconnect by themselves (bounded: 100 tries).
    let mut n = 13;
    for _ in 0..100 {
        let status = a.publish("user-u1", "tick", json!({"n": n})).await.status();
        if status == 202 {
            acknowledged.push(n);
            n += 1;
            if acknowledged.len() == 30 {
                break;
            }
        } else {
            assert_eq!(status, 503);
            refused += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(acknowledged.len(), 30, "the node did not recover: {refused} refused");
    // The socket that stayed up on B hears everything after its node
    // reconnected and read the log again from where it was.
    while seen.last() != acknowledged.last() {
        seen.push(live.expect("tick").await["data"]["n"].as_i64().unwrap());
    }
    holds_every_acknowledged_once_in_order(&seen, &acknowledged, refused);
    // A resume from 0 on either node has them too.
    live.close().await;
    for node in [&a, &b] {
        let mut client = node.connect("u1", "renter").await;
        let frames = client.resume(0).await;
        holds_every_acknowledged_once_in_order(&ticks(&frames), &acknowledged, refused);
    }
}

#[tokio::test]
async fn read_state_and_a_bookings_new_participants_reach_every_node() {
    let pg = Postgres::start();
    let (a, b) = two_nodes(&pg, "signals");
    // A user's devices on two nodes agree on what is read.
    let mut laptop = a.connect("u1", "renter").await;
    let mut phone = b.connect("u1", "renter").await;
    let published = a.publish("user-u1", "notification", json!({"title": "one", "body": "b"})).await;
    let id = published.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    laptop.expect("notification").await;
    phone.expect("notification").await;
    let reply = laptop.request(json!({"event": "mark-read", "data": {"ids": [id]}, "ref": "r"})).await;
    assert_eq!(reply["data"]["unreadCount"], 0, "{reply}");
    let synced = phone.expect("notifications-read").await;
    assert_eq!(synced["data"], reply["data"]);
    laptop.expect_silence(200).await;

    // A host removed from a booking through node B stops hearing it on A,
    // in order: the change that follows the removal does not reach them.
    a.put_booking("b1", "h1", "r1", "pending").await;
    let mut old_host = a.connect("h1", "host").await;
    let joined = old_host.request(json!({"event": "join", "data": {"room": "booking-b1"}, "ref": "j"})).await;
    assert_eq!(joined["event"], "joined", "{joined}");
    let mut new_host = a.connect("h2", "host").await;
    b.put_booking("b1", "h2", "r1", "pending").await;
    b.put_booking("b1", "h2", "r1", "confirmed").await;
    assert_eq!(new_host.expect("booking-status-changed").await["data"]["status"], "confirmed");
    old_host.expect_silence(300).await;
}

#[tokio::test]
async fn a_single_node_moves_to_a_cluster_and_its_clients_keep_their_positions() {
    let pg = Postgres::start();
    let single = Server::start(&[]);
    single.put_booking("b1", "h1", "r1", "pending").await;
    let named = single
        .http
        .put(single.url("/api/v1/users/h1"))
        .bearer_auth(token("backend", "service", 3600))
        .json(&json!({"displayName": "Amina"}))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), 200);
    let mut renter = single.connect("r1", "renter").await;
    let sent = renter
        .request(json!({"event": "message", "data": {"toUserId": "h1", "message": "Free?"}, "ref": "m"}))
        .await;
    assert_eq!(sent["event"], "message-sent", "{sent}");
    let mut ids = Vec::new();
    for n in 0..3 {
        let r =
            single.publish("user-r1", "notification", json!({"title": format!("n{n}"), "body": "b"})).await;
        ids.push(r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let mut seen = 0;
    for _ in 0..3 {
        seen = renter.expect("notification").await["seq"].as_i64().unwrap();
    }
    let read = renter.request(json!({"event": "mark-read", "data": {"ids": [ids[0]]}, "ref": "r"})).await;
    assert_eq!(read["data"]["unreadCount"], 2, "{read}");
    renter.close().await;
    // Missed by the renter before the move.
    for n in 0..2 {
        single.publish("user-r1", "tick", json!({"n": n})).await;
    }
    let (_, bookings_before) = single.get_as("r1", "renter", "/api/v1/bookings").await;
    let (_, history_before) = single.get_as("r1", "renter", "/api/v1/notifications").await;
    let db = single.db_path();
    let dir = single.kill9();

    let url = pg.create_database("moved");
    let migrate = |url: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_realtime-server"))
            .args(["migrate", "--from"])
            .arg(dir.path().join(db.file_name().unwrap()))
            .args(["--database-url", url])
            .output()
            .unwrap()
    };
    let moved = migrate(&url);
    assert!(moved.status.success(), "{}", String::from_utf8_lossy(&moved.stderr));
    let said = String::from_utf8_lossy(&moved.stdout);
    assert!(said.contains("moved 1 bookings, 1 chats"), "{said}");
    // A second move never merges into a database that holds data.
    let again = migrate(&url);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds"), "{:?}", again);

    let a = Server::start(&["--database-url", &url]);
    let b = Server::start(&["--database-url", &url]);
    // The renter comes back on B where they were: the two ticks, nothing else.
    let mut renter = b.connect_with_header(&token("r1", "renter", 3600)).await;
    let hello = renter.expect("authenticated").await;
    assert_eq!(hello["data"]["unreadCount"], 2, "{hello}");
    let frames = renter.resume(seen).await;
    assert_eq!(ticks(&frames), vec![0, 1], "{frames:?}");
    let (_, bookings_after) = a.get_as("r1", "renter", "/api/v1/bookings").await;
    let (_, history_after) = a.get_as("r1", "renter", "/api/v1/notifications").await;
    assert_eq!(bookings_after, bookings_before);
    assert_eq!(history_after, history_before);
    let (_, chats) = a.get_as("h1", "host", "/api/v1/chats").await;
    assert_eq!(chats["items"][0]["lastMessage"]["message"], "Free?", "{chats}");
    // New positions go on after the old ones; names came along.
    a.put_booking("b1", "h1", "r1", "confirmed").await;
    let change = renter.expect("booking-status-changed").await;
    assert!(change["seq"].as_i64().unwrap() > seen);
    assert_eq!(change["data"]["hostName"], "Amina", "{change}");
}

#[tokio::test]
async fn a_node_cut_off_from_its_database_steps_aside_and_comes_back_when_it_returns() {
    let pg = Postgres::start();
    let url = pg.create_database("fence");
    let node = Server::start(&["--database-url", &url]);
    let mut client = node.connect("u1", "renter").await;
    node.publish("user-u1", "tick", json!({"n": 0})).await;
    let seen = client.expect("tick").await["seq"].as_i64().unwrap();
    pg.crash();
    // The socket stays up through a short outage, then closes with 1012 once
    // the node fences itself (bounded: 60 s; the fence comes after 10 s
    // without the database, spread over 5 s).
    let closed =
        tokio::time::timeout(Duration::from_secs(60), client.ws.next()).await.expect("fenced in time");
    match closed {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1012, "{frame:?}"),
        other => panic!("expected a close with 1012, got {other:?}"),
    }
    // Fenced: new sockets are sent elsewhere, and health says so.
    let mut request = format!("ws://{}/ws", node.addr).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {}", token("u1", "renter", 600)).parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("a fenced node accepted a socket: {:?}", other.map(|(_, r)| r.status())),
    }
    assert_eq!(node.http.get(node.url("/healthz")).send().await.unwrap().status(), 503);
    pg.start_again();
    // Back: the fence lifts by itself (bounded: 100 tries).
    let mut healthy = false;
    for _ in 0..100 {
        if node.http.get(node.url("/healthz")).send().await.unwrap().status() == 200 {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(healthy, "the node stayed fenced: {}", node.log());
    node.publish("user-u1", "tick", json!({"n": 1})).await;
    let mut client = node.connect("u1", "renter").await;
    assert_eq!(ticks(&client.resume(seen).await), vec![1]);
}

#[tokio::test]
async fn a_node_whose_link_to_the_database_is_cut_fences_and_its_clients_move_to_another_node() {
    let pg = Postgres::start();
    pg.create_database("cut");
    // A reaches PostgreSQL through a link the test cuts; B directly. The
    // clients reach both through a round-robin balancer, no stickiness.
    let link = Proxy::to_postgres(pg.socket_dir());
    let a = Server::start(&["--database-url", &pg.url_through(&link.addr, "cut")]);
    let b = Server::start(&["--database-url", &pg.url("cut")]);
    let balancer = Proxy::round_robin(&[&a.addr, &b.addr]);
    // The balancer's first link goes to A.
    let mut client = Server::connect_at(&balancer.addr, "u1", "renter").await.expect("served by A");
    b.publish("user-u1", "tick", json!({"n": 0})).await;
    let seen = client.expect("tick").await["seq"].as_i64().unwrap();

    link.cut();
    // Acknowledged by B while A cannot read the log.
    for n in 1..=5 {
        assert_eq!(b.publish("user-u1", "tick", json!({"n": n})).await.status(), 202);
    }
    // A fences itself (10 s without the database, spread over 5 s) and
    // closes its sockets with 1012 (bounded: 60 s).
    let closed = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match client.ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(Message::Text(text))) => panic!("A delivered while cut off: {text}"),
                Some(Ok(_)) => continue,
                other => panic!("expected a close, got {other:?}"),
            }
        }
    })
    .await
    .expect("fenced in time");
    assert_eq!(closed, Some(1012));
    assert_eq!(a.http.get(a.url("/healthz")).send().await.unwrap().status(), 503);
    // The client comes back through the balancer: A refuses it (503), B
    // takes it, and the resume gives exactly what A could not deliver.
    let mut refusals = Vec::new();
    let mut moved = None;
    for _ in 0..4 {
        match Server::connect_at(&balancer.addr, "u1", "renter").await {
            Ok(client) => {
                moved = Some(client);
                break;
            }
            Err(status) => refusals.push(status),
        }
    }
    let mut client = moved.unwrap_or_else(|| panic!("no node took the client: {refusals:?}"));
    assert!(refusals.iter().all(|&status| status == 503), "{refusals:?}");
    assert_eq!(ticks(&client.resume(seen).await), vec![1, 2, 3, 4, 5]);
    b.publish("user-u1", "tick", json!({"n": 6})).await;
    assert_eq!(client.expect("tick").await["data"]["n"], 6);

    // Mended: A reads the log again, lifts its fence (bounded: 20 s), and
    // serves the same history.
    link.mend();
    let mut healthy = false;
    for _ in 0..100 {
        if a.http.get(a.url("/healthz")).send().await.unwrap().status() == 200 {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(healthy, "A stayed fenced: {}", a.log());
    let mut on_a = a.connect("u1", "renter").await;
    assert_eq!(ticks(&on_a.resume(seen).await), vec![1, 2, 3, 4, 5, 6]);
    a.publish("user-u1", "tick", json!({"n": 7})).await;
    for c in [&mut client, &mut on_a] {
        assert_eq!(c.expect("tick").await["data"]["n"], 7);
        c.expect_silence(200).await;
    }
}

/// What a frame is, in a word or two: its event and the status, title or
/// ref that tells it apart.
fn gist(frame: &Value) -> String {
    let data = &frame["data"];
    let detail = [&data["title"], &data["status"], &frame["ref"]].into_iter().find_map(|v| v.as_str());
    format!("{} {}", frame["event"].as_str().unwrap_or("?"), detail.unwrap_or(""))
}

/// Every frame until the socket has been quiet for 300 ms (bounded: 50).
async fn drain(client: &mut Client) -> Vec<String> {
    let mut frames = Vec::new();
    for _ in 0..50 {
        match tokio::time::timeout(Duration::from_millis(300), client.ws.next()).await {
            Err(_) => break,
            Ok(Some(Ok(Message::Text(text)))) => frames.push(gist(&serde_json::from_str(&text).unwrap())),
            Ok(Some(Ok(_))) => continue,
            Ok(other) => panic!("socket ended: {other:?}"),
        }
    }
    frames
}

#[tokio::test]
async fn a_booking_change_on_one_node_reaches_the_other_party_on_another_and_the_reply_follows_its_own_event()
{
    let pg = Postgres::start();
    let url = pg.create_database("three");
    let nodes: Vec<Server> = (0..3).map(|_| Server::start(&["--database-url", &url])).collect();
    let (a, b, c) = (&nodes[0], &nodes[1], &nodes[2]);
    // The host is on B (and on A with a phone), the renter on C; the
    // backend opens each request through A.
    let mut host = b.connect("h1", "host").await;
    let mut host_phone = a.connect("h1", "host").await;
    let mut renter = c.connect("r1", "renter").await;
    for round in 0..4 {
        let booking = format!("b{round}");
        a.put_booking(&booking, "h1", "r1", "pending").await;
        let requested = vec!["notification Booking requested".to_owned()];
        assert_eq!(drain(&mut host).await, requested, "round {round}");
        assert_eq!(drain(&mut host_phone).await, requested, "round {round}");
        assert_eq!(drain(&mut renter).await, Vec::<String>::new(), "round {round}");

        // The host confirms on B: on its own connection the change comes
        // first, then the reply; the renter on C hears it once.
        host.send(json!({"event": "booking-update", "data": {"bookingId": booking, "status": "confirmed"}, "ref": "yes"}))
            .await;
        assert_eq!(drain(&mut host).await, ["booking-status-changed confirmed", "booking-updated confirmed"]);
        assert_eq!(drain(&mut host_phone).await, ["booking-status-changed confirmed"]);
        assert_eq!(
            drain(&mut renter).await,
            ["booking-status-changed confirmed", "notification Booking confirmed"]
        );

        // The renter cancels on C: the same the other way round.
        renter
            .send(json!({"event": "booking-update", "data": {"bookingId": booking, "status": "cancelled"}, "ref": "no"}))
            .await;
        assert_eq!(
            drain(&mut renter).await,
            ["booking-status-changed cancelled", "booking-updated cancelled"]
        );
        for client in [&mut host, &mut host_phone] {
            assert_eq!(
                drain(client).await,
                ["booking-status-changed cancelled", "notification Booking cancelled"],
                "round {round}"
            );
        }
    }
    // Every node lists the same four bookings.
    let (_, on_a) = a.get_as("h1", "host", "/api/v1/bookings").await;
    let (_, on_c) = c.get_as("h1", "host", "/api/v1/bookings").await;
    let statuses: Vec<&str> =
        on_a["items"].as_array().unwrap().iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["cancelled"; 4], "{on_a}");
    assert_eq!(on_a["items"], on_c["items"]);
}

#[tokio::test]
async fn a_node_stopped_in_the_middle_of_a_write_holds_the_others_up_for_seconds_only() {
    let pg = Postgres::start();
    let url = pg.create_database("stopped");
    let a = Server::start(&["--database-url", &url]);
    let b = Server::start(&["--database-url", &url]);
    a.put_booking("b1", "h1", "r1", "pending").await;
    let (holder, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    // Inserts into the log wait, so A's next booking change (a transaction:
    // the booking's row, then its events) stops inside its transaction
    // with the sequencer row taken.
    holder.batch_execute("BEGIN; LOCK TABLE events IN SHARE MODE").await.unwrap();
    let stuck = {
        let (http, target) = (a.http.clone(), a.url("/api/v1/bookings/b1"));
        tokio::spawn(async move {
            http.put(target)
                .bearer_auth(token("backend", "service", 3600))
                .json(&json!({"hostId": "h1", "renterId": "r1", "status": "confirmed"}))
                .send()
                .await
        })
    };
    // Watched from a connection of its own: a transaction sees one
    // snapshot of pg_stat_activity.
    let (watcher, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let mut waiting = false;
    for _ in 0..100 {
        let row = watcher
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE wait_event_type = 'Lock' AND query LIKE 'WITH taken AS%'",
                &[],
            )
            .await
            .unwrap();
        if row.get::<_, i64>(0) == 1 {
            waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(waiting, "node A's write never reached the log");
    // A stops (SIGSTOP) with its transaction open; the inserts go on.
    let pid = a.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    holder.batch_execute("COMMIT").await.unwrap();
    // B's write waits for the row until PostgreSQL ends A's idle
    // transaction (5 s), then goes through (bounded: 30 s).
    let published =
        tokio::time::timeout(Duration::from_secs(30), b.publish("user-u1", "tick", json!({"n": 1})))
            .await
            .expect("node B stalled behind the stopped node");
    assert_eq!(published.status(), 202);
    assert!(std::process::Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    stuck.abort();
    // A's change, cut off mid-transaction, was never stored.
    let mut client = b.connect("u1", "renter").await;
    assert_eq!(ticks(&client.resume(0).await), vec![1]);
    let (_, booking) = b.get_as("h1", "host", "/api/v1/bookings/b1").await;
    assert_eq!(booking["status"], "pending", "{booking}");
}

#[tokio::test]
async fn a_bad_database_url_an_unknown_user_or_a_newer_schema_stops_the_start_clearly() {
    let said = refused_start(&["--database-url", "postgres://a b@:::"]);
    assert!(said.contains("--database-url") && said.contains("not a PostgreSQL URL"), "{said}");
    let said = refused_start(&["--database-url", "postgres://rt@127.0.0.1:1/rt?sslmode=require"]);
    assert!(said.contains("Connection refused"), "nobody listens there: {said}");
    let said =
        refused_start(&["--database-url", "postgresql://postgres@localhost/rt?host=/nonexistent-rt-dir"]);
    assert!(said.contains("database"), "{said}");

    let pg = Postgres::start();
    let url = pg.create_database("bad");
    let stranger = url.replace("postgres@", "nobody@");
    let said = refused_start(&["--database-url", &stranger]);
    assert!(said.contains("nobody"), "an unknown user is named: {said}");

    // A newer server moved the schema on; this one does not touch it.
    let first = Server::start(&["--database-url", &url]);
    // Served once the schema is in place.
    assert_eq!(first.http.get(first.url("/healthz")).send().await.unwrap().status(), 200);
    drop(first);
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute("INSERT INTO rt_schema (version) VALUES (99)").await.unwrap();
    let said = refused_start(&["--database-url", &url]);
    assert!(said.contains("schema is version 99, newer than this server knows"), "{said}");
}

/// The database's own order of a user's ticks: (position, n).
async fn ticks_in_the_database(url: &str, room: &str) -> Vec<(i64, i64)> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let rows = client
        .query(
            "SELECT seq, (data::json ->> 'n')::bigint FROM events WHERE audience = $1 AND event = 'tick' ORDER BY seq",
            &[&room],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// Reads `count` ticks as (position, n).
async fn read_ticks(client: &mut Client, count: usize) -> Vec<(i64, i64)> {
    let mut seen = Vec::with_capacity(count);
    while seen.len() < count {
        let frame = client.expect("tick").await;
        seen.push((frame["seq"].as_i64().unwrap(), frame["data"]["n"].as_i64().unwrap()));
    }
    seen
}

#[tokio::test]
async fn concurrent_publishers_on_three_nodes_give_every_device_the_databases_order() {
    let pg = Postgres::start();
    let url = pg.create_database("order");
    let nodes: Vec<Server> = (0..3).map(|_| Server::start(&["--database-url", &url])).collect();
    let mut devices = Vec::new();
    for node in &nodes {
        devices.push(node.connect("u1", "renter").await);
    }
    let publishers = nodes.iter().enumerate().map(|(i, node)| async move {
        for n in 0..50 {
            let status = node.publish("user-u1", "tick", json!({"n": i as i64 * 1000 + n})).await.status();
            assert_eq!(status, 202);
        }
    });
    futures_util::future::join_all(publishers).await;
    let order = ticks_in_the_database(&url, "user-u1").await;
    assert_eq!(order.len(), 150);
    for device in &mut devices {
        assert_eq!(read_ticks(device, 150).await, order, "a device's order is the database's");
        device.expect_silence(100).await;
    }
}

/// A small deterministic generator for the chaos test (its seed is printed).
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test]
async fn nodes_killed_at_random_moments_under_publishing_lose_and_repeat_nothing_acknowledged() {
    let seed = std::env::var("CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    println!("chaos seed {seed} (CHAOS_SEED={seed} repeats it)");
    let mut chance = Xorshift(seed);
    let pg = Postgres::start();
    let url = pg.create_database("chaos");
    let start = || Server::start(&["--database-url", &url]);
    // Node 0 stays; nodes 1 and 2 are killed in turn and started again.
    let mut nodes = [start(), start(), start()];
    let mut steady = nodes[0].connect("u1", "renter").await;
    let mut roaming = nodes[1].connect("u1", "renter").await;
    let (mut steady_seen, mut roaming_seen) = (Vec::new(), Vec::new());
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut next = 0_i64;
    for round in 0..4 {
        let victim = 1 + round % 2;
        // Publishing through the victim, without pause, until it dies.
        let publisher = {
            let (http, target, acknowledged) =
                (nodes[victim].http.clone(), nodes[victim].url("/api/v1/publish"), acknowledged.clone());
            let first = next;
            tokio::spawn(async move {
                for n in first.. {
                    let sent = http
                        .post(&target)
                        .bearer_auth(token("backend", "service", 3600))
                        .json(&json!({"room": "user-u1", "event": "tick", "data": {"n": n}}))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 202 => acknowledged.lock().unwrap().push(n),
                        _ => return n,
                    }
                }
                unreachable!()
            })
        };
        tokio::time::sleep(Duration::from_millis(20 + chance.below(200))).await;
        let _ = std::mem::replace(&mut nodes[victim], start()).kill9();
        next = publisher.await.unwrap() + 1;
        // The roaming device was on a node that may be gone: it moves to the
        // steady node and resumes from what it saw last.
        let after = roaming_seen.last().map_or(0, |&(seq, _)| seq);
        let mut collected = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_millis(300), roaming.next()).await {
                Ok(Next::Frame(frame)) if frame["event"] == "tick" => {
                    collected.push((frame["seq"].as_i64().unwrap(), frame["data"]["n"].as_i64().unwrap()))
                }
                Ok(Next::Frame(_)) => {}
                Ok(Next::Closed(_)) | Err(_) => break,
            }
        }
        roaming_seen.extend(collected);
        roaming = nodes[0].connect("u1", "renter").await;
        let after = roaming_seen.last().map_or(after, |&(seq, _)| seq);
        for frame in roaming.resume(after).await.iter().filter(|f| f["event"] == "tick") {
            roaming_seen.push((frame["seq"].as_i64().unwrap(), frame["data"]["n"].as_i64().unwrap()));
        }
        // Next round it sits on the next victim.
        roaming.close().await;
        roaming = nodes[1 + (round + 1) % 2].connect("u1", "renter").await;
        let after = roaming_seen.last().map_or(0, |&(seq, _)| seq);
        for frame in roaming.resume(after).await.iter().filter(|f| f["event"] == "tick") {
            roaming_seen.push((frame["seq"].as_i64().unwrap(), frame["data"]["n"].as_i64().unwrap()));
        }
    }
    let order = ticks_in_the_database(&url, "user-u1").await;
    steady_seen.extend(read_ticks(&mut steady, order.len()).await);
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(!acknowledged.is_empty(), "seed {seed}: nothing was published");
    let stored: Vec<i64> = order.iter().map(|&(_, n)| n).collect();
    let lost: Vec<_> = acknowledged.iter().filter(|n| !stored.contains(n)).collect();
    assert!(lost.is_empty(), "seed {seed}: acknowledged but not stored: {lost:?}");
    assert_eq!(steady_seen, order, "seed {seed}: the steady device has the database's order");
    assert_eq!(roaming_seen, order, "seed {seed}: the roaming device, across its moves, too");
    let mut fresh = nodes[2].connect("u1", "renter").await;
    let history: Vec<_> = fresh
        .resume(0)
        .await
        .iter()
        .filter(|f| f["event"] == "tick")
        .map(|f| f["data"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(history, stored, "seed {seed}: history too");
}

#[tokio::test]
async fn a_database_that_requires_tls_is_reached_over_rustls_and_a_strangers_certificate_is_refused() {
    let pg = Postgres::start_tls();
    pg.create_database("tls");
    let url = pg.tls_url("tls");
    // The certificate chains to a CA the system does not know: refused, named.
    let said = refused_start(&["--database-url", &url]);
    assert!(said.contains("certificate"), "{said}");
    // Given the CA, the node connects over TLS (the database takes no other
    // connection on TCP) and serves.
    let ca = pg.ca();
    let node = Server::start(&["--database-url", &url, "--database-ca", ca.to_str().unwrap()]);
    let mut client = node.connect("u1", "renter").await;
    assert_eq!(node.publish("user-u1", "tick", json!({"n": 0})).await.status(), 202);
    assert_eq!(client.expect("tick").await["data"]["n"], 0);
    let (watcher, connection) = tokio_postgres::connect(&pg.url("tls"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let encrypted: i64 = watcher
        .query_one(
            "SELECT COUNT(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
             WHERE ssl AND application_name = 'urutibiz-realtime'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted >= 2, "the pool's and the tailer's connections use TLS: {encrypted}");
    // A CA file without a certificate is refused at start.
    let empty = tempfile::NamedTempFile::new().unwrap();
    let said = refused_start(&["--database-url", &url, "--database-ca", empty.path().to_str().unwrap()]);
    assert!(said.contains("--database-ca") && said.contains("no certificate"), "{said}");
}
