//! A Socket.IO event's arguments as the bridge hands them to the session,
//! and a frame the bridge reads back for a Socket.IO client. Whatever the
//! bridge makes of an event must be a frame the session can parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urutibiz_protocol::ClientFrame;
use urutibiz_realtime_server::socketio::translate::{native_frame, Outgoing};

fuzz_target!(|input: (&str, Option<&str>)| {
    let (args, ack) = input;
    if let Ok(frame) = native_frame(args, ack) {
        let parsed = ClientFrame::parse(&frame);
        assert!(parsed.is_ok(), "the bridge made a frame the session refuses: {frame}");
    }
    if let Some(out) = Outgoing::parse(args) {
        let _ = out.payload();
        let _ = out.ack_payload();
    }
});
