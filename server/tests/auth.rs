//! Authentication: header and first-frame, every JWT failure, expiry and
//! re-authentication.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

#[tokio::test]
async fn header_auth_joins_own_rooms() {
    let server = Server::start(&[]);
    let mut client = server.connect_with_header(&token("u1", "host", 3600)).await;
    let hello = client.expect("authenticated").await;
    assert_eq!(hello["data"]["userId"], "u1");
    assert_eq!(hello["data"]["role"], "host");
    assert_eq!(hello["data"]["rooms"], json!(["role-host", "user-u1"]));
    let exp = hello["data"]["expiresAt"].as_i64().unwrap();
    assert!((exp - now() - 3600).abs() <= 2, "expiresAt {exp}");
    // Being in user-u1 means a publish to it arrives.
    assert_eq!(server.publish("user-u1", "ping-test", json!({"n": 1})).await.status(), 202);
    let frame = client.expect("ping-test").await;
    assert_eq!(frame["data"], json!({"n": 1}));
}

#[tokio::test]
async fn first_frame_auth_echoes_ref() {
    let server = Server::start(&[]);
    let mut client = server.connect_bare().await;
    client
        .send(json!({"event": "authenticate", "data": {"token": token("u2", "renter", 60)}, "ref": "a1"}))
        .await;
    let hello = client.expect("authenticated").await;
    assert_eq!(hello["ref"], "a1");
    assert_eq!(hello["data"]["rooms"], json!(["role-renter", "user-u2"]));
}

#[tokio::test]
async fn user_claim_is_configurable() {
    let server = Server::start(&["--jwt-user-claim", "userId"]);
    let t = sign(json!({"userId": 42, "role": "renter", "exp": now() + 60}));
    let mut client = server.connect_with_header(&t).await;
    assert_eq!(client.expect("authenticated").await["data"]["userId"], "42");
    // `sub` alone no longer names the user.
    let mut client = server.connect_with_header(&token("u1", "renter", 60)).await;
    client.expect_error("unauthorized").await;
    client.expect_close(4401).await;
}

fn none_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({"sub":"u1","role":"admin","exp": now() + 60}).to_string());
    format!("{header}.{claims}.")
}

/// Every way a token can be bad, with the message the client sees.
fn bad_tokens() -> Vec<(&'static str, String, &'static str)> {
    let rsa = EncodingKey::from_rsa_pem(&std::fs::read(fixture("rs256-private.pem")).unwrap()).unwrap();
    let good_claims = json!({"sub": "u1", "role": "host", "exp": now() + 60});
    vec![
        ("expired", token("u1", "host", -5), "token expired"),
        (
            "wrong key",
            sign_with(
                Algorithm::HS256,
                &EncodingKey::from_secret(b"another-secret-another-secret-0000"),
                good_claims.clone(),
            ),
            "invalid signature",
        ),
        ("alg none", none_token(), "token algorithm not allowed"),
        ("wrong alg", sign_with(Algorithm::RS256, &rsa, good_claims.clone()), "token algorithm not allowed"),
        ("missing exp", sign(json!({"sub": "u1", "role": "host"})), "missing or invalid claim `exp`"),
        (
            "future nbf",
            sign(json!({"sub": "u1", "role": "host", "exp": now() + 60, "nbf": now() + 30})),
            "token not yet valid",
        ),
        (
            "unknown role",
            sign(json!({"sub": "u1", "role": "root", "exp": now() + 60})),
            "missing or invalid claim `role`",
        ),
        ("no user", sign(json!({"role": "host", "exp": now() + 60})), "missing or invalid claim `sub`"),
        ("garbage", "not.a.jwt".to_owned(), "malformed token"),
        ("empty", String::new(), "missing token"),
    ]
}

#[tokio::test]
async fn every_bad_token_is_refused_by_header_and_by_frame() {
    let server = Server::start(&[]);
    for (case, bad, message) in bad_tokens() {
        if !bad.is_empty() {
            let mut client = server.connect_with_header(&bad).await;
            let err = client.expect_error("unauthorized").await;
            assert_eq!(err["data"]["message"], message, "header, {case}");
            client.expect_close(4401).await;
        }
        let mut client = server.connect_bare().await;
        client.send(json!({"event": "authenticate", "data": {"token": bad}, "ref": case})).await;
        let err = client.expect_error("unauthorized").await;
        assert_eq!(err["data"]["message"], message, "frame, {case}");
        assert_eq!(err["ref"], case);
        client.expect_close(4401).await;
    }
    let metrics = server.metrics().await;
    assert!(metric(&metrics, "realtime_errors_total{code=\"unauthorized\"}") >= 19.0, "{metrics}");
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let server = Server::start(&["--jwt-issuer", "urutibiz-api", "--jwt-audience", "realtime"]);
    let exp = now() + 60;
    let good =
        sign(json!({"sub": "u1", "role": "host", "exp": exp, "iss": "urutibiz-api", "aud": "realtime"}));
    server.connect_with_header(&good).await.expect("authenticated").await;
    for (claims, message) in [
        (
            json!({"sub": "u1", "role": "host", "exp": exp, "iss": "evil", "aud": "realtime"}),
            "invalid issuer",
        ),
        (
            json!({"sub": "u1", "role": "host", "exp": exp, "iss": "urutibiz-api", "aud": "other"}),
            "invalid audience",
        ),
        (
            json!({"sub": "u1", "role": "host", "exp": exp, "aud": "realtime"}),
            "missing or invalid claim `iss`",
        ),
    ] {
        let mut client = server.connect_with_header(&sign(claims)).await;
        assert_eq!(client.expect_error("unauthorized").await["data"]["message"], message);
        client.expect_close(4401).await;
    }
}

