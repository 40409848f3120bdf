//! What the app knows: notifications (with read state), the latest status
//! of each booking (conversations are `chats`'). Fed by server frames, cached in the
//! settings store so the window shows history at once, even offline.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use urutibiz_protocol::api::NotificationItem;
use urutibiz_protocol::{NotificationData, ServerEvent, ServerMessage};

/// Notifications kept.
pub const MAX_ITEMS: usize = 500;
/// Bookings kept for the live view.
pub const MAX_LIVE: usize = 100;

/// A notification as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Item {
    /// Stored event id.
    pub id: String,
    /// Position in the server's stream.
    #[ts(type = "number")]
    pub seq: i64,
    /// `booking`, `message`, `system`, or a backend's own type.
    pub kind: String,
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Extra fields from the server (`bookingId`, `chatId`...).
    #[ts(type = "Record<string, unknown>")]
    pub data: Value,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Read on any device.
    pub read: bool,
}

impl Item {
    /// What it is about, read from its kind and data as types.
    pub fn about(&self) -> NotificationData {
        NotificationData::read(&self.kind, &self.data)
    }
}

#[cfg(test)]
impl Item {
    /// An unread notification `n<seq>` of `kind` with `data`, for tests.
    pub fn sample(seq: i64, kind: &str, data: Value) -> Item {
        Item {
            id: format!("n{seq}"),
            seq,
            kind: kind.into(),
            title: "t".into(),
            body: "b".into(),
            data,
            created_at: 0,
            read: false,
        }
    }
}

/// The latest known status of a booking.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BookingLive {
    /// The booking.
    pub booking_id: String,
    /// Current status.
    pub status: String,
    /// Status before the last change.
    pub previous_status: String,
    /// Who changed it.
    pub changed_by: String,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub at: i64,
}

/// What a frame changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new notification.
    Added(Item),
    /// Read state or unread count.
    ReadState,
    /// A booking's status.
    Booking,
    /// Nothing the app shows.
    Nothing,
}

/// The app's view of the user's events.
#[derive(Debug, Default)]
pub struct History {
    /// Newest first.
    pub items: Vec<Item>,
    /// Unread notifications, as the server counts them.
    pub unread: i64,
    /// Latest change per booking, newest first.
    pub bookings: Vec<BookingLive>,
}

impl History {
    /// Starts from cached items; the count is corrected by the server.
    pub fn from_cache(items: Vec<Item>) -> History {
        let unread = items.iter().filter(|i| !i.read).count() as i64;
        History { items, unread, ..History::default() }
    }

    /// Applies one server frame.
    pub fn apply(&mut self, frame: &ServerMessage) -> Change {
        match &frame.event {
            ServerEvent::Notification(note) => {
                if note.id.is_empty() || self.items.iter().any(|i| i.id == note.id) {
                    return Change::Nothing;
                }
                let item = Item {
                    id: note.id.clone(),
                    seq: frame.seq.unwrap_or(0),
                    kind: note.kind.clone(),
                    title: note.title.clone(),
                    body: note.body.clone(),
                    data: note.data.clone(),
                    created_at: note.created_at,
                    read: false,
                };
                let at = self.items.iter().position(|i| i.seq < item.seq).unwrap_or(self.items.len());
                self.items.insert(at, item.clone());
                self.items.truncate(MAX_ITEMS);
                self.unread += 1;
                Change::Added(item)
            }
            ServerEvent::NotificationsRead(read) => {
                for item in &mut self.items {
                    if read.ids.contains(&item.id) || read.up_to.is_some_and(|u| item.seq <= u) {
                        item.read = true;
                    }
                }
                if let (true, Some(up_to)) = (read.cleared, read.up_to) {
                    self.items.retain(|i| i.seq > up_to);
                }
                self.unread = read.unread_count;
                Change::ReadState
            }
            ServerEvent::Authenticated(hello) => {
                self.unread = hello.unread_count;
                Change::ReadState
            }
            ServerEvent::Resumed(done) => {
                self.unread = done.unread_count;
                Change::ReadState
            }
            ServerEvent::BookingStatusChanged(change) => {
                let live = BookingLive {
                    booking_id: change.booking_id.clone(),
                    status: change.status.as_str().to_owned(),
                    previous_status: change.previous_status.as_str().to_owned(),
                    changed_by: change.changed_by.clone(),
                    at: change.at,
                };
                self.bookings.retain(|b| b.booking_id != live.booking_id);
                self.bookings.insert(0, live);
                self.bookings.truncate(MAX_LIVE);
                Change::Booking
            }
            _ => Change::Nothing,
        }
    }

