//! A Socket.IO event's arguments as the bridge hands them to the session,
//! and a frame the bridge reads back for a Socket.IO client. Whatever the
//! bridge makes of an event is a frame the session can parse, unless the
//! client's own `ref` is too long (refused as on `/ws`). The bridge's ack
//! refs are `sio-<n>`, as `Acks::expect` makes them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urutibiz_protocol::ClientFrame;
use urutibiz_realtime_server::socketio::translate::{native_frame, Outgoing};

fuzz_target!(|input: (&str, Option<u64>)| {
    let (args, ack) = input;
    let ack = ack.map(|n| format!("sio-{n}"));
    if let Ok(frame) = native_frame(args, ack.as_deref()) {
        if let Err(refused) = ClientFrame::parse(&frame) {
            let own_ref_too_long = ack.is_none() && refused.message.starts_with("`ref` must be");
            assert!(own_ref_too_long, "the bridge made a frame the session refuses: {frame}: {refused:?}");
        }
    }
    if let Some(out) = Outgoing::parse(args) {
        let _ = out.payload();
        let _ = out.ack_payload();
    }
});
