//! A native `/ws` text frame, as the session reads it: the envelope, then
//! the typed event it names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urutibiz_protocol::ClientFrame;
use urutibiz_realtime_server::session::events::ClientEvent;

fuzz_target!(|text: &str| {
    if let Ok(frame) = ClientFrame::parse(text) {
        let _ = ClientEvent::from_frame(&frame);
    }
});
