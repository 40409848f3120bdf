//! The wire text of stored events: encoded once, shared by every recipient
//! (live delivery) and by replays.

use crate::store::StoredEvent;
use axum::extract::ws::Utf8Bytes;
use serde_json::value::RawValue;
use urutibiz_protocol::ServerFrame;

/// The wire text of a stored event.
pub(crate) fn encode(stored: &StoredEvent) -> Utf8Bytes {
    let e = &stored.event;
    let frame: ServerFrame<&RawValue> = ServerFrame::stored(&e.event, &e.id, stored.seq, &e.data);
    Utf8Bytes::from(frame.to_json())
}
