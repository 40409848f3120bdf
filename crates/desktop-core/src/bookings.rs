//! The user's bookings as the Bookings view shows them: rows from the
//! server's list; a live status change updates its row from the frame
//! (status, who, when, and the moves the protocol allows this side now),
//! and only a change the list cannot place (a booking not listed yet, or
//! one the user takes no part in) asks for a reload. Rows carry names and
//! the outcome of the user's own clicks. The shell
//! (`src-tauri/src/bookings.rs`) loads the list and keeps this under its
//! lock.

use serde::Serialize;
use ts_rs::TS;
use urutibiz_protocol::api::{BookingView, BookingWithChanges};
use urutibiz_protocol::booking::Side;
use urutibiz_protocol::server::BookingStatusChanged;
use urutibiz_protocol::BookingStatus;

/// One booking as the Bookings view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BookingRow {
    /// The booking.
    pub id: String,
    /// What is booked.
    pub title: Option<String>,
    /// Its status.
    pub status: BookingStatus,
    /// The other participant, seen from this user.
    pub other_party_id: String,
    /// Their name.
    pub other_party_name: String,
    /// Who made the last status change.
    pub changed_by_name: Option<String>,
    /// Last change, Unix milliseconds.
    #[ts(type = "number")]
    pub updated_at: i64,
    /// The statuses this user may move it to now.
    pub actions: Vec<BookingStatus>,
    /// The two participants' chat.
    pub chat_id: String,
    /// What became of this user's last click, in words, until the next load.
    pub outcome: Option<String>,
    /// A click is on its way to the server.
    pub busy: bool,
    /// The host, so a live change knows which side this user is on.
    #[serde(skip)]
    #[ts(skip)]
    pub host_id: String,
    /// The renter.
    #[serde(skip)]
    #[ts(skip)]
    pub renter_id: String,
}

impl From<&BookingView> for BookingRow {
    /// A row from an item of `GET /api/v1/bookings`.
    fn from(v: &BookingView) -> BookingRow {
        BookingRow {
            id: v.id.clone(),
            title: v.title.clone(),
            status: v.status,
            other_party_id: v.other_party_id.clone(),
            other_party_name: v.other_party_name.clone(),
            changed_by_name: v.changed_by_name.clone(),
            updated_at: v.updated_at,
            actions: v.actions.clone(),
            chat_id: v.chat_id.clone(),
            outcome: None,
            busy: false,
            host_id: v.host_id.clone(),
            renter_id: v.renter_id.clone(),
        }
    }
}

/// One status change of a booking, for its timeline.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BookingChange {
    /// The status it moved to.
    pub status: BookingStatus,
    /// Who moved it, by name (`None` when registered by the backend).
    pub by: Option<String>,
    /// When, Unix milliseconds.
    #[ts(type = "number")]
    pub at: i64,
}

impl BookingChange {
    /// The `changes` of `GET /api/v1/bookings/{id}`, oldest first.
    pub fn timeline(booking: &BookingWithChanges) -> Vec<BookingChange> {
        let named = |text: &str| Some(text.to_owned()).filter(|t| !t.trim().is_empty());
        booking
            .changes
            .iter()
            .rev()
            .map(|c| BookingChange {
                status: c.status,
                by: named(&c.changed_by_name).or_else(|| named(&c.changed_by)),
                at: c.at,
            })
            .collect()
    }
}

/// The Bookings view's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BookingsView {
    /// Latest activity first; `None` until the first load.
    pub rows: Option<Vec<BookingRow>>,
    /// Why the last load failed.
    pub error: Option<String>,
}

impl BookingsView {
    /// Forgets everything (another user signed in, or signed out).
    pub fn forget(&mut self) {
        *self = BookingsView::default();
    }

    /// Marks a row as waiting for the server, or settles it with an outcome.
    pub fn mark(&mut self, booking_id: &str, busy: bool, outcome: Option<String>) {
        if let Some(row) = self.rows.iter_mut().flatten().find(|r| r.id == booking_id) {
            row.busy = busy;
            row.outcome = outcome;
        }
    }

    /// A booking's status changed live. Updates its row and moves it to the
    /// top; `false` when the list cannot place the change (not listed yet,
    /// or `me` is on neither side) and must be reloaded.
    pub fn changed_live(&mut self, change: &BookingStatusChanged, me: &str) -> bool {
        let Some(rows) = self.rows.as_mut() else { return false };
        let Some(at) = rows.iter().position(|r| r.id == change.booking_id) else { return false };
        let side = if rows[at].host_id == me {
            Side::Host
        } else if rows[at].renter_id == me {
            Side::Renter
        } else {
            return false;
        };
        let mut row = rows.remove(at);
        row.status = change.status;
        row.actions = change.status.moves(side);
        let by = if change.changed_by_name.is_empty() { &change.changed_by } else { &change.changed_by_name };
        row.changed_by_name = Some(by.clone());
        row.updated_at = row.updated_at.max(change.at);
        if let Some(item) = &change.item {
            row.title = Some(item.clone());
        }
        rows.insert(0, row);
        true
    }