    /// Replaces the notifications with the server's history (HTTP items:
    /// the `notification` payload plus `seq` and `read`).
    pub fn replace_from_server(&mut self, items: &[NotificationItem]) {
        self.items = items
            .iter()
            .map(|v| Item {
                id: v.notification.id.clone(),
                seq: v.seq,
                kind: v.notification.kind.clone(),
                title: v.notification.title.clone(),
                body: v.notification.body.clone(),
                data: v.notification.data.clone(),
                created_at: v.notification.created_at,
                read: v.read,
            })
            .take(MAX_ITEMS)
            .collect();
    }

    /// Marks items read before the server confirms, so the UI answers at once.
    pub fn mark_read_locally(&mut self, ids: &[String]) {
        for item in &mut self.items {
            if !item.read && ids.contains(&item.id) {
                item.read = true;
                self.unread = (self.unread - 1).max(0);
            }
        }
    }

    /// Marks everything read before the server confirms.
    pub fn mark_all_read_locally(&mut self) {
        self.items.iter_mut().for_each(|i| i.read = true);
        self.unread = 0;
    }

    /// Empties history before the server confirms.
    pub fn clear_locally(&mut self) {
        self.items.clear();
        self.unread = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(v: Value) -> ServerMessage {
        ServerMessage::from_value(v).unwrap()
    }

    fn note(id: &str, seq: i64) -> ServerMessage {
        frame(json!({"event": "notification", "id": id, "seq": seq, "data": {
            "id": id, "type": "booking", "title": "Booking confirmed", "body": "Camera", "data": {}, "createdAt": 1}}))
    }

    #[test]
    fn notifications_are_added_once_newest_first() {
        let mut h = History::default();
        assert!(matches!(h.apply(&note("a", 1)), Change::Added(_)));
        assert!(matches!(h.apply(&note("c", 3)), Change::Added(_)));
        assert!(matches!(h.apply(&note("b", 2)), Change::Added(_)));
        assert_eq!(h.apply(&note("b", 2)), Change::Nothing);
        let ids: Vec<&str> = h.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
        assert_eq!(h.unread, 3);
    }

    #[test]
    fn read_state_from_the_server_wins() {
        let mut h = History::default();
        for (id, seq) in [("a", 1), ("b", 2), ("c", 3)] {
            h.apply(&note(id, seq));
        }
        h.apply(&frame(json!({"event": "notifications-read", "data": {"ids": ["c"], "cleared": false, "unreadCount": 2}})));
        assert!(h.items[0].read && !h.items[1].read);
        assert_eq!(h.unread, 2);
        h.apply(&frame(json!({"event": "notifications-read", "data": {"ids": [], "upTo": 2, "cleared": true, "unreadCount": 0}})));
        assert_eq!(h.items.len(), 1);
        assert_eq!(h.unread, 0);
    }

    #[test]
    fn local_marks_adjust_the_count() {
        let mut h = History::default();
        h.apply(&note("a", 1));
        h.apply(&note("b", 2));
        h.mark_read_locally(&["a".into(), "a".into()]);
        assert_eq!(h.unread, 1);
        h.mark_all_read_locally();
        assert_eq!(h.unread, 0);
        assert!(h.items.iter().all(|i| i.read));
    }

    #[test]
    fn server_history_replaces_the_cache() {
        let mut h = History::default();
        h.apply(&note("old", 1));
        let page: Vec<NotificationItem> = serde_json::from_value(json!([
            {"id": "n9", "seq": 9, "type": "system", "title": "T", "body": "B", "data": {}, "createdAt": 5, "read": true},
        ]))
        .unwrap();
        h.replace_from_server(&page);
        assert_eq!(h.items.len(), 1);
        assert_eq!((h.items[0].id.as_str(), h.items[0].seq, h.items[0].read), ("n9", 9, true));
    }

    #[test]
    fn bookings_keep_the_latest_status() {
        let mut h = History::default();
        for status in ["confirmed", "in_progress"] {
            h.apply(&frame(json!({"event": "booking-status-changed", "data": {"bookingId": "b1", "status": status, "previousStatus": "pending", "changedBy": "h", "at": 1}})));
        }
        assert_eq!(h.bookings.len(), 1);
        assert_eq!(h.bookings[0].status, "in_progress");
    }
}
