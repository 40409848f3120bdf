//! What the tray bell shows: signed out, offline, or the unread count the
//! person asked to see (kinds kept out of the badge are taken off the
//! server's count). The shell (`src-tauri/src/tray.rs`) draws it: on Linux
//! the tray has no tooltip, so the icon itself carries the number.

use crate::history::History;
use crate::preferences::Preferences;

/// What the icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badge {
    /// No token, or the server refused it.
    SignedOut,
    /// Not connected.
    Offline,
    /// Connected (or connecting) with this many unread.
    Unread(i64),
}

/// The badge for the connection (its state as the status line names it:
/// `signed-out`, `offline`, `connecting`, `online`), the history and the
/// person's preferences.
pub fn badge(connection: &str, history: &History, preferences: &Preferences) -> Badge {
    match connection {
        "signed-out" => Badge::SignedOut,
        "offline" => Badge::Offline,
        _ => {
            // The server counts every unread notification; kinds the person
            // keeps out of the badge are taken off (those in the cache).
            let left_out =
                history.items.iter().filter(|i| !i.read && !preferences.counts_in_badge(i)).count() as i64;
            Badge::Unread((history.unread - left_out).max(0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Item;
    use crate::preferences::KindPreferences;
    use serde_json::json;

    fn history(unread: i64, items: Vec<Item>) -> History {
        History { items, unread, ..History::default() }
    }

    #[test]
    fn signed_out_and_offline_have_their_own_icons_whatever_is_unread() {
        let h = history(3, vec![]);
        assert_eq!(badge("signed-out", &h, &Preferences::default()), Badge::SignedOut);
        assert_eq!(badge("offline", &h, &Preferences::default()), Badge::Offline);
        assert_eq!(badge("connecting", &h, &Preferences::default()), Badge::Unread(3));
        assert_eq!(badge("online", &h, &Preferences::default()), Badge::Unread(3));
    }

    #[test]
    fn kinds_kept_out_of_the_badge_are_taken_off_the_servers_count() {
        let quiet = KindPreferences { popup: true, sound: true, badge: false };
        let prefs = Preferences { messages: quiet, ..Preferences::default() };
        let mut read_message = Item::sample(3, "message", json!({"chatId": "dm-1"}));
        read_message.read = true;
        let items = vec![
            Item::sample(1, "message", json!({"chatId": "dm-1"})),
            Item::sample(2, "booking", json!({"bookingId": "b1"})),
            read_message,
        ];
        // Five unread on the server, one of them an unread message here.
        assert_eq!(badge("online", &history(5, items.clone()), &prefs), Badge::Unread(4));
        // Never below zero, whatever the cache holds.
        assert_eq!(badge("online", &history(0, items), &prefs), Badge::Unread(0));
    }
}
