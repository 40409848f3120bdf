//! Live delivery, between storage and the hub: it owns delivering what the
//! store commits. The store calls [`LiveDelivery::deliver_committed`] from its commit
//! hook, in `seq` order; it encodes each event once and hands the
//! frame to the hub along the event's route. Storage knows nothing of
//! connections, and the hub nothing of storage or encoding: each layer
//! depends only on the ones below it (store, hub) and this one ties them.

use crate::delivery::hub::{ConnId, Frame, Hub};
use crate::delivery::signal::Signal;
use crate::delivery::wire::encode;
use crate::store::StoredEvent;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Live delivery of committed events.
pub(crate) struct LiveDelivery {
    hub: Arc<Hub>,
    /// Position of the last committed event queued for its recipients.
    delivered: AtomicI64,
    /// Woken after each committed batch is queued.
    delivered_wake: Notify,
}

impl LiveDelivery {
    /// Delivers through `hub`.
    pub(crate) fn new(hub: Arc<Hub>) -> LiveDelivery {
        LiveDelivery { hub, delivered: AtomicI64::new(0), delivered_wake: Notify::new() }
    }

    /// Delivers a batch of committed events, in order, then wakes whoever
    /// waits for them in [`LiveDelivery::delivered_through`].
    pub(crate) fn deliver_committed(&self, events: &[StoredEvent]) {
        for stored in events {
            match Signal::of(stored) {
                Some(signal) => signal.apply(&self.hub, stored.event.route.except),
                None => {
                    self.deliver(stored);
                }
            }
        }
        if let Some(last) = events.last() {
            self.delivered.fetch_max(last.seq, Ordering::AcqRel);
            self.delivered_wake.notify_waiters();
        }
    }

    /// Applies a signal to this node's connections at once (one node: no
    /// other node needs it).
    pub(crate) fn apply(&self, signal: &Signal, except: Option<ConnId>) {
        signal.apply(&self.hub, except);
    }

    /// Delivers one committed event along its route (its own room by
    /// default), encoded once; returns how many connections it was queued for.
    pub(crate) fn deliver(&self, stored: &StoredEvent) -> usize {
        let frame = Frame::stored(stored.seq, encode(stored));
        let route = &stored.event.route;
        if route.rooms.is_empty() {
            self.hub.deliver(&[&stored.event.audience], &frame, route.except)
        } else {
            self.hub.deliver(&route.rooms, &frame, route.except)
        }
    }

    /// Starts counting from the store's newest position (at startup).
    pub(crate) fn start_at(&self, head: i64) {
        self.delivered.fetch_max(head, Ordering::AcqRel);
    }

    /// Position of the last event delivered. A connection that joined its
    /// rooms before reading this gets every later event live, so it is a
    /// sound place to resume from, and costs no storage read (unlike the
    /// store's head, which may be a moment ahead of delivery).
    pub(crate) fn head(&self) -> i64 {
        self.delivered.load(Ordering::Acquire)
    }

    /// Returns once the committed event at `seq` is queued for its
    /// recipients. The store answers a writer before it delivers (so a
    /// publisher is not queued behind the fan-out); a connection that must
    /// send its reply after the events it caused (a booking change reaching
    /// its own author) waits here first.
    pub(crate) async fn delivered_through(&self, seq: i64) {
        loop {
            let woken = self.delivered_wake.notified();
            tokio::pin!(woken);
            // Registered before the check, so a batch delivered in between
            // still wakes it.
            woken.as_mut().enable();
            if self.delivered.load(Ordering::Acquire) >= seq {
                return;
            }
            woken.await;
        }
    }
}
