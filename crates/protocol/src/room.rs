//! Room names: `user-<id>`, `role-<role>`, `booking-<id>`, `chat-<id>`.

use std::fmt;

/// Longest id accepted inside a room name.
pub const MAX_ID_LEN: usize = 128;

/// A parsed room name. Any other name is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Room {
    /// Every connection of one user.
    User(String),
    /// Every connection whose token has this role.
    Role(String),
    /// Watchers of one booking: its host, its renter, admins.
    Booking(String),
    /// The two participants of one chat, and admins.
    Chat(String),
}

impl Room {
    /// Parses a room name; `None` for an unknown prefix or a malformed id.
    pub fn parse(name: &str) -> Option<Room> {
        let (kind, id) = name.split_once('-')?;
        if !is_valid_id(id) {
            return None;
        }
        let id = id.to_owned();
        match kind {
            "user" => Some(Room::User(id)),
            "role" => Some(Room::Role(id)),
            "booking" => Some(Room::Booking(id)),
            "chat" => Some(Room::Chat(id)),
            _ => None,
        }
    }
}

impl fmt::Display for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Room::User(id) => write!(f, "user-{id}"),
            Room::Role(id) => write!(f, "role-{id}"),
            Room::Booking(id) => write!(f, "booking-{id}"),
            Room::Chat(id) => write!(f, "chat-{id}"),
        }
    }
}

/// Ids of users, bookings and chats: 1 to 128 characters out of
/// ASCII letters, digits, `_`, `-`, `.`, `:` and `@`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_prefixes_and_round_trips() {
        for name in ["user-u1", "role-host", "booking-b-7", "chat-c_1"] {
            assert_eq!(Room::parse(name).unwrap().to_string(), name);
        }
        assert_eq!(Room::parse("user-a-b"), Some(Room::User("a-b".into())));
    }

    #[test]
    fn refuses_unknown_or_malformed() {
        for name in ["", "user", "user-", "lobby-1", "chat-a b", "booking-ü", "x-1"] {
            assert_eq!(Room::parse(name), None, "{name}");
        }
        assert_eq!(Room::parse(&format!("chat-{}", "a".repeat(129))), None);
    }
}
