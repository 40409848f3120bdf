//! Browser sign-in and long sessions against a real OpenID provider
//! (`dev-idp/`: oidc-provider), a real realtime server verifying its tokens
//! through the JWKS, and headless Chromium in the browser's place.

mod common;

use common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::Notify;
use urutibiz_client::auth::provider::SignInError;
use urutibiz_client::auth::{spawn_refresher, AuthEvent, Provider, Refreshing, SignedIn};
use urutibiz_client::{
    spawn, ClientConfig, Command as ClientCommand, ConnectionState, Handle, MemoryPosition, Update,
};

const CLIENT_ID: &str = "urutibiz-desktop";
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(60);

fn provider_flags(issuer: &str) -> Vec<String> {
    [
        "--jwt-algorithm",
        "RS256",
        "--jwks-discover",
        "--jwt-issuer",
        issuer,
        "--jwt-audience",
        "urn:urutibiz:realtime",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn start_server(dir: &tempfile::TempDir, idp: &Idp) -> Server {
    let flags = provider_flags(&idp.issuer);
    Server::start_with(dir, free_port(), &flags.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A client signed in through the browser as `login`, its socket started
/// `idle` after the sign-in, with a refresher keeping it alive.
struct Session {
    signed: SignedIn,
    handle: Handle,
    updates: UnboundedReceiver<Update>,
    auth: UnboundedReceiver<AuthEvent>,
    _refreshing: Refreshing,
}

async fn sign_in_and_connect(idp: &Idp, server: &Server, login: &str, idle: Duration) -> Session {
    let provider = Provider::discover(&idp.issuer, CLIENT_ID).await.unwrap();
    let signed = provider.sign_in(browser(login, false), SIGN_IN_TIMEOUT).await.unwrap();
    tokio::time::sleep(idle).await;
    let wake = Arc::new(Notify::new());
    let mut config = ClientConfig::new(server.url(), signed.tokens.access_token.clone());
    config.token_refresh = Some(wake.clone());
    let (handle, updates) = spawn(config, Arc::new(MemoryPosition::default()));
    let (refreshing, auth) = spawn_refresher(Arc::new(provider), signed.tokens.clone(), handle.clone(), wake);
    Session { signed, handle, updates, auth, _refreshing: refreshing }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_sign_in_stays_alive_across_rotating_refreshes_without_losing_events() {
    let idp = Idp::start(6);
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir, &idp);
    let Session { signed, handle, mut updates, mut auth, _refreshing } =
        sign_in_and_connect(&idp, &server, "host-amina", Duration::ZERO).await;
    assert_eq!(signed.user_id, "host-amina");
    assert_eq!(signed.name.as_deref(), Some("Amina"));
    let first_refresh = signed.tokens.refresh_token.clone().expect("offline_access gives a refresh token");
    wait_online(&mut updates).await;

    // Events keep coming for 25 s: about four access-token lifetimes.
    let started = Instant::now();
    let mut published = 0;
    let mut received = Vec::new();
    let mut refresh_tokens = vec![first_refresh];
    let mut states = Vec::new();
    let mut publish = tokio::time::interval(Duration::from_millis(250));
    while started.elapsed() < Duration::from_secs(25) {
        tokio::select! {
            _ = publish.tick() => {
                server.publish_to("user-host-amina", published).await;
                published += 1;
            }
            Some(update) = updates.recv() => match update {
                Update::State(state) => states.push(state),
                Update::Event(m) if m.name() == "tick" => received.push(m.data()["n"].as_i64().unwrap()),
                Update::Event(_) => {}
            },
            Some(event) = auth.recv() => match event {
                AuthEvent::Refreshed(tokens) => {
                    // Under way until the shell says it kept the rotated
                    // token (what the desktop's relaunch waits for).
                    assert!(_refreshing.in_flight(), "a renewal not yet kept counts as under way");
                    refresh_tokens.push(tokens.refresh_token.unwrap());
                    _refreshing.kept();
                    assert!(!_refreshing.in_flight());
                }
                other => panic!("unexpected {other:?}"),
            },
        }
    }
    while received.len() < published as usize {
        if let Update::Event(m) = next(&mut updates).await {
            if m.name() == "tick" {
                received.push(m.data()["n"].as_i64().unwrap());
            }
        }
    }
    assert_eq!(received, (0..published).collect::<Vec<_>>(), "every event once, in order");
    assert!(states.is_empty(), "the socket never dropped: {states:?}");
    let refreshes = refresh_tokens.len() - 1;
    assert!(refreshes >= 3, "only {refreshes} refreshes in 25 s of 6 s tokens");
    let mut distinct = refresh_tokens.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), refresh_tokens.len(), "the provider rotates refresh tokens");
    eprintln!("kept alive {:?} across {refreshes} refreshes; {published} events, 0 lost", started.elapsed());

    // An administrator ends the session at the provider: the next refresh
    // is refused and the client signs out cleanly, saying why.
    idp.revoke(refresh_tokens.last().unwrap()).await;
    let reason = loop {
        match tokio::time::timeout(Duration::from_secs(15), auth.recv()).await.unwrap().unwrap() {
            AuthEvent::SignedOut { reason } => break reason,
            AuthEvent::Refreshed(_) => panic!("a revoked refresh token was accepted"),
            AuthEvent::RefreshFailed { .. } => {}
        }
    };
    assert!(reason.contains("sign in again"), "{reason}");
    loop {
        if let Update::State(ConnectionState::SignedOut { reason: shown }) = next(&mut updates).await {
            assert_eq!(shown, reason);
            break;
        }
    }
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waking_with_an_expired_token_refreshes_before_reconnecting() {
    let idp = Idp::start(2);
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir, &idp);
    // As after a laptop slept: the access token ran out while nothing ran.
    let Session { handle, mut updates, _refreshing, .. } =
        sign_in_and_connect(&idp, &server, "renter-jean", Duration::from_secs(3)).await;
    let mut states = Vec::new();
    loop {
        if let Update::State(state) = next(&mut updates).await {
            let online = matches!(state, ConnectionState::Online { .. });
            states.push(state);
            if online {
                break;
            }
        }
    }
    assert!(
        matches!(&states[0], ConnectionState::Offline { reason, .. } if reason == "renewing the session"),
        "renews before the first attempt: {states:?}"
    );
    assert!(!states.iter().any(|s| matches!(s, ConnectionState::SignedOut { .. })), "{states:?}");
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_outage_keeps_the_socket_until_the_token_really_expires() {
    let mut idp = Idp::start(6);
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir, &idp);
    let Session { signed, handle, mut updates, mut auth, _refreshing } =
        sign_in_and_connect(&idp, &server, "host-amina", Duration::ZERO).await;
    // The server goes by the token's own `exp` (whole seconds, set by the
    // provider's clock), not by when this client received it.
    let expires_at = urutibiz_client::auth::jwt_expiry(&signed.tokens.access_token).unwrap();
    wait_online(&mut updates).await;

    // The provider goes away: renewing fails and is retried, the socket stays.
    idp.stop();
    match tokio::time::timeout(Duration::from_secs(10), auth.recv()).await.unwrap().unwrap() {
        AuthEvent::RefreshFailed { reason, retry_in } => {
            assert!(reason.contains("could not renew the session"), "{reason}");
            assert!(retry_in <= Duration::from_secs(2), "{retry_in:?}");
        }
        other => panic!("expected a failed refresh, got {other:?}"),
    }
    server.publish_to("user-host-amina", 1).await;
    let mut first_state_change = None;
    let mut got_tick = false;
    while first_state_change.is_none() {
        match next(&mut updates).await {
            Update::Event(m) if m.name() == "tick" => got_tick = true,
            Update::State(state) => first_state_change = Some((state, std::time::SystemTime::now())),
            Update::Event(_) => {}
        }
    }
    assert!(got_tick, "events still arrive while renewing fails");
    let (state, at) = first_state_change.unwrap();
    // Only the token's real expiry ends the connection, and then the client
    // waits for a renewal rather than signing out.
    // 200 ms for the two clocks (same machine) and the server's own timer.
    assert!(
        at + Duration::from_millis(200) >= expires_at,
        "dropped {:?} before expiry",
        expires_at.duration_since(at).unwrap_or_default()
    );
    assert!(
        matches!(&state, ConnectionState::Offline { reason, .. } if reason == "renewing the session"),
        "{state:?}"
    );
    handle.send(ClientCommand::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_forged_and_abandoned_sign_ins_fail_clearly() {
    let idp = Idp::start(60);
    let provider = Provider::discover(&idp.issuer, CLIENT_ID).await.unwrap();

    let cancelled = provider.sign_in(browser("host-amina", true), SIGN_IN_TIMEOUT).await.unwrap_err();
    assert!(matches!(cancelled, SignInError::Denied(_)), "{cancelled:?}");
    assert!(cancelled.to_string().starts_with("sign-in was cancelled or refused"), "{cancelled}");

    // A callback carrying another `state` (a forged or stale redirect, sent
    // by any local process or page) gets an error page and does not end the
    // sign-in: the real browser's answer that follows signs in.
    let stray_page = Arc::new(std::sync::Mutex::new(String::new()));
    let seen = stray_page.clone();
    let signed = provider
        .sign_in(
            move |url: &str| {
                let parsed = reqwest::Url::parse(url).unwrap();
                let redirect =
                    parsed.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
                let real_browser = browser("host-amina", false);
                let url = url.to_owned();
                tokio::spawn(async move {
                    let page = reqwest::get(format!("{redirect}?state=forged&code=stolen")).await.unwrap();
                    *seen.lock().unwrap() = page.text().await.unwrap();
                    real_browser(&url).unwrap();
                });
                Ok(())
            },
            SIGN_IN_TIMEOUT,
        )
        .await
        .expect("the sign-in survives a stray callback");
    assert_eq!(signed.user_id, "host-amina");
    assert!(stray_page.lock().unwrap().contains("not the answer to the sign-in"), "{stray_page:?}");

    // Only forged callbacks: the sign-in waits them out until its timeout.
    let forged = provider
        .sign_in(
            |url: &str| {
                let url = reqwest::Url::parse(url).unwrap();
                let redirect = url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
                tokio::spawn(async move {
                    let _ = reqwest::get(format!("{redirect}?state=forged&code=stolen")).await;
                });
                Ok(())
            },
            Duration::from_secs(2),
        )
        .await
        .unwrap_err();
    assert!(matches!(forged, SignInError::TimedOut(_)), "{forged:?}");

    // The browser was closed: nothing ever comes back.
    let abandoned = provider.sign_in(|_: &str| Ok(()), Duration::from_secs(1)).await.unwrap_err();
    assert!(matches!(abandoned, SignInError::TimedOut(_)), "{abandoned:?}");

    let no_browser = provider.sign_in(|_: &str| Err("no browser installed".into()), SIGN_IN_TIMEOUT).await;
    assert_eq!(no_browser.unwrap_err().to_string(), "cannot open the browser: no browser installed");
}

#[tokio::test]
async fn an_unreachable_or_malformed_provider_is_reported() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let err = Provider::discover(&closed, CLIENT_ID).await.unwrap_err();
    assert!(matches!(err, SignInError::Discovery { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot reach the sign-in service"), "{err}");

    // A server whose discovery document is not JSON.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 2048];
            let _ = socket.read(&mut buf).await;
            let body = "{\"issuer\": ";
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    let err = Provider::discover(&issuer, CLIENT_ID).await.unwrap_err();
    assert!(matches!(err, SignInError::Discovery { .. }), "{err:?}");

    let err = Provider::discover("not a url", CLIENT_ID).await.unwrap_err();
    assert!(matches!(err, SignInError::IssuerUrl { .. }), "{err:?}");
}

/// A JSON answer (the client crate's axum has no `Json`).
fn json_response(body: serde_json::Value) -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body.to_string())
}

#[tokio::test]
async fn a_provider_whose_endpoints_are_plain_http_to_another_machine_is_refused() {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let insecure = std::sync::Arc::new(std::sync::Mutex::new("token_endpoint"));
    let which = insecure.clone();
    let doc_issuer = issuer.clone();
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let issuer = doc_issuer.clone();
                let plain = *which.lock().unwrap();
                async move {
                    let endpoint = |name: &str| {
                        if name == plain {
                            format!("http://idp.example/{name}")
                        } else {
                            format!("{issuer}/{name}")
                        }
                    };
                    json_response(serde_json::json!({
                        "issuer": issuer,
                        "authorization_endpoint": endpoint("authorization_endpoint"),
                        "token_endpoint": endpoint("token_endpoint"),
                        "jwks_uri": format!("{issuer}/jwks"),
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }))
                }
            }),
        )
        .route("/jwks", get(|| async { json_response(serde_json::json!({"keys": []})) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    for (endpoint, what) in
        [("token_endpoint", "token endpoint"), ("authorization_endpoint", "authorization endpoint")]
    {
        *insecure.lock().unwrap() = endpoint;
        let err = Provider::discover(&issuer, CLIENT_ID).await.unwrap_err();
        assert!(matches!(err, SignInError::InsecureEndpoint { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "the sign-in service's {what} (http://idp.example/{endpoint}) is not an https:// address"
            )
        );
    }
    // The same provider with its own (loopback) endpoints is accepted.
    *insecure.lock().unwrap() = "none";
    assert!(Provider::discover(&issuer, CLIENT_ID).await.is_ok());
    // An issuer over plain http to another machine is not even asked.
    let err = Provider::discover("http://idp.example", CLIENT_ID).await.unwrap_err();
    assert!(matches!(err, SignInError::InsecureEndpoint { what: "address", .. }), "{err:?}");
}
