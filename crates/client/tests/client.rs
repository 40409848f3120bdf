//! The client core against a real server process: restarts, app restarts,
//! backoff, a frozen network and token expiry.

mod common;

use common::*;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use urutibiz_client::{
    spawn, ClientConfig, Command as ClientCommand, ConnectionState, FilePosition, MemoryPosition, Update,
};
use urutibiz_protocol::BookingStatus;

#[tokio::test]
async fn reconnects_after_kill_and_restart_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Server::start(&dir, port);
    let (handle, mut updates) = spawn(fast_config(server.url(), 600), Arc::new(MemoryPosition::default()));
    wait_online(&mut updates).await;
    for n in 0..5 {
        server.publish(n).await;
    }
    assert_eq!(ticks(&mut updates, 5).await, [0, 1, 2, 3, 4]);
    server.kill9();
    let server = Server::start(&dir, port);
    // Published while the client may still be reconnecting: some arrive by
    // replay, some live; each exactly once.
    for n in 5..15 {
        server.publish(n).await;
    }
    assert_eq!(ticks(&mut updates, 10).await, (5..15).collect::<Vec<_>>());
    no_ticks_for(&mut updates, 300).await;
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test]
async fn resumes_after_an_app_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir, free_port());
    let position_file = dir.path().join("position");
    let (handle, mut updates) =
        spawn(fast_config(server.url(), 600), Arc::new(FilePosition::new(&position_file)));
    wait_online(&mut updates).await;
    for n in 0..3 {
        server.publish(n).await;
    }
    assert_eq!(ticks(&mut updates, 3).await, [0, 1, 2]);
    handle.send(ClientCommand::Shutdown);
    while updates.recv().await.is_some() {}
    let saved: i64 = std::fs::read_to_string(&position_file).unwrap().trim().parse().unwrap();
    assert!(saved >= 3);
    for n in 3..7 {
        server.publish(n).await;
    }
    let (handle, mut updates) =
        spawn(fast_config(server.url(), 600), Arc::new(FilePosition::new(&position_file)));
    assert_eq!(ticks(&mut updates, 4).await, [3, 4, 5, 6]);
    loop {
        if let Update::Event(m) = next(&mut updates).await {
            let f = m.to_json();
            if f["event"] == "resumed" {
                assert_eq!(f["data"]["replayed"], 4);
                break;
            }
        }
    }
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test]
async fn backoff_delays_stay_within_bounds() {
    // Nothing listens on this port.
    let mut config = fast_config(format!("http://127.0.0.1:{}", free_port()), 600);
    config.backoff_base = Duration::from_millis(20);
    config.backoff_cap = Duration::from_millis(160);
    let (handle, mut updates) = spawn(config, Arc::new(MemoryPosition::default()));
    let mut delays = Vec::new();
    while delays.len() < 7 {
        if let Update::State(ConnectionState::Offline { retry_in_ms, reason, .. }) = next(&mut updates).await
        {
            assert!(reason.contains("cannot reach"), "{reason}");
            delays.push(retry_in_ms);
        }
    }
    let ceilings = [20, 40, 80, 160, 160, 160, 160];
    for (delay, ceiling) in delays.iter().zip(ceilings) {
        assert!(*delay <= ceiling, "{delays:?}");
    }
    handle.send(ClientCommand::Shutdown);
}

/// Forwards TCP to `target` until frozen; then holds connections open and
/// silent, like a dead Wi-Fi.
async fn proxy(target: u16, frozen: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((inbound, _)) = listener.accept().await else { return };
            let frozen = frozen.clone();
            tokio::spawn(async move {
                let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)).await else { return };
                let (mut ri, mut wi) = inbound.into_split();
                let (mut ro, mut wo) = outbound.into_split();
                let up = pump(&mut ri, &mut wo, frozen.clone());
                let down = pump(&mut ro, &mut wi, frozen);
                tokio::join!(up, down);
            });
        }
    });
    port
}

