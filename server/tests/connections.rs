//! One unauthenticated client cannot exhaust the server: half-sent request
//! heads and idle keep-alive connections are cut off, connections are
//! capped per client IP (WebSocket sessions included) while other clients
//! are still served, and shutdown does not wait on stalled clients.

mod common;

use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A TCP connection to the server from `source` (any 127.0.0.0/8 address).
async fn connect_from(server: &Server, source: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(server.addr.parse().unwrap()).await.unwrap()
}

/// Reads until the server closes the connection; `false` if it is still
/// open at `deadline`.
async fn closed_by(stream: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// A plain HTTP/1.1 GET from `source`; the status code.
async fn get_status_from(server: &Server, source: &str, path: &str) -> u16 {
    let client = reqwest::Client::builder()
        .local_address(source.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    client.get(server.url(path)).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn half_sent_request_heads_are_cut_off() {
    let server = Server::start(&["--header-read-timeout", "1s"]);
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = connect_from(&server, "127.0.0.1").await;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        slow.push(stream);
    }
    let deadline = Instant::now() + Duration::from_secs(6);
    for (i, stream) in slow.iter_mut().enumerate() {
        assert!(closed_by(stream, deadline).await, "half-sent request {i} still open after 6 s");
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = Server::start(&["--header-read-timeout", "1s"]);
    let mut stream = connect_from(&server, "127.0.0.1").await;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(
        closed_by(&mut stream, Instant::now() + Duration::from_secs(6)).await,
        "idle connection kept open"
    );
}

/// An authenticated WebSocket session opened from `source`.
async fn session_from(server: &Server, source: &str, user: &str) -> Client {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/ws", server.addr).into_client_request().unwrap();
    let bearer = format!("Bearer {}", token(user, "renter", 600));
    request.headers_mut().insert("Authorization", bearer.parse().unwrap());
    let stream = connect_from(server, source).await;
    let (ws, _) = tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
        .await
        .unwrap();
    let mut client = Client { ws };
    client.expect("authenticated").await;
    client
}

#[tokio::test]
async fn one_client_ip_cannot_take_every_connection() {
    let server = Server::start(&["--max-connections-per-ip", "5"]);
    // Three WebSocket sessions and two idle connections from one address.
    let abuser = "127.0.0.6";
    let mut sessions = Vec::new();
    for n in 0..3 {
        sessions.push(session_from(&server, abuser, &format!("u{n}")).await);
    }
    let _idle = [connect_from(&server, abuser).await, connect_from(&server, abuser).await];
    // The sixth from that address is closed at once, before any byte.
    let mut sixth = connect_from(&server, abuser).await;
    assert!(
        closed_by(&mut sixth, Instant::now() + Duration::from_secs(3)).await,
        "the per-IP cap let a sixth in"
    );
    // Everyone else is still served, health checks included.
    assert_eq!(get_status_from(&server, "127.0.0.2", "/healthz").await, 200);
    let metrics = reqwest::Client::builder()
        .local_address("127.0.0.3".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("realtime_connections_refused_total{cap=\"per-ip\"} 1"), "{metrics}");
    // The upgraded sockets still work, and closing one frees its slot.
    sessions.pop().unwrap().close().await;
    let mut again = None;
    for _ in 0..50 {
        let mut stream = connect_from(&server, abuser).await;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await {
            if n > 0 {
                again = Some(String::from_utf8_lossy(&buf[..n]).into_owned());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(again.is_some_and(|r| r.starts_with("HTTP/1.1 200")), "the closed session's slot was not freed");
}

#[tokio::test]
async fn this_machine_is_trusted_by_default() {
    // A proxy on the same host, or local tools: 127.0.0.1 is not capped.
    let server = Server::start(&["--max-connections-per-ip", "2"]);
    let _held: Vec<TcpStream> =
        futures_util::future::join_all((0..5).map(|_| connect_from(&server, "127.0.0.1"))).await;
    assert_eq!(get_status_from(&server, "127.0.0.1", "/healthz").await, 200);
}

#[tokio::test]
async fn a_trusted_proxy_is_exempt_from_the_per_ip_cap() {
    let server = Server::start(&["--max-connections-per-ip", "2", "--trusted-proxies", "127.0.0.4"]);
    let _held: Vec<TcpStream> =
        futures_util::future::join_all((0..5).map(|_| connect_from(&server, "127.0.0.4"))).await;
    assert_eq!(get_status_from(&server, "127.0.0.4", "/healthz").await, 200);
    let _two = [connect_from(&server, "127.0.0.5").await, connect_from(&server, "127.0.0.5").await];
    let mut third = connect_from(&server, "127.0.0.5").await;
    assert!(closed_by(&mut third, Instant::now() + Duration::from_secs(3)).await, "others still capped");
}

#[tokio::test]
async fn shutdown_does_not_wait_on_stalled_clients() {
    let mut server = Server::start(&[
        "--header-read-timeout",
        "120s",
        "--shutdown-grace",
        "1s",
        "--shutdown-deadline",
        "2s",
    ]);
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = connect_from(&server, "127.0.0.1").await;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        stalled.push(stream);
    }
    let mut client = server.connect("u1", "host").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.terminate();
    client.expect_close(1001).await;
    // Without a deadline the server would wait for the stalled heads (120 s).
    let exited = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                return Some((status, started.elapsed()));
            }
            if started.elapsed() > Duration::from_secs(30) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
    let (status, _) = exited.expect("still running 30 s after SIGTERM");
    assert!(status.success(), "{status:?}");
}
