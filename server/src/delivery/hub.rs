//! Who is in which room, and delivery of encoded frames to them.
//!
//! Rooms live in a sharded map, so there is no global lock on the delivery
//! path. A frame is encoded once by the caller and shared by reference count
//! among all recipients. Each connection has a bounded queue; a connection
//! whose queue is full is evicted rather than allowed to grow memory or slow
//! delivery to others.

use crate::metrics::Metrics;
use axum::extract::ws::Utf8Bytes;
use dashmap::DashMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;

/// Identifies one connection for the life of the process.
pub(crate) type ConnId = u64;

/// An encoded frame, shared by all its recipients. One pointer wide: every
/// connection's queue allocates room for a block of frames up front, so the
/// frame's size is paid per idle connection.
#[derive(Debug, Clone)]
pub(crate) struct Frame(Arc<Encoded>);

#[derive(Debug)]
struct Encoded {
    seq: Option<i64>,
    text: Utf8Bytes,
    /// The frame's event and payload, split out of `text` the first time a
    /// transport that sends them apart asks (Socket.IO), then shared by all
    /// its recipients: a broadcast is read once, not once per socket.
    parts: OnceLock<Option<FrameParts>>,
}

/// A frame's event name and payload, apart.
#[derive(Debug)]
pub(crate) struct FrameParts {
    /// The event name.
    pub event: Box<str>,
    /// The payload's JSON text (`null` when the frame has none).
    pub data: Box<RawValue>,
}

impl Frame {
    /// A stored event's frame, at its position.
    pub(crate) fn stored(seq: i64, text: Utf8Bytes) -> Frame {
        Frame(Arc::new(Encoded { seq: Some(seq), text, parts: OnceLock::new() }))
    }

    /// A frame that is not stored (read-state changes).
    pub(crate) fn ephemeral(text: Utf8Bytes) -> Frame {
        Frame(Arc::new(Encoded { seq: None, text, parts: OnceLock::new() }))
    }

    /// The event name and payload, read from the text once per frame
    /// whatever the number of recipients; `None` if the text is not a frame
    /// (it always is: the server encoded it).
    pub(crate) fn parts(&self) -> Option<&FrameParts> {
        self.0
            .parts
            .get_or_init(|| {
                #[derive(Deserialize)]
                struct Split<'a> {
                    #[serde(borrow)]
                    event: std::borrow::Cow<'a, str>,
                    #[serde(borrow, default)]
                    data: Option<&'a RawValue>,
                }
                let split: Split<'_> = serde_json::from_str(&self.0.text).ok()?;
                let data = match split.data {
                    Some(data) => data.to_owned(),
                    None => RawValue::from_string("null".to_owned()).ok()?,
                };
                Some(FrameParts { event: split.event.into(), data })
            })
            .as_ref()
    }

    /// Position of the stored event it carries; `None` for ephemeral frames.
    pub(crate) fn seq(&self) -> Option<i64> {
        self.0.seq
    }

    /// The JSON text.
    pub(crate) fn text(&self) -> Utf8Bytes {
        self.0.text.clone()
    }
}

/// The sending side of one connection's queue.
#[derive(Clone)]
pub(crate) struct Outbox {
    /// The connection.
    pub id: ConnId,
    tx: mpsc::Sender<Frame>,
    /// Cancelled when the queue overflowed; the connection then closes.
    pub evicted: CancellationToken,
    /// While set, stored events are not queued: the connection is replaying
    /// from storage and will read them there, in order.
    pub replaying: Arc<AtomicBool>,
    /// Whose connection, so rooms can be re-checked when a booking's
    /// participants change.
    pub user_id: Arc<str>,
    /// Admins may watch any booking room, participant or not.
    pub admin: bool,
}