async fn pump(
    from: &mut (impl tokio::io::AsyncRead + Unpin),
    to: &mut (impl tokio::io::AsyncWrite + Unpin),
    frozen: Arc<AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else { return };
        if n == 0 {
            return;
        }
        if frozen.load(Ordering::SeqCst) {
            // Swallow everything and never answer.
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_frozen_network_is_detected_within_the_heartbeat_window() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir, free_port());
    let frozen = Arc::new(AtomicBool::new(false));
    let port = proxy(server.port, frozen.clone()).await;
    let mut config = fast_config(format!("http://127.0.0.1:{port}"), 600);
    config.ping_every = Duration::from_millis(200);
    config.dead_after = Duration::from_millis(800);
    let (handle, mut updates) = spawn(config, Arc::new(MemoryPosition::default()));
    wait_online(&mut updates).await;
    frozen.store(true, Ordering::SeqCst);
    let frozen_at = std::time::Instant::now();
    let reason = loop {
        if let Update::State(ConnectionState::Offline { reason, .. }) = next(&mut updates).await {
            break reason;
        }
    };
    assert!(reason.contains("no answer"), "{reason}");
    // Detected by the client's own heartbeat, not by a TCP timeout (minutes).
    assert!(frozen_at.elapsed() < Duration::from_secs(5), "took {:?}", frozen_at.elapsed());
    frozen.store(false, Ordering::SeqCst);
    wait_online(&mut updates).await;
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test]
async fn token_expiry_signs_out_without_retrying() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir, free_port());
    let (handle, mut updates) = spawn(fast_config(server.url(), 2), Arc::new(MemoryPosition::default()));
    wait_online(&mut updates).await;
    let reason = loop {
        match next(&mut updates).await {
            Update::State(ConnectionState::SignedOut { reason }) => break reason,
            Update::State(other @ (ConnectionState::Offline { .. } | ConnectionState::Connecting)) => {
                panic!("retried instead of signing out: {other:?}")
            }
            _ => {}
        }
    };
    assert!(reason.contains("expired"), "{reason}");
    // No retry loop: silence, not Connecting/Offline.
    assert!(tokio::time::timeout(Duration::from_millis(1500), updates.recv()).await.is_err());
    handle.send(ClientCommand::SetToken(token("u1", "renter", 600)));
    assert_eq!(next(&mut updates).await, Update::State(ConnectionState::Connecting));
    wait_online(&mut updates).await;
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test]
async fn a_refused_token_signs_out_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir, free_port());
    let mut config = fast_config(server.url(), 600);
    config.token = "not-a-token".into();
    let (handle, mut updates) = spawn(config, Arc::new(MemoryPosition::default()));
    let mut saw_error = false;
    loop {
        match next(&mut updates).await {
            Update::Event(m) if m.name() == "error" => {
                assert_eq!(m.data()["code"], "unauthorized");
                saw_error = true;
            }
            Update::State(ConnectionState::SignedOut { reason }) => {
                assert_eq!(reason, "malformed token");
                break;
            }
            Update::State(ConnectionState::Offline { .. }) => panic!("retried with a refused token"),
            _ => {}
        }
    }
    assert!(saw_error);
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test]
async fn read_state_commands_reach_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir, free_port());
    let (handle, mut updates) = spawn(fast_config(server.url(), 600), Arc::new(MemoryPosition::default()));
    wait_online(&mut updates).await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/publish", server.url()))
        .bearer_auth(token("backend", "service", 600))
        .json(&json!({"room": "user-u1", "event": "notification", "data": {"title": "t", "body": "b"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    handle.send(ClientCommand::MarkAllRead);
    loop {
        if let Update::Event(m) = next(&mut updates).await {
            let f = m.to_json();
            if f["event"] == "notifications-read" {
                assert_eq!(f["data"]["unreadCount"], 0);
                break;
            }
        }
    }
    handle.send(ClientCommand::Shutdown);
}

/// The answer to the request with this reference.
async fn answer_to(
    updates: &mut tokio::sync::mpsc::UnboundedReceiver<Update>,
    reference: &str,
) -> serde_json::Value {
    loop {
        if let Update::Event(m) = next(updates).await {
            if m.reference.as_deref() == Some(reference) {
                return m.to_json();
            }
        }
    }
}

async fn put_booking(server: &Server, id: &str, status: &str) {
    let r = reqwest::Client::new()
        .put(format!("{}/api/v1/bookings/{id}", server.url()))
        .bearer_auth(token("backend", "service", 600))
        .json(&json!({"hostId": "h1", "renterId": "r1", "status": status, "title": "Canon EOS R6"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

#[tokio::test]
async fn a_host_confirms_from_the_client_and_a_late_or_second_click_gets_the_real_state() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir, free_port());
    put_booking(&server, "b1", "pending").await;
    put_booking(&server, "b2", "pending").await;
    let host_config = ClientConfig::new(server.url(), token("h1", "host", 600));
    let (host, mut host_updates) = spawn(host_config, Arc::new(MemoryPosition::default()));
    let renter_config = ClientConfig::new(server.url(), token("r1", "renter", 600));
    let (renter, mut renter_updates) = spawn(renter_config, Arc::new(MemoryPosition::default()));
    wait_online(&mut host_updates).await;
    wait_online(&mut renter_updates).await;
    let update = |booking: &str, status: &str, reference: &str| ClientCommand::UpdateBooking {
        booking_id: booking.into(),
        status: BookingStatus::parse(status).expect("a booking status"),
        reference: reference.into(),
    };

    host.send(update("b1", "confirmed", "c1"));
    let confirmed = answer_to(&mut host_updates, "c1").await;
    assert_eq!(confirmed["event"], "booking-updated", "{confirmed}");
    assert_eq!(confirmed["data"]["status"], "confirmed");
    // The renter hears it.
    loop {
        if let Update::Event(m) = next(&mut renter_updates).await {
            let f = m.to_json();
            if f["event"] == "booking-status-changed" {
                assert_eq!(f["data"]["status"], "confirmed");
                break;
            }
        }
    }
    // A second click: the current state, no error.
    host.send(update("b1", "confirmed", "c2"));
    let again = answer_to(&mut host_updates, "c2").await;
    assert_eq!(again["data"]["unchanged"], true, "{again}");

    // The renter cancels b2 first; the host's confirm sees who won.
    renter.send(update("b2", "cancelled", "r1"));
    assert_eq!(answer_to(&mut renter_updates, "r1").await["event"], "booking-updated");
    host.send(update("b2", "confirmed", "c3"));
    let late = answer_to(&mut host_updates, "c3").await;
    assert_eq!(late["event"], "error", "{late}");
    assert_eq!(late["data"]["message"], "already cancelled by r1");

    // The Bookings view's list: the host's bookings with the moves now allowed.
    let host_config = ClientConfig::new(server.url(), token("h1", "host", 600));
    let mine = urutibiz_client::history::my_bookings(&host_config, 10).await.unwrap();
    let summary: Vec<(&str, BookingStatus, Vec<BookingStatus>)> =
        mine.iter().map(|b| (b.id.as_str(), b.status, b.actions.clone())).collect();
    assert_eq!(
        summary,
        [
            ("b2", BookingStatus::Cancelled, vec![]),
            ("b1", BookingStatus::Confirmed, vec![BookingStatus::Cancelled, BookingStatus::InProgress])
        ],
        "latest activity first"
    );

    // "Message" on a booking row: the host writes to the renter by id; the
    // server opens their chat (they share bookings) and the renter hears it.
    host.send(ClientCommand::MessageUser {
        to_user_id: "r1".into(),
        message: "See you Friday".into(),
        reference: "send-1".into(),
    });
    loop {
        if let Update::Event(m) = next(&mut renter_updates).await {
            if let urutibiz_protocol::ServerEvent::NewMessage(message) = &m.event {
                assert_eq!(
                    (message.from_user_id.as_str(), message.message.as_str()),
                    ("h1", "See you Friday")
                );
                assert_eq!(message.chat_id, mine[0].chat_id, "the chat the booking rows name");
                break;
            }
        }
    }
    // The writer's answer carries the ref it was sent with.
    let sent = answer_to(&mut host_updates, "send-1").await;
    assert_eq!(
        (sent["event"].as_str(), sent["data"]["chatId"].as_str()),
        (Some("message-sent"), Some(mine[0].chat_id.as_str()))
    );
    host.send(ClientCommand::Shutdown);
    renter.send(ClientCommand::Shutdown);
}

#[tokio::test]
async fn the_chats_view_pages_chats_and_messages_and_reads_a_chat() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir, free_port());
    put_booking(&server, "b1", "pending").await;
    let host_config = ClientConfig::new(server.url(), token("h1", "host", 600));
    let (host, mut host_updates) = spawn(host_config.clone(), Arc::new(MemoryPosition::default()));
    let (renter, mut renter_updates) = spawn(
        ClientConfig::new(server.url(), token("r1", "renter", 600)),
        Arc::new(MemoryPosition::default()),
    );
    wait_online(&mut host_updates).await;
    wait_online(&mut renter_updates).await;
    // Five messages, under the per-user rate (10/s): each waits for its answer.
    for n in 1..=5 {
        renter.send(ClientCommand::MessageUser {
            to_user_id: "h1".into(),
            message: format!("message {n}"),
            reference: format!("send-{n}"),
        });
        loop {
            if let Update::Event(m) = next(&mut renter_updates).await {
                if matches!(m.event, urutibiz_protocol::ServerEvent::MessageSent(_)) {
                    break;
                }
            }
        }
    }
    let chats = urutibiz_client::history::my_chats(&host_config, None, 10).await.unwrap();
    assert_eq!(chats.items.len(), 1);
    assert_eq!(chats.next_before, None);
    let chat = &chats.items[0];
    assert_eq!(chat.unread_count, 5, "{chat:?}");
    assert_eq!(chat.last_message.as_ref().map(|m| m.message.message.as_str()), Some("message 5"));
    let chat_id = chat.id.clone();

    // Scrolling back: 2, 2, then the last one, newest first, no repeats.
    let mut seen = Vec::new();
    let mut before = None;
    for _ in 0..5 {
        let page = urutibiz_client::history::chat_messages(&host_config, &chat_id, before.as_ref(), 2)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|m| m.message.message.clone()));
        before = page.next_before;
        if before.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["message 5", "message 4", "message 3", "message 2", "message 1"]);
    // Someone else's chat is refused.
    let stranger = ClientConfig::new(server.url(), token("x1", "renter", 600));
    let refused = urutibiz_client::history::chat_messages(&stranger, &chat_id, None, 2).await.unwrap_err();
    assert!(
        matches!(refused, urutibiz_client::history::HistoryError::Refused(s) if s.as_u16() == 403),
        "{refused}"
    );

    // Opening the chat reads its five notifications.
    host.send(ClientCommand::MarkChatRead(chat_id.clone()));
    loop {
        if let Update::Event(m) = next(&mut host_updates).await {
            let f = m.to_json();
            if f["event"] == "notifications-read" {
                assert_eq!(f["data"]["ids"].as_array().unwrap().len(), 5, "{f}");
                // The booking request stays unread: it is not a message.
                assert_eq!(f["data"]["unreadCount"], 1);
                break;
            }
        }
    }
    let chats = urutibiz_client::history::my_chats(&host_config, None, 10).await.unwrap();
    assert_eq!(chats.items[0].unread_count, 0);
    host.send(ClientCommand::Shutdown);
    renter.send(ClientCommand::Shutdown);
}
