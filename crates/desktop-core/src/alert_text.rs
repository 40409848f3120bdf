//! Turning notifications into words for people: the native popup's title
//! and body, its urgency, and one summary for a burst.

use crate::history::Item;
use std::collections::BTreeSet;
use urutibiz_protocol::{BookingStatus, NotificationData};

/// How insistent a popup is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Informational.
    Low,
    /// Something the user should see.
    Normal,
    /// Something that changes plans (a cancelled or declined booking).
    Critical,
}

/// Title, body and urgency of one popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// How insistent.
    pub urgency: Urgency,
    /// The sound to play: `booking`, `message` or `system`.
    pub sound: &'static str,
}

fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// A field's text, trimmed; `None` when blank.
fn text(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A person's name from a notification's data, cleaned as the server
/// cleans names (a backend may publish data it did not check): no bidi
/// overrides, invisible characters or fillers that would disguise it.
fn name(field: &Option<String>) -> Option<String> {
    text(field).and_then(urutibiz_protocol::name::clean)
}

/// The popup for one notification, e.g. "Booking confirmed — Canon EOS R6
/// (Jean)", or "Amina" over "Is the camera still free on Friday?".
pub fn alert_for(item: &Item) -> Alert {
    match item.about() {
        NotificationData::Booking(booking) => {
            let mut title = match text(&booking.item) {
                Some(what) => format!("{} — {}", item.title, what),
                None => item.title.clone(),
            };
            if let Some(other) = name(&booking.other_party_name) {
                title = format!("{title} ({other})");
            }
            let ends_plans =
                matches!(booking.status, Some(BookingStatus::Cancelled | BookingStatus::Rejected));
            let urgency = if ends_plans { Urgency::Critical } else { Urgency::Normal };
            Alert { title, body: shorten(&item.body, 200), urgency, sound: "booking" }
        }
        NotificationData::Message(message) => Alert {
            // Who wrote it, as chat apps show it: the name over the text.
            title: name(&message.from_name).map_or_else(|| item.title.clone(), |name| shorten(&name, 80)),
            body: shorten(&item.body, 200),
            urgency: Urgency::Normal,
            sound: "message",
        },
        NotificationData::Other => Alert {
            title: item.title.clone(),
            body: shorten(&item.body, 200),
            urgency: Urgency::Low,
            sound: "system",
        },
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One popup standing for several notifications ("5 new messages in 2 chats").
pub fn summary_for(items: &[Item]) -> Alert {
    let messages: Vec<&Item> = items.iter().filter(|i| i.kind == "message").collect();
    let bookings = items.iter().filter(|i| i.kind == "booking").count();
    let others = items.len() - messages.len() - bookings;
    let chats: BTreeSet<String> =
        messages.iter().filter_map(|i| i.about().chat_id().map(str::to_owned)).collect();
    let in_chats = |n: usize| if n > 1 { format!(" in {n} chats") } else { String::new() };
    let title = if messages.len() == items.len() {
        format!("{}{}", plural(messages.len(), "new message", "new messages"), in_chats(chats.len()))
    } else if bookings == items.len() {
        plural(bookings, "booking update", "booking updates")
    } else {
        plural(items.len(), "new notification", "new notifications")
    };
    let mut parts = Vec::new();
    if bookings > 0 {
        parts.push(plural(bookings, "booking update", "booking updates"));
    }
    if !messages.is_empty() {
        parts.push(format!("{}{}", plural(messages.len(), "message", "messages"), in_chats(chats.len())));
    }
    if others > 0 {
        parts.push(plural(others, "other", "others"));
    }
    let latest = items.iter().max_by_key(|i| i.seq).map(|i| format!("Latest: {}", alert_for(i).title));
    let body = [parts.join(", "), latest.unwrap_or_default()].join("\n").trim().to_owned();
    let urgency = items.iter().map(|i| alert_for(i).urgency).max_by_key(|u| *u as u8).unwrap_or(Urgency::Low);
    let sound = if bookings > 0 {
        "booking"
    } else if !messages.is_empty() {
        "message"
    } else {
        "system"
    };
    Alert { title, body, urgency, sound }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(seq: i64, kind: &str, title: &str, data: serde_json::Value) -> Item {
        Item {
            id: format!("i{seq}"),
            seq,
            kind: kind.into(),
            title: title.into(),
            body: "Body".into(),
            data,
            created_at: 0,
            read: false,
        }
    }

    #[test]
    fn booking_title_names_the_item() {
        let a = alert_for(&item(
            1,
            "booking",
            "Booking confirmed",
            json!({"item": "Canon EOS R6, Fri 12 Dec", "status": "confirmed"}),
        ));
        assert_eq!(a.title, "Booking confirmed — Canon EOS R6, Fri 12 Dec");
        assert_eq!(a.urgency, Urgency::Normal);
        let a = alert_for(&item(
            1,
            "booking",
            "Booking confirmed",
            json!({"item": "Canon EOS R6", "status": "confirmed", "otherPartyName": "Jean"}),
        ));
        assert_eq!(a.title, "Booking confirmed — Canon EOS R6 (Jean)");
        let a = alert_for(&item(1, "booking", "Booking cancelled", json!({"status": "cancelled"})));
        assert_eq!((a.title.as_str(), a.urgency), ("Booking cancelled", Urgency::Critical));
    }

    #[test]
    fn a_message_popup_is_headed_by_its_author() {
        let mut m = item(1, "message", "Message from Amina", json!({"fromName": "Amina", "chatId": "c1"}));
        m.body = "Is the camera still free on Friday?".into();
        let a = alert_for(&m);
        assert_eq!((a.title.as_str(), a.body.as_str()), ("Amina", "Is the camera still free on Friday?"));
        let older = alert_for(&item(2, "message", "Message from r1", json!({"chatId": "c1"})));
        assert_eq!(older.title, "Message from r1");
    }

    #[test]
    fn names_in_popups_lose_what_could_disguise_them() {
        let m = item(
            1,
            "message",
            "Message",
            json!({"fromName": "\u{202E}animA\u{200B}\u{3164}", "chatId": "c1"}),
        );
        assert_eq!(alert_for(&m).title, "animA");
        let b = alert_for(&item(
            2,
            "booking",
            "Booking confirmed",
            json!({"item": "Tent", "otherPartyName": "Jean\u{2066}\u{FEFF} "}),
        ));
        assert_eq!(b.title, "Booking confirmed — Tent (Jean)");
        // Nothing visible left: the notification's own title stands in.
        let blank = item(3, "message", "Message from r1", json!({"fromName": "\u{200B}\u{202E}"}));
        assert_eq!(alert_for(&blank).title, "Message from r1");
    }

    #[test]
    fn a_burst_of_messages_is_one_summary() {
        let items: Vec<Item> = (0..5)
            .map(|i| {
                item(i, "message", "Message from r1", json!({"chatId": if i < 3 { "c1" } else { "c2" }}))
            })
            .collect();
        let s = summary_for(&items);
        assert_eq!(s.title, "5 new messages in 2 chats");
        assert_eq!(s.sound, "message");
    }

    #[test]
    fn a_mixed_burst_says_what_is_in_it() {
        let items = vec![
            item(1, "booking", "Booking confirmed", json!({"item": "Tent"})),
            item(2, "message", "Message from h1", json!({"chatId": "c1"})),
            item(3, "system", "New fees", json!({})),
        ];
        let s = summary_for(&items);
        assert_eq!(s.title, "3 new notifications");
        assert_eq!(s.body, "1 booking update, 1 message, 1 other\nLatest: New fees");
    }

    #[test]
    fn long_bodies_are_shortened() {
        let mut i = item(1, "system", "T", json!({}));
        i.body = "x".repeat(500);
        assert_eq!(alert_for(&i).body.chars().count(), 200);
    }
}
