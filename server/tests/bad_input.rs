//! Bad input: each case gets its specific error, never crashes the server
//! and never affects other connections.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn malformed_frames_get_specific_codes() {
    let server = Server::start(&[]);
    let mut client = server.connect("u1", "host").await;
    let cases: &[(&str, &str)] = &[
        ("{not json", "invalid-json"),
        ("", "invalid-json"),
        ("[1,2]", "invalid-frame"),
        ("\"join\"", "invalid-frame"),
        (r#"{"data":{}}"#, "invalid-frame"),
        (r#"{"event":42}"#, "invalid-frame"),
        (r#"{"event":"join","ref":{"x":1}}"#, "invalid-frame"),
        (r#"{"event":"subscribe","data":{}}"#, "unknown-event"),
        (r#"{"event":"JOIN","data":{"room":"user-u1"}}"#, "unknown-event"),
        (r#"{"event":"join"}"#, "invalid-payload"),
        (r#"{"event":"join","data":{"room":7}}"#, "invalid-payload"),
        (r#"{"event":"booking-update","data":{"bookingId":"b1","status":"lost"}}"#, "invalid-payload"),
        (r#"{"event":"message","data":{"message":"hi"}}"#, "invalid-payload"),
        (r#"{"event":"send-notification","data":{"toUserId":"u2"}}"#, "invalid-payload"),
        (r#"{"event":"authenticate","data":{"token":null}}"#, "invalid-payload"),
    ];
    for (text, code) in cases {
        client.send_text(text).await;
        let err = client.expect_error(code).await;
        assert!(!err["data"]["message"].as_str().unwrap().is_empty(), "{text}");
    }
    // The ref survives a bad payload so the client can match the error.
    client.send_text(r#"{"event":"join","data":{"room":1},"ref":"q7"}"#).await;
    let err = client.expect_error("invalid-payload").await;
    assert_eq!(err["ref"], "q7");
    assert_eq!(err["data"]["ref"], "q7");
    client.ws.send(Message::Binary(vec![1, 2, 3].into())).await.unwrap();
    client.expect_error("binary-unsupported").await;
    // Still a working session.
    let ok = client.request(json!({"event": "join", "data": {"room": "user-u1"}})).await;
    assert_eq!(ok["event"], "joined");
    let metrics = server.metrics().await;
    assert_eq!(metric(&metrics, "realtime_errors_total{code=\"unknown-event\"}"), 2.0, "{metrics}");
}

#[tokio::test]
async fn oversized_frame_closes_1009_without_affecting_others() {
    let server = Server::start(&["--max-frame-bytes", "4096"]);
    let mut big = server.connect("u1", "host").await;
    let mut bystander = server.connect("u2", "host").await;
    // Just under the cap is fine.
    let padding = "x".repeat(3900);
    let ok = big.request(json!({"event": "join", "data": {"room": "user-u1", "pad": padding}})).await;
    assert_eq!(ok["event"], "joined");
    big.send_text(&format!(r#"{{"event":"join","data":{{"room":"{}"}}}}"#, "x".repeat(5000))).await;
    big.expect_close(1009).await;
    server.publish("user-u2", "hello", json!({})).await;
    bystander.expect("hello").await;
}

#[tokio::test]
async fn flood_is_rate_limited_then_closed_1008() {
    let server = Server::start(&["--rate", "5", "--burst", "5", "--abuse-strikes", "30"]);
    let mut flooder = server.connect("u1", "host").await;
    let mut bystander = server.connect("u2", "host").await;
    let frame = json!({"event": "join", "data": {"room": "user-u1"}}).to_string();
    for _ in 0..40 {
        flooder.ws.feed(Message::Text(frame.clone().into())).await.unwrap();
    }
    flooder.ws.flush().await.unwrap();
    let mut joined = 0;
    let mut limited = 0;
    let closed = loop {
        match flooder.next().await {
            Next::Frame(f) if f["event"] == "joined" => joined += 1,
            Next::Frame(f) if f["data"]["code"] == "rate-limited" => limited += 1,
            Next::Frame(f) => panic!("unexpected {f}"),
            Next::Closed(code) => break code,
        }
    };
    assert_eq!(closed, Some(1008));
    assert!((5..=7).contains(&joined), "burst allowed {joined}");
    // One warning per run of refused frames, not one per frame.
    assert_eq!(limited, 1);
    server.publish("user-u2", "hello", json!({})).await;
    bystander.expect("hello").await;
}

#[tokio::test]
async fn a_flood_that_lets_a_token_come_back_now_and_then_is_still_closed() {
    // 20/s: a token every 50 ms. Chunks of 10 frames 60 ms apart get one
    // frame through per chunk; counting refusals "in a row" reset there and
    // never reached 30, so such a flood went on for ever.
    let server = Server::start(&["--rate", "20", "--burst", "5", "--abuse-strikes", "30"]);
    let mut flooder = server.connect("u1", "host").await;
    let frame = json!({"event": "join", "data": {"room": "user-u1"}}).to_string();
    let mut closed = None;
    let mut limited = 0;
    'chunks: for _ in 0..20 {
        for _ in 0..10 {
            if flooder.ws.feed(Message::Text(frame.clone().into())).await.is_err() {
                break 'chunks;
            }
        }
        if flooder.ws.flush().await.is_err() {
            break;
        }
        // Reads what came back during the pause.
        let pause = tokio::time::sleep(std::time::Duration::from_millis(60));
        tokio::pin!(pause);
        loop {
            tokio::select! {
                _ = &mut pause => break,
                next = flooder.next() => match next {
                    Next::Frame(f) if f["data"]["code"] == "rate-limited" => limited += 1,
                    Next::Frame(_) => {}
                    Next::Closed(code) => { closed = Some(code); break 'chunks; }
                },
            }
        }
    }
    while closed.is_none() {
        match flooder.next().await {
            Next::Frame(f) if f["data"]["code"] == "rate-limited" => limited += 1,
            Next::Frame(_) => {}
            Next::Closed(code) => closed = Some(code),
        }
    }
    assert_eq!(closed, Some(Some(1008)), "the flood was not closed");
    assert_eq!(limited, 1, "one warning per flood");
}

#[tokio::test]
async fn a_short_burst_recovers() {
    let server = Server::start(&["--rate", "20", "--burst", "3", "--abuse-strikes", "50"]);
    let mut client = server.connect("u1", "host").await;
    for _ in 0..6 {
        client.send(json!({"event": "join", "data": {"room": "user-u1"}})).await;
    }
    let mut codes = Vec::new();
    for _ in 0..4 {
        let f = client.recv().await;
        codes.push(f["event"].as_str().unwrap().to_owned());
    }
    assert_eq!(codes, ["joined", "joined", "joined", "error"]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let ok = client.request(json!({"event": "join", "data": {"room": "user-u1"}})).await;
    assert_eq!(ok["event"], "joined");
}
