//! `urutibiz:` links (from any web page or mail) and the sign-in callback's
//! query (anyone on this machine can send one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use urutibiz_client::auth::provider::check_callback;
use urutibiz_fuzz::deep_link::{self, Target};
use urutibiz_fuzz::popup_acts::is_token;
use urutibiz_protocol::room::is_valid_id;

fuzz_target!(|input: (&str, &str)| {
    let (link, query) = input;
    if let Ok(parsed) = deep_link::parse(link) {
        if let Target::Booking(id) | Target::Chat(id) = &parsed.target {
            assert!(is_valid_id(id), "a link led to {id:?}");
        }
        let focus = parsed.target.focus().unwrap_or_default();
        assert!(!focus.contains(['/', '?', '#']));
        if let Some(click) = &parsed.click {
            assert!(is_token(&click.token), "a link carried the token {:?}", click.token);
        }
        // What a link reads as, written again, reads the same.
        assert_eq!(deep_link::parse(&parsed.to_string()), Ok(parsed));
    }
    if let Ok(query) = serde_urlencoded::from_str::<HashMap<String, String>>(query) {
        if let Ok(code) = check_callback(&query, "expected-state", "https://id.example") {
            assert_eq!(query.get("state").map(String::as_str), Some("expected-state"));
            assert_eq!(query.get("code"), Some(&code));
        }
    }
});