impl Outbox {
    /// Queues a frame without waiting. A full queue evicts the connection.
    fn push(&self, frame: &Frame, metrics: &Metrics) -> bool {
        if frame.seq().is_some() && self.replaying.load(Ordering::SeqCst) {
            return false;
        }
        match self.tx.try_send(frame.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                if !self.evicted.is_cancelled() {
                    metrics.slow_consumers.increment(1);
                    self.evicted.cancel();
                }
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }
}

/// Room membership of all live connections.
pub(crate) struct Hub {
    rooms: DashMap<String, HashMap<ConnId, Outbox>>,
    next_id: AtomicU64,
    metrics: Arc<Metrics>,
}

impl Hub {
    /// An empty hub.
    pub(crate) fn new(metrics: Arc<Metrics>) -> Hub {
        Hub { rooms: DashMap::new(), next_id: AtomicU64::new(1), metrics }
    }

    /// A new connection's queue, holding at most `capacity` frames.
    pub(crate) fn open(
        &self,
        capacity: usize,
        user_id: &str,
        admin: bool,
    ) -> (Outbox, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(capacity);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let outbox = Outbox {
            id,
            tx,
            evicted: CancellationToken::new(),
            replaying: Arc::default(),
            user_id: Arc::from(user_id),
            admin,
        };
        (outbox, rx)
    }

    /// Adds a connection to a room.
    pub(crate) fn join(&self, room: &str, outbox: &Outbox) {
        self.rooms.entry(room.to_owned()).or_default().insert(outbox.id, outbox.clone());
    }

    /// Removes a connection from a room, dropping the room when empty.
    pub(crate) fn leave(&self, room: &str, id: ConnId) {
        if let Some(mut members) = self.rooms.get_mut(room) {
            members.remove(&id);
        }
        self.rooms.remove_if(room, |_, members| members.is_empty());
    }

    /// Removes from `room` every connection `keep` refuses (a booking's
    /// former participants); returns how many.
    pub(crate) fn retain_in_room(&self, room: &str, keep: impl Fn(&Outbox) -> bool) -> usize {
        let removed = match self.rooms.get_mut(room) {
            Some(mut members) => {
                let before = members.len();
                members.retain(|_, outbox| keep(outbox));
                before - members.len()
            }
            None => 0,
        };
        self.rooms.remove_if(room, |_, members| members.is_empty());
        removed
    }

    /// Number of connections in a room.
    #[cfg(test)]
    pub(crate) fn members(&self, room: &str) -> usize {
        self.rooms.get(room).map_or(0, |m| m.len())
    }

    /// Queues `frame` once for every connection in any of `rooms`, except
    /// `except`. Returns the number of connections it was queued for.
    pub(crate) fn deliver<S: AsRef<str>>(&self, rooms: &[S], frame: &Frame, except: Option<ConnId>) -> usize {
        let mut seen: HashSet<ConnId> = HashSet::new();
        let mut queued = 0;
        for room in rooms {
            let Some(members) = self.rooms.get(room.as_ref()) else { continue };
            for (id, outbox) in members.iter() {
                if Some(*id) == except || (rooms.len() > 1 && !seen.insert(*id)) {
                    continue;
                }
                if outbox.push(frame, &self.metrics) {
                    queued += 1;
                }
            }
        }
        self.metrics.frames_out.increment(queued as u64);
        queued
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_split_into_event_and_payload_once_for_all_its_recipients() {
        let text = r#"{"event":"notification","id":"e1","seq":7,"data":{"id":"n1","title":"T"}}"#;
        let frame = Frame::stored(7, text.into());
        let shared = frame.clone();
        let parts = frame.parts().unwrap();
        assert_eq!((&*parts.event, parts.data.get()), ("notification", r#"{"id":"n1","title":"T"}"#));
        // The clone every other recipient holds sees the same split, not a new one.
        assert!(std::ptr::eq(parts, shared.parts().unwrap()));
        let bare = Frame::ephemeral(r#"{"event":"notifications-read"}"#.into());
        assert_eq!(bare.parts().unwrap().data.get(), "null");
        assert!(Frame::ephemeral("not json".into()).parts().is_none());
    }
}
