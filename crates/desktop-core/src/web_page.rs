//! The website's page of a booking, chat or notification: `/bookings/<id>`,
//! `/messages/<chatId>`, `/notifications/<id>`; a notification about a
//! booking or a chat leads to that page instead. The shell
//! (`src-tauri/src/web_link.rs`) opens it in the browser.

use crate::history::Item;
use urutibiz_protocol::api::path_segment;

/// What a web link leads to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Page {
    /// A booking's page.
    Booking(String),
    /// A conversation.
    Chat(String),
    /// A notification of the user's history.
    Notification(String),
}

impl Page {
    /// The page a notification is about: its booking, its chat, or itself.
    pub fn of_item(item: &Item) -> Page {
        let about = item.about();
        if let Some(booking) = about.booking_id() {
            Page::Booking(booking.to_owned())
        } else if let Some(chat) = about.chat_id() {
            Page::Chat(chat.to_owned())
        } else {
            Page::Notification(item.id.clone())
        }
    }

    /// The page's address under `site` (checked, without a trailing
    /// slash); `None` for an id that is no page (`.`, `..`, empty: browsers
    /// read those, even percent-encoded, as a move up the path).
    pub fn url(&self, site: &str) -> Option<String> {
        let (section, id) = match self {
            Page::Booking(id) => ("bookings", id),
            Page::Chat(id) => ("messages", id),
            Page::Notification(id) => ("notifications", id),
        };
        if id.is_empty() || id.chars().all(|c| c == '.') {
            return None;
        }
        Some(format!("{site}/{section}/{}", path_segment(id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(kind: &str, data: serde_json::Value) -> Item {
        Item {
            id: "n7".into(),
            seq: 7,
            kind: kind.into(),
            title: "t".into(),
            body: "b".into(),
            data,
            created_at: 0,
            read: false,
        }
    }

    #[test]
    fn notifications_open_the_page_they_are_about() {
        let site = "https://urutibiz.com";
        let booking = item("booking", json!({"bookingId": "b-42", "chatId": "dm-1"}));
        assert_eq!(Page::of_item(&booking).url(site).unwrap(), "https://urutibiz.com/bookings/b-42");
        let message = item("message", json!({"chatId": "dm-1f"}));
        assert_eq!(Page::of_item(&message).url(site).unwrap(), "https://urutibiz.com/messages/dm-1f");
        let other = item("system", json!({"chatId": "dm-1f"}));
        assert_eq!(Page::of_item(&other).url(site).unwrap(), "https://urutibiz.com/notifications/n7");
    }

    #[test]
    fn ids_stay_inside_their_section() {
        let site = "https://urutibiz.com";
        assert_eq!(
            Page::Booking("a/../../admin".into()).url(site).unwrap(),
            "https://urutibiz.com/bookings/a%2F..%2F..%2Fadmin"
        );
        assert_eq!(Page::Chat("..".into()).url(site), None);
        assert_eq!(Page::Booking(String::new()).url(site), None);
        assert_eq!(
            Page::Notification("x?y#z".into()).url(site).unwrap(),
            "https://urutibiz.com/notifications/x%3Fy%23z"
        );
    }
}
