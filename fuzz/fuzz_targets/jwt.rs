//! Tokens as the verifier sees them: arbitrary text, and arbitrary headers
//! and claims signed with the right secret (so the claims are read).
#![no_main]

use base64::Engine as _;
use jsonwebtoken::Algorithm;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use urutibiz_realtime_server::auth::{ClaimNames, JwtSettings, Verifier};

const SECRET: &[u8] = b"fuzz-secret-0123456789abcdef-0123456789";

fn verifier() -> &'static (Verifier, tokio::runtime::Runtime) {
    static ONCE: OnceLock<(Verifier, tokio::runtime::Runtime)> = OnceLock::new();
    ONCE.get_or_init(|| {
        let settings = JwtSettings {
            algorithm: Algorithm::HS256,
            key: SECRET.to_vec(),
            jwks: None,
            backend_secret: None,
            claims: ClaimNames::default(),
            issuer: None,
            audience: None,
            leeway_secs: 30,
            max_lifetime_secs: 7 * 86_400,
            privileged_clients: Vec::new(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        (Verifier::new(&settings).unwrap(), runtime)
    })
}

/// `header.claims.signature`, signed with the secret whatever the parts say.
fn signed(header: &[u8], claims: &[u8]) -> String {
    use hmac::Mac as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let input = format!("{}.{}", b64.encode(header), b64.encode(claims));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64.encode(mac.finalize().into_bytes()))
}

fuzz_target!(|input: (&str, &[u8], &[u8])| {
    let (raw, header, claims) = input;
    let (verifier, runtime) = verifier();
    let _ = runtime.block_on(verifier.verify(raw));
    let _ = runtime.block_on(verifier.verify(&signed(header, claims)));
    // A well-formed header with arbitrary claims reaches the claim checks.
    let _ = runtime.block_on(verifier.verify(&signed(br#"{"alg":"HS256","typ":"JWT"}"#, claims)));
});
