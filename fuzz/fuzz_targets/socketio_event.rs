//! A Socket.IO event's arguments as the bridge reads them into the
//! session's frame, and a reply the bridge turns into a Socket.IO payload.
//! Whatever the bridge makes of an event is a frame the session accepts
//! the same way from `/ws`: written back as native JSON it parses to the
//! same envelope. A reply's payload with its ref spliced in stays JSON.
//! The bridge's ack refs are `sio-<n>`, as `Acks::expect` makes them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urutibiz_protocol::{event, ClientFrame};
use urutibiz_realtime_server::session::state::ReplyFrame;
use urutibiz_realtime_server::socketio::translate::{client_frame, reply_payload};

fuzz_target!(|input: (&str, Option<u64>)| {
    let (args, ack) = input;
    let ack = ack.map(|n| format!("sio-{n}"));
    if let Ok(frame) = client_frame(args, ack.as_deref()) {
        let native = serde_json::json!({ "event": frame.event, "data": frame.data, "ref": frame.reference });
        let again = ClientFrame::parse(&native.to_string()).expect("the session parses what the bridge read");
        assert_eq!((again.event, again.data, again.reference), (frame.event, frame.data, frame.reference));
    }
    if let Ok(data) = serde_json::from_str::<serde_json::Value>(args) {
        let reply = ReplyFrame::new(event::MESSAGE_SENT, &data, ack.as_deref());
        let payload = reply_payload(&reply);
        serde_json::from_str::<serde_json::Value>(payload.get()).expect("the spliced payload is JSON");
    }
});
