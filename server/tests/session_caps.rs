//! Caps that hold for every kind of session: Engine.IO sessions (Socket.IO,
//! polling or WebSocket) count against `--max-connections` and the per-IP
//! cap however many share one keep-alive connection; unauthenticated ones
//! end at `--auth-timeout`; each user has a cap of their own; a refused
//! Socket.IO connect cannot be retried on the same session.
//!
//! Clients come from 127.0.0.2 and 127.0.0.3 (loopback, but not the
//! trusted-proxy default 127.0.0.1) so the per-IP cap applies to them.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;

const HANDSHAKE: &str = "/socket.io/?EIO=4&transport=polling";

/// A TCP connection to the server from `source` (a loopback address).
async fn connect_from(server: &Server, source: &str) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse::<SocketAddr>().unwrap())?;
    socket.connect(server.addr.parse().unwrap()).await
}

/// One HTTP/1.1 GET on an open keep-alive connection: status and body, or
/// `None` when the server closed the connection.
async fn get(stream: &mut TcpStream, path: &str) -> Option<(u16, String)> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: realtime\r\nConnection: keep-alive\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(RECV_TIMEOUT, stream.read(&mut byte)).await.expect("response in time") {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8(head).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no content-length in {head}"));
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    Some((status, String::from_utf8(body).unwrap()))
}

/// Opens Engine.IO handshakes one after another on `stream`; the statuses.
async fn handshakes(stream: &mut TcpStream, count: usize) -> Vec<(u16, String)> {
    let mut answers = Vec::new();
    for _ in 0..count {
        match get(stream, HANDSHAKE).await {
            Some(answer) => answers.push(answer),
            None => break,
        }
    }
    answers
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

/// A Socket.IO client over WebSocket from `source`, past Engine.IO's open packet.
async fn engineio_ws(server: &Server, source: &str) -> Ws {
    let stream = connect_from(server, source).await.unwrap();
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.addr);
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream).await.expect("websocket handshake");
    let open = next_text(&mut ws).await.expect("Engine.IO open packet");
    assert!(open.starts_with("0{"), "{open}");
    ws
}

