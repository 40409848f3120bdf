//! Signals: what changes live connections without being an event a client
//! replays. On one node a signal is applied at once; in a cluster it is
//! stored as a control row of the log (audience [`CONTROL`]) and every node
//! applies it when its tailer reaches it, in log order with the events
//! around it, so a participant removed before a booking change stops
//! hearing that change on every node.

use crate::delivery::hub::{ConnId, Frame, Hub};
use crate::store::{NewEvent, Route, StoredEvent};
use serde::{Deserialize, Serialize};

/// The audience of control rows. Not a room: no connection joins it, no
/// scope reads it, so replay and history never show it.
pub(crate) const CONTROL: &str = "control";

/// A change to live connections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "kebab-case")]
pub(crate) enum Signal {
    /// A frame for the connections in `rooms` now, not stored for replay
    /// (`notifications-read` to a user's other devices).
    Live {
        /// Where it goes.
        rooms: Vec<String>,
        /// The frame's text, complete.
        text: String,
    },
    /// Only these users (and admins) stay in `room`: a booking's
    /// participants changed.
    Members {
        /// The booking's room.
        room: String,
        /// Who may stay.
        users: Vec<String>,
    },
}

impl Signal {
    /// Applies the signal to this node's connections, skipping `except`
    /// (the connection that caused it, if on this node).
    pub(crate) fn apply(&self, hub: &Hub, except: Option<ConnId>) {
        match self {
            Signal::Live { rooms, text } => {
                hub.deliver(rooms, &Frame::ephemeral(text.as_str().into()), except);
            }
            Signal::Members { room, users } => {
                let removed =
                    hub.retain_in_room(room, |o| o.admin || users.iter().any(|u| **u == *o.user_id));
                tracing::debug!(room, removed, "room members changed");
            }
        }
    }

    /// The control row that carries the signal to every node.
    pub(crate) fn to_event(&self, id: String, created_at: i64, except: Option<ConnId>) -> NewEvent {
        NewEvent {
            id,
            audience: CONTROL.to_owned(),
            event: "signal".to_owned(),
            data: serde_json::value::to_raw_value(self).expect("signals serialize"),
            created_at,
            route: Route { rooms: Vec::new(), except },
        }
    }

    /// The signal a control row carries; `None` for an ordinary event (or
    /// a control row this version does not know, which is skipped).
    pub(crate) fn of(stored: &StoredEvent) -> Option<Signal> {
        if stored.event.audience != CONTROL {
            return None;
        }
        match serde_json::from_str(stored.event.data.get()) {
            Ok(signal) => Some(signal),
            Err(e) => {
                tracing::warn!(seq = stored.seq, error = %e, "skipping a control row this version cannot read");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use std::sync::Arc;

    #[test]
    fn a_signal_survives_its_control_row_and_applies_to_this_nodes_connections() {
        let hub = Hub::new(Arc::new(Metrics::new()));
        let (host, mut host_rx) = hub.open(8, "h1", false);
        let (gone, _gone_rx) = hub.open(8, "r-old", false);
        let (admin, _admin_rx) = hub.open(8, "a1", true);
        for outbox in [&host, &gone, &admin] {
            hub.join("booking-b1", outbox);
        }
        hub.join("user-h1", &host);

        let members = Signal::Members { room: "booking-b1".into(), users: vec!["h1".into(), "r-new".into()] };
        let row = StoredEvent { seq: 9, event: members.to_event("e9".into(), 0, None) };
        assert_eq!(Signal::of(&row), Some(members.clone()));
        members.apply(&hub, None);
        assert_eq!(hub.members("booking-b1"), 2, "the former renter left; the host and the admin stay");

        let live =
            Signal::Live { rooms: vec!["user-h1".into()], text: r#"{"event":"notifications-read"}"#.into() };
        live.apply(&hub, Some(host.id));
        assert!(host_rx.try_recv().is_err(), "the connection that caused it is skipped");
        live.apply(&hub, None);
        assert_eq!(host_rx.try_recv().unwrap().text().as_str(), r#"{"event":"notifications-read"}"#);

        let ordinary = StoredEvent { seq: 10, event: NewEvent { audience: "user-h1".into(), ..row.event } };
        assert_eq!(Signal::of(&ordinary), None);
    }
}