    /// A load finished: its rows, or why it failed (what was shown stays).
    pub fn loaded(&mut self, result: Result<Vec<BookingRow>, String>) {
        match result {
            Ok(mut rows) => {
                let previous = self.rows.take().unwrap_or_default();
                for row in &mut rows {
                    if let Some(old) = previous.iter().find(|old| old.id == row.id) {
                        // A page read before a live change came is older than
                        // the row that change made: the row stays.
                        if old.updated_at > row.updated_at {
                            *row = old.clone();
                        }
                        // A click's outcome stays visible across the reload it causes.
                        row.outcome.clone_from(&old.outcome);
                    }
                }
                self.rows = Some(rows);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use urutibiz_protocol::BookingStatus::*;

    #[test]
    fn a_timeline_runs_oldest_first_with_names() {
        let mut booking = server_item("b1", "confirmed");
        booking["changes"] = json!([
            {"status": "confirmed", "previousStatus": "pending", "changedBy": "h1", "changedByName": "Amina", "at": 20},
            {"status": "pending", "previousStatus": "pending", "changedBy": "", "changedByName": "", "at": 10},
        ]);
        let booking: BookingWithChanges = serde_json::from_value(booking).unwrap();
        let timeline = BookingChange::timeline(&booking);
        assert_eq!(
            timeline,
            [
                BookingChange { status: Pending, by: None, at: 10 },
                BookingChange { status: Confirmed, by: Some("Amina".into()), at: 20 },
            ]
        );
        let unchanged = BookingWithChanges { changes: Vec::new(), ..booking };
        assert!(BookingChange::timeline(&unchanged).is_empty());
    }

    /// An item of `GET /api/v1/bookings` as the server writes it.
    fn server_item(id: &str, status: &str) -> serde_json::Value {
        json!({"id": id, "title": "Canon EOS R6", "status": status, "hostId": "host-amina", "hostName": "Amina",
               "renterId": "renter-jean", "renterName": "Jean", "otherPartyId": "renter-jean",
               "otherPartyName": "Jean", "changedBy": null, "changedByName": null, "updatedAt": 5,
               "actions": ["confirmed", "rejected", "cancelled"], "chatId": "dm-1"})
    }

    fn row(item: serde_json::Value) -> BookingRow {
        BookingRow::from(&serde_json::from_value::<BookingView>(item).unwrap())
    }

    #[test]
    fn rows_come_from_the_server_and_outcomes_survive_a_reload() {
        let first = row(server_item("b1", "pending"));
        assert_eq!(first.other_party_name, "Jean");
        assert_eq!(first.actions, [Confirmed, Rejected, Cancelled]);

        let mut bookings = BookingsView::default();
        bookings.loaded(Ok(vec![first.clone()]));
        bookings.mark("b1", true, None);
        assert!(bookings.rows.clone().unwrap()[0].busy);
        bookings.mark("b1", false, Some("Already cancelled by Jean.".into()));
        let mut reloaded = row(server_item("b1", "cancelled"));
        reloaded.actions.clear();
        bookings.loaded(Ok(vec![reloaded]));
        let view = bookings.clone();
        let rows = view.rows.unwrap();
        assert_eq!(rows[0].status, Cancelled);
        assert_eq!(rows[0].outcome.as_deref(), Some("Already cancelled by Jean."));
        assert!(!rows[0].busy);

        bookings.loaded(Err("the server answered 503".into()));
        let view = bookings.clone();
        assert_eq!(view.error.as_deref(), Some("the server answered 503"));
        assert_eq!(view.rows.unwrap().len(), 1, "a failed reload keeps what was shown");
    }

    fn live(
        booking_id: &str,
        status: BookingStatus,
        previous: BookingStatus,
        by: &str,
        at: i64,
    ) -> BookingStatusChanged {
        BookingStatusChanged {
            booking_id: booking_id.into(),
            status,
            previous_status: previous,
            changed_by: by.into(),
            changed_by_name: if by == "renter-jean" { "Jean".into() } else { by.into() },
            host_name: "Amina".into(),
            renter_name: "Jean".into(),
            item: None,
            at,
            collapsed: None,
        }
    }

    #[test]
    fn a_live_change_updates_its_row_with_this_sides_moves_without_a_reload() {
        let mut first = server_item("b1", "pending");
        first["hostId"] = json!("host-amina");
        first["renterId"] = json!("renter-jean");
        let mut second = server_item("b2", "confirmed");
        second["hostId"] = json!("host-amina");
        second["renterId"] = json!("renter-jean");
        let mut bookings = BookingsView::default();
        let rows = [second, first].into_iter().map(row).collect();
        bookings.loaded(Ok(rows));

        // The host confirms b1: the renter's row says so, offers only Cancel,
        // and moves to the top.
        assert!(bookings.changed_live(&live("b1", Confirmed, Pending, "host-amina", 50), "renter-jean"));
        let rows = bookings.rows.clone().unwrap();
        assert_eq!((rows[0].id.as_str(), rows[0].status), ("b1", Confirmed));
        assert_eq!(rows[0].actions, [Cancelled]);
        assert_eq!(rows[0].changed_by_name.as_deref(), Some("host-amina"));
        assert_eq!(rows[0].updated_at, 50);
        // Seen from the host's side, the same move offers the host's moves.
        assert!(bookings.changed_live(&live("b2", InProgress, Confirmed, "host-amina", 60), "host-amina"));
        assert_eq!(bookings.rows.clone().unwrap()[0].actions, [Completed]);

        // A page read before the change came does not undo it.
        let mut stale = server_item("b1", "pending");
        stale["hostId"] = json!("host-amina");
        stale["renterId"] = json!("renter-jean");
        bookings.loaded(Ok(vec![row(stale)]));
        assert_eq!(bookings.rows.clone().unwrap()[0].status, Confirmed);

        // What the list cannot place asks for a reload.
        assert!(!bookings.changed_live(&live("b9", Confirmed, Pending, "host-amina", 70), "renter-jean"));
        assert!(!bookings.changed_live(&live("b1", Cancelled, Confirmed, "x", 80), "an-admin"));
    }
}
