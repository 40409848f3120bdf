//! Streaming a replay to one connection, without loss, duplicates or
//! reordering while new events keep arriving.
//!
//! While the outbox's `replaying` flag is up, the hub does not queue stored
//! events for this connection: they are read from storage instead, in `seq`
//! order. Once a page comes back short (caught up), the flag drops and one
//! more pass reads whatever was committed while it was up. Events queued
//! after the flag dropped and also read by that pass are skipped by the
//! connection's `seq` filter. This is sound because the store delivers each
//! event only after it is committed, so a read that starts after the flag
//! dropped sees every event the hub skipped.

use super::state::{ReplyFrame, Session};
use super::transport::{Outgoing, Sink};
use crate::delivery::hub::Frame;
use crate::delivery::wire::encode;
use crate::store::{ReplayPage, Replayed, StoreError};
use axum::extract::ws::Utf8Bytes;
use futures_util::SinkExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use urutibiz_protocol::server::{Resumed, ResyncRequired};
use urutibiz_protocol::{event, ServerFrame};

/// Events read from storage per page.
pub(crate) const PAGE: usize = 500;

/// Why a replay stopped early.
pub(crate) enum ReplayError {
    /// Storage failed; the client may resume again.
    Store(StoreError),
    /// The socket failed, or a write did not complete in time (the client
    /// stopped reading).
    Socket,
    /// The token expired, the server is shutting down, or the connection
    /// was evicted: the caller's loop handles it as it would outside a replay.
    Interrupted,
}

impl From<StoreError> for ReplayError {
    fn from(e: StoreError) -> Self {
        ReplayError::Store(e)
    }
}

/// Booking changes folded into a later one, per booking room.
#[derive(Default)]
struct Folded {
    count: u32,
    first_previous: Option<Value>,
}

/// Lowers the `replaying` flag however the replay ends.
struct LowerOnDrop(Arc<AtomicBool>);

impl Drop for LowerOnDrop {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Streams every event after `after`, then `resumed` (or `resync-required`).
///
/// A replay can be long and the client may stop reading in the middle of
/// it: every write has a deadline (`write_timeout`), and token expiry,
/// shutdown and eviction interrupt it, as they would the idle loop.
pub(crate) async fn stream(
    session: &Session,
    sink: &mut impl Sink,
    queue: &mut mpsc::Receiver<Frame>,
    last_seq: &mut i64,
    after: i64,
    reference: Option<&str>,
) -> Result<(), ReplayError> {
    let app = &session.app;
    let expiry = super::state::expiry_instant(session.identity.expires_at, app.config.jwt.leeway_secs);
    let writes = Paced { sink, timeout: app.config.limits.pong_timeout };
    tokio::select! {
        result = stream_pages(session, writes, queue, last_seq, after, reference) => result,
        _ = app.shutdown.cancelled() => Err(ReplayError::Interrupted),
        _ = session.outbox.evicted.cancelled() => Err(ReplayError::Interrupted),
        _ = tokio::time::sleep_until(expiry) => Err(ReplayError::Interrupted),
    }
}

/// Writes with a deadline each.
struct Paced<'a, S: Sink> {
    sink: &'a mut S,
    timeout: Duration,
}

impl<S: Sink> Paced<'_, S> {
    async fn feed(&mut self, item: Outgoing) -> Result<(), ReplayError> {
        match tokio::time::timeout(self.timeout, self.sink.feed(item)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(ReplayError::Socket),
        }
    }

    async fn flush(&mut self) -> Result<(), ReplayError> {
        match tokio::time::timeout(self.timeout, self.sink.flush()).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(ReplayError::Socket),
        }
    }

    async fn send(&mut self, item: Outgoing) -> Result<(), ReplayError> {
        self.feed(item).await?;
        self.flush().await
    }
}

async fn stream_pages(
    session: &Session,
    mut sink: Paced<'_, impl Sink>,
    queue: &mut mpsc::Receiver<Frame>,
    last_seq: &mut i64,
    after: i64,
    reference: Option<&str>,
) -> Result<(), ReplayError> {
    session.outbox.replaying.store(true, Ordering::SeqCst);
    let _lower = LowerOnDrop(session.outbox.replaying.clone());
    let store = &session.app.store;
    // Stored events already queued will be read from storage in order;
    // ephemeral ones (read-state changes) go out now.
    while let Ok(frame) = queue.try_recv() {
        if frame.seq().is_none() {
            sink.feed(Outgoing::Event(frame)).await?;
        }
    }
    let head = store.head_seq().await?;
    let scope = session.replay_scope();
    let mut cursor = after;
    let mut folded: HashMap<String, Folded> = HashMap::new();
    let (mut replayed, mut collapsed) = (0u64, 0u64);
    let mut final_pass = false;
    loop {
        let page = if after > head {
            // The client saw positions this server never issued: its
            // database was replaced. Resync rather than skip.
            ReplayPage::ResyncRequired { pruned_upto: head }
        } else {
            store.replay(scope.clone(), cursor, PAGE).await?
        };
        let rows = match page {
            ReplayPage::Events(rows) => rows,
            ReplayPage::ResyncRequired { pruned_upto } => {
                let data = ResyncRequired { after, pruned_upto, head_seq: head };
                let frame = ReplyFrame::new(event::RESYNC_REQUIRED, &data, reference);
                return sink.send(Outgoing::Reply(frame)).await;
            }
        };
        let full = rows.len() == PAGE;
        for row in rows {
            cursor = row.stored.seq;
            if row.superseded {
                let entry = folded.entry(row.stored.event.audience.clone()).or_default();
                entry.count += 1;
                if entry.first_previous.is_none() {
                    entry.first_previous = previous_status(&row);
                }
                collapsed += 1;
                continue;
            }
            let text = match folded.remove(&row.stored.event.audience) {
                Some(f) => fold_into(&row, f),
                None => encode(&row.stored),
            };
            sink.feed(Outgoing::Event(Frame::stored(row.stored.seq, text))).await?;
            replayed += 1;
        }
        sink.flush().await?;
        if !full {
            if final_pass {
                break;
            }
            session.outbox.replaying.store(false, Ordering::SeqCst);
            final_pass = true;
        }
    }
    *last_seq = (*last_seq).max(cursor);
    let unread_count = store.unread_count(session.user_scope()).await?;
    let done = Resumed { replayed, collapsed, seq: cursor, unread_count };
    sink.send(Outgoing::Reply(ReplyFrame::new(event::RESUMED, &done, reference))).await
}

fn previous_status(row: &Replayed) -> Option<Value> {
    let data: Value = serde_json::from_str(row.stored.event.data.get()).ok()?;
    data.get("previousStatus").cloned()
}

/// The latest change of a booking, standing for the ones folded into it.
fn fold_into(row: &Replayed, folded: Folded) -> Utf8Bytes {
    let mut data: Value = serde_json::from_str(row.stored.event.data.get()).unwrap_or_default();
    if let Some(object) = data.as_object_mut() {
        object.insert("collapsed".into(), folded.count.into());
        if let Some(previous) = folded.first_previous {
            object.insert("previousStatus".into(), previous);
        }
    }
    let e = &row.stored.event;
    Utf8Bytes::from(ServerFrame::stored(&e.event, &e.id, row.stored.seq, data).to_json())
}
