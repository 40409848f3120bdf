//! Display names from tokens and the backend: whatever comes in, what is
//! kept is bounded, visible and free of reordering or invisible characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urutibiz_protocol::name::{clean, MAX_NAME_CHARS};

fuzz_target!(|raw: &str| {
    if let Some(name) = clean(raw) {
        assert!(!name.is_empty() && name.chars().count() <= MAX_NAME_CHARS);
        assert_eq!(name, name.trim());
        assert!(!name.contains("  "));
        assert!(!name.chars().any(|c| c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')));
        assert_eq!(clean(&name).as_deref(), Some(name.as_str()), "cleaning twice changes {name:?}");
    }
});
