//! Plays out a small marketplace day against a running server in `--dev`
//! mode and prints what the host's and the renter's sockets receive.
//!
//! ```sh
//! realtime-server serve --dev &
//! cargo run -p urutibiz-realtime-server --example marketplace_day -- http://127.0.0.1:8080
//! ```
//!
//! With `--loop`, it keeps playing a new day every few seconds (the desktop
//! demo uses that to keep events flowing).

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use urutibiz_realtime_server::auth::{mint_hs256, Role};
use urutibiz_realtime_server::cli::DEV_SECRET;

const HOST: &str = "host-amina";
const RENTER: &str = "renter-jean";

/// The people of the demo, by the names others see.
fn display_name(user: &str) -> Option<&'static str> {
    match user {
        HOST => Some("Amina"),
        RENTER => Some("Jean"),
        _ => None,
    }
}

fn token(user: &str, role: Role) -> String {
    let secret = std::env::var("JWT_SECRET").ok().filter(|s| !s.is_empty()).unwrap_or(DEV_SECRET.into());
    mint_hs256(secret.as_bytes(), "sub", user, role, 3600, display_name(user))
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(base: &str, user: &str, role: Role) -> Socket {
    let mut request = format!("{}/ws", base.replacen("http", "ws", 1)).into_client_request().unwrap();
    request.headers_mut().insert("Authorization", format!("Bearer {}", token(user, role)).parse().unwrap());
    tokio_tungstenite::connect_async(request).await.expect("connecting to the server").0
}

/// Prints every frame a socket receives, one line each, for a person.
fn print_frames(who: &'static str, mut socket: futures_util::stream::SplitStream<Socket>) {
    tokio::spawn(async move {
        while let Some(Ok(Message::Text(text))) = socket.next().await {
            let f: Value = serde_json::from_str(&text).unwrap_or_default();
            let d = &f["data"];
            let line = match f["event"].as_str().unwrap_or("?") {
                "authenticated" => format!("signed in as {} ({})", d["userId"], d["role"]),
                "booking-status-changed" => format!(
                    "booking {} {} -> {} by {}",
                    d["bookingId"], d["previousStatus"], d["status"], d["changedBy"]
                ),
                "notification" => format!("notification [{}] {}: {}", d["type"], d["title"], d["body"]),
                "new-message" => {
                    format!("message from {} in {}: {}", d["fromName"], d["chatId"], d["message"])
                }
                other => format!("{other} {d}"),
            };
            println!("  [{who:6}] {line}");
        }
    });
}

async fn put_booking(http: &reqwest::Client, base: &str, id: &str, status: &str, title: &str) {
    let response = http
        .put(format!("{base}/api/v1/bookings/{id}"))
        .bearer_auth(token("marketplace-backend", Role::Service))
        .json(&json!({"hostId": HOST, "renterId": RENTER, "status": status, "title": title}))
        .send()
        .await
        .expect("calling the booking API");
    assert!(response.status().is_success(), "booking API answered {}", response.status());
}

async fn say(socket: &mut futures_util::stream::SplitSink<Socket, Message>, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.expect("sending");
}

async fn pause() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let repeat = args.any(|a| a == "--loop");
    let http = reqwest::Client::new();
    let (mut host, host_in) = connect(&base, HOST, Role::Host).await.split();
    let (mut renter, renter_in) = connect(&base, RENTER, Role::Renter).await.split();
    print_frames("host", host_in);
    print_frames("renter", renter_in);
    let mut day = 0;
    loop {
        day += 1;
        let (camera, tent) = (format!("b-{day}-camera"), format!("b-{day}-tent"));
        println!("Day {day}: the renter requests a camera and a tent");
        put_booking(&http, &base, &camera, "pending", "Canon EOS R6, Fri 12 Dec").await;
        put_booking(&http, &base, &tent, "pending", "4-person tent, 13-14 Dec").await;
        pause().await;
        println!("The renter asks about the camera");
        // They share bookings, so either may write; the server picks the
        // pair's chat.
        say(&mut renter, json!({"event": "message", "data": {"toUserId": HOST, "message": "Hi! Does the camera come with a spare battery?"}})).await;
        pause().await;
        say(&mut host, json!({"event": "message", "data": {"toUserId": RENTER, "message": "Yes, two batteries and a charger."}})).await;
        pause().await;
        println!("The host confirms the camera");
        say(
            &mut host,
            json!({"event": "booking-update", "data": {"bookingId": camera, "status": "confirmed"}}),
        )
        .await;
        pause().await;
        println!("The renter cancels the tent");
        say(
            &mut renter,
            json!({"event": "booking-update", "data": {"bookingId": tent, "status": "cancelled"}}),
        )
        .await;
        pause().await;
        println!("Pickup day: the host starts the rental");
        say(
            &mut host,
            json!({"event": "booking-update", "data": {"bookingId": camera, "status": "in_progress"}}),
        )
        .await;
        pause().await;
        if !repeat {
            break;
        }
        tokio::time::sleep(Duration::from_secs(20)).await;
    }
    println!("Done.");
}
