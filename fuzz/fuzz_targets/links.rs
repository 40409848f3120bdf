//! `urutibiz:` links (from any web page or mail) and the sign-in callback's
//! query (anyone on this machine can send one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use urutibiz_client::auth::provider::check_callback;
use urutibiz_fuzz::deep_link::{self, Target};
use urutibiz_protocol::room::is_valid_id;

fuzz_target!(|input: (&str, &str)| {
    let (link, query) = input;
    if let Ok(target) = deep_link::parse(link) {
        let (Target::Booking(id) | Target::Chat(id)) = &target;
        assert!(is_valid_id(id), "a link led to {id:?}");
        assert!(!target.focus().contains(['/', '?', '#']));
    }
    if let Ok(query) = serde_urlencoded::from_str::<HashMap<String, String>>(query) {
        if let Ok(code) = check_callback(&query, "expected-state", "https://id.example") {
            assert_eq!(query.get("state").map(String::as_str), Some("expected-state"));
            assert_eq!(query.get("code"), Some(&code));
        }
    }
});