#[tokio::test]
async fn rs256_and_es256_with_public_keys() {
    for (alg, flag, private) in
        [(Algorithm::RS256, "RS256", "rs256-private.pem"), (Algorithm::ES256, "ES256", "es256-private.pem")]
    {
        let public = fixture(&format!("{}-public.pem", flag.to_lowercase()));
        let server = Server::start(&["--jwt-algorithm", flag, "--jwt-public-key", public.to_str().unwrap()]);
        let pem = std::fs::read(fixture(private)).unwrap();
        let key = if alg == Algorithm::RS256 {
            EncodingKey::from_rsa_pem(&pem)
        } else {
            EncodingKey::from_ec_pem(&pem)
        }
        .unwrap();
        let good = sign_with(alg, &key, json!({"sub": "u9", "role": "renter", "exp": now() + 60}));
        server.connect_with_header(&good).await.expect("authenticated").await;
        // An HS256 token signed with the public key as secret: the classic confusion attack.
        let confused = sign_with(
            Algorithm::HS256,
            &EncodingKey::from_secret(&std::fs::read(&public).unwrap()),
            json!({"sub": "u9", "role": "admin", "exp": now() + 60}),
        );
        let mut client = server.connect_with_header(&confused).await;
        assert_eq!(
            client.expect_error("unauthorized").await["data"]["message"],
            "token algorithm not allowed"
        );
        client.expect_close(4401).await;
    }
}

#[tokio::test]
async fn no_authentication_in_time_closes_4401() {
    let server = Server::start(&["--auth-timeout", "300ms"]);
    let mut client = server.connect_bare().await;
    client.expect_error("unauthorized").await;
    client.expect_close(4401).await;
}

#[tokio::test]
async fn first_frame_must_be_authenticate() {
    let server = Server::start(&[]);
    let mut client = server.connect_bare().await;
    client.send(json!({"event": "join", "data": {"room": "user-u1"}, "ref": "j"})).await;
    let err = client.expect_error("unauthorized").await;
    assert_eq!(err["ref"], "j");
    client.expect_close(4401).await;
}

#[tokio::test]
async fn token_in_url_is_rejected() {
    let server = Server::start(&[]);
    let url = format!("ws://{}/ws?token={}", server.addr, token("u1", "host", 60));
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(response) => assert_eq!(response.status(), 400),
        other => panic!("expected HTTP 400, got {other:?}"),
    }
}

#[tokio::test]
async fn expiry_closes_unless_refreshed() {
    let server = Server::start(&[]);
    // Refreshed before exp: survives past the first token's exp.
    let mut kept = server.connect_with_header(&token("u1", "host", 2)).await;
    kept.expect("authenticated").await;
    let mut expiring = server.connect_with_header(&token("u1", "host", 2)).await;
    expiring.expect("authenticated").await;
    let refreshed = kept
        .request(json!({"event": "authenticate", "data": {"token": token("u1", "host", 3600)}, "ref": "r"}))
        .await;
    assert_eq!(refreshed["event"], "authenticated");
    assert_eq!(refreshed["ref"], "r");
    assert!(refreshed["data"]["expiresAt"].as_i64().unwrap() > now() + 3000);
    let err = expiring.expect_error("token-expired").await;
    assert!(err["data"]["message"].as_str().unwrap().contains("expired"));
    expiring.expect_close(4401).await;
    let pong = kept.request(json!({"event": "join", "data": {"room": "user-u1"}})).await;
    assert_eq!(pong["event"], "joined");
}

#[tokio::test]
async fn reauthentication_as_someone_else_is_refused() {
    let server = Server::start(&[]);
    let mut client = server.connect("u1", "host").await;
    let err = client
        .request(json!({"event": "authenticate", "data": {"token": token("u2", "host", 60)}, "ref": "x"}))
        .await;
    assert_eq!(err["data"]["code"], "user-mismatch");
    assert_eq!(err["ref"], "x");
    let err =
        client.request(json!({"event": "authenticate", "data": {"token": token("u1", "admin", 60)}})).await;
    assert_eq!(err["data"]["code"], "user-mismatch");
    let err =
        client.request(json!({"event": "authenticate", "data": {"token": token("u1", "host", -10)}})).await;
    assert_eq!(err["data"]["code"], "unauthorized");
    // Still the same session.
    assert_eq!(server.publish("user-u1", "still-here", json!({})).await.status(), 202);
    client.expect("still-here").await;
}

#[tokio::test]
async fn overlong_tokens_are_refused() {
    let server = Server::start(&["--jwt-max-lifetime", "1h"]);
    let server = &server;
    let refused = |claims: serde_json::Value| {
        let token = sign(claims);
        async move {
            let mut client = server.connect_bare().await;
            client.send(json!({"event": "authenticate", "data": {"token": token}})).await;
            client.recv().await
        }
    };
    let t = now();
    for claims in [
        // Issued for two hours.
        json!({"sub": "u1", "role": "host", "iat": t, "exp": t + 7200}),
        // No `iat`, and `exp` far in the future.
        json!({"sub": "u1", "role": "host", "exp": t + 10 * 365 * 86400}),
        // An `iat` in the future does not shorten the lifetime.
        json!({"sub": "u1", "role": "host", "iat": t + 86400, "exp": t + 86400 + 60}),
    ] {
        let answer = refused(claims.clone()).await;
        assert_eq!(
            answer["data"]["message"], "token lifetime exceeds the server's limit",
            "{claims}: {answer}"
        );
    }
    let ok = refused(json!({"sub": "u1", "role": "host", "iat": t, "exp": t + 3000})).await;
    assert_eq!(ok["event"], "authenticated", "{ok}");
}