/// The next text frame, skipping Engine.IO pings; `None` once closed.
async fn next_text(ws: &mut Ws) -> Option<String> {
    loop {
        match tokio::time::timeout(RECV_TIMEOUT, ws.next()).await.expect("a frame in time") {
            Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                ws.send(Message::text("3")).await.ok()?
            }
            Some(Ok(Message::Text(text))) => return Some(text.as_str().to_owned()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Sends Socket.IO's connect packet with `token`; the answer packet.
async fn sio_connect(ws: &mut Ws, token: &str) -> String {
    ws.send(Message::text(format!("40{}", json!({ "token": token })))).await.unwrap();
    next_text(ws).await.expect("an answer to connect")
}

fn connect_error(packet: &str) -> String {
    let body: Value =
        serde_json::from_str(packet.strip_prefix("44").unwrap_or_else(|| panic!("{packet}"))).unwrap();
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_sessions_over_one_keep_alive_connection_each_count_against_the_per_ip_cap() {
    let server = Server::start(&["--max-connections-per-ip", "5", "--auth-timeout", "1s"]);
    let mut keep_alive = connect_from(&server, "127.0.0.2").await.unwrap();
    let answers = handshakes(&mut keep_alive, 10).await;
    assert_eq!(answers.len(), 10, "the connection stays usable");
    // The connection itself is one of the five; each session is another.
    let opened = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(opened, 4, "{answers:?}");
    for (status, body) in &answers[4..] {
        assert_eq!(*status, 503);
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["message"], "too many connections from this address; close some first");
    }
    assert_eq!(metric(&server.metrics().await, "realtime_engineio_sessions"), 4.0);
    // Another connection from the same address is over the cap at accept.
    let mut second = connect_from(&server, "127.0.0.2").await.unwrap();
    assert!(get(&mut second, "/healthz").await.is_none(), "a sixth connection was served");
    // Another address is not affected.
    let mut other = connect_from(&server, "127.0.0.3").await.unwrap();
    assert_eq!(get(&mut other, HANDSHAKE).await.unwrap().0, 200);

    // Sessions that never authenticate end at the auth timeout, and their
    // places are free again.
    assert_eq!(server.wait_for_metric("realtime_engineio_sessions", 0.0).await, 0.0);
    assert_eq!(handshakes(&mut keep_alive, 1).await[0].0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bare_handshakes_stays_bounded_and_healthy_clients_still_connect() {
    let server = Server::start(&["--max-connections-per-ip", "40", "--auth-timeout", "3s"]);
    let mut opened = 0;
    let mut refused = 0;
    // 10 connections × 60 handshakes from one address (bounded loop).
    for _ in 0..10 {
        let Ok(mut stream) = connect_from(&server, "127.0.0.2").await else { continue };
        for (status, _) in handshakes(&mut stream, 60).await {
            match status {
                200 => opened += 1,
                503 => refused += 1,
                other => panic!("status {other}"),
            }
        }
    }
    // The rest were refused with 503, or never read: past the cap a new
    // connection from the address is closed at accept.
    assert!(opened < 40, "{opened} sessions opened past the cap");
    assert!(refused > 0, "the cap never answered 503");
    let sessions = metric(&server.metrics().await, "realtime_engineio_sessions");
    assert!(sessions < 40.0, "{sessions} sessions held");

    // A real client from elsewhere connects and is served.
    let mut ws = engineio_ws(&server, "127.0.0.3").await;
    let answer = sio_connect(&mut ws, &token("renter-jean", "renter", 600)).await;
    assert!(answer.starts_with("40{\"sid\""), "{answer}");
    let hello = next_text(&mut ws).await.unwrap();
    assert!(hello.starts_with("42[\"authenticated\""), "{hello}");
    // The flood's sessions end by themselves at the auth timeout.
    assert_eq!(server.wait_for_metric("realtime_engineio_sessions", 1.0).await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_socketio_connect_cannot_be_retried_on_the_same_session() {
    let server = Server::start(&["--auth-timeout", "2s"]);
    let mut ws = engineio_ws(&server, "127.0.0.2").await;
    assert_eq!(connect_error(&sio_connect(&mut ws, "not-a-token").await), "malformed token");
    // A good token on the same session is refused without being looked at.
    let retry = sio_connect(&mut ws, &token("renter-jean", "renter", 600)).await;
    assert_eq!(
        connect_error(&retry),
        "this connection's sign-in was refused; open a new connection to try again"
    );
    // The session ends at the auth timeout.
    let mut closed = false;
    for _ in 0..10 {
        if next_text(&mut ws).await.is_none() {
            closed = true;
            break;
        }
    }
    assert!(closed, "the refused session stayed open");
    // A new session with the good token is served.
    let mut fresh = engineio_ws(&server, "127.0.0.2").await;
    assert!(sio_connect(&mut fresh, &token("renter-jean", "renter", 600)).await.starts_with("40{"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_has_a_cap_of_their_own_on_every_transport() {
    let server = Server::start(&["--max-connections-per-user", "2"]);
    let first = server.connect("host-amina", "host").await;
    let _second = server.connect("host-amina", "host").await;
    let mut third = server.connect_with_header(&token("host-amina", "host", 600)).await;
    let refused = third.expect_error("rate-limited").await;
    assert_eq!(refused["data"]["message"], "too many connections for this user; close some first");
    third.expect_close(1013).await;
    // On Socket.IO too, as a connect error.
    let mut ws = engineio_ws(&server, "127.0.0.2").await;
    let answer = sio_connect(&mut ws, &token("host-amina", "host", 600)).await;
    assert_eq!(connect_error(&answer), "too many connections for this user; close some first");
    // Other users are not affected, and a closed connection frees its place.
    server.connect("renter-jean", "renter").await;
    first.close().await;
    let mut again = engineio_ws(&server, "127.0.0.3").await;
    let mut answer = String::new();
    for _ in 0..20 {
        answer = sio_connect(&mut again, &token("host-amina", "host", 600)).await;
        if answer.starts_with("40{") {
            break;
        }
        // Refused while the closed connection was still being counted:
        // that session is spent, open another.
        tokio::time::sleep(Duration::from_millis(100)).await;
        again = engineio_ws(&server, "127.0.0.3").await;
    }
    assert!(answer.starts_with("40{\"sid\""), "{answer}");
    assert!(metric(&server.metrics().await, "realtime_connections_refused_total{cap=\"per-user\"}") >= 2.0);
}
