//! What reaches the person, and when: per kind of notification (popup,
//! sound, counted in the badge), recurring quiet hours, and single bookings
//! or chats muted for a while. Nothing is ever
//! dropped: history always updates, the badge too (unless a kind is left
//! out of it), and what quiet hours held back comes as one summary popup
//! when they end.

use crate::history::Item;
use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;
use urutibiz_protocol::BookingStatus;

/// How one kind of notification reaches the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct KindPreferences {
    /// Show a popup.
    pub popup: bool,
    /// Play its sound.
    pub sound: bool,
    /// Count it in the tray badge.
    pub badge: bool,
}

impl Default for KindPreferences {
    fn default() -> Self {
        KindPreferences { popup: true, sound: true, badge: true }
    }
}

/// Recurring quiet hours, e.g. 22:00–07:00 every night.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct QuietHours {
    /// On or off.
    pub enabled: bool,
    /// Local time they start, `HH:MM`.
    pub start: String,
    /// Local time they end, `HH:MM`; before `start` means the next day.
    pub end: String,
    /// Days they start on: 0 Monday … 6 Sunday.
    pub days: Vec<u8>,
    /// Booking requests still pop up and sound (the fastest host wins).
    pub urgent_stays_loud: bool,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            enabled: false,
            start: "22:00".into(),
            end: "07:00".into(),
            days: (0..7).collect(),
            urgent_stays_loud: true,
        }
    }
}

/// Reads `HH:MM`.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

impl QuietHours {
    /// Whether `now` (local) falls in quiet hours. A night that starts on a
    /// chosen day lasts into the next morning, whatever that day is.
    pub fn is_quiet(&self, now: NaiveDateTime) -> bool {
        let (Some(start), Some(end)) = (parse_time(&self.start), parse_time(&self.end)) else {
            return false;
        };
        if !self.enabled || start == end {
            return false;
        }
        let chosen = |day: NaiveDateTime| self.days.contains(&(day.weekday().num_days_from_monday() as u8));
        let time = now.time();
        if start < end {
            chosen(now) && start <= time && time < end
        } else {
            (time >= start && chosen(now)) || (time < end && chosen(now - Duration::days(1)))
        }
    }

    /// Refuses times that are not `HH:MM` and days outside 0–6.
    pub fn check(&self) -> Result<(), String> {
        if parse_time(&self.start).is_none() || parse_time(&self.end).is_none() {
            return Err("Quiet hours need a start and an end like 22:00.".into());
        }
        if self.days.iter().any(|d| *d > 6) {
            return Err("Quiet hours days go from 0 (Monday) to 6 (Sunday).".into());
        }
        Ok(())
    }
}

/// The kinds people set apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Someone wants a host's item: `booking` in status `pending`.
    BookingRequest,
    /// Any other booking news.
    BookingChange,
    /// A chat message.
    Message,
    /// Everything else (payouts, reviews, the backend's own types).
    System,
}

/// Which kind a notification is.
pub fn kind_of(item: &Item) -> Kind {
    match item.kind.as_str() {
        "booking" if item.about().booking().and_then(|b| b.status) == Some(BookingStatus::Pending) => {
            Kind::BookingRequest
        }
        "booking" => Kind::BookingChange,
        "message" => Kind::Message,
        _ => Kind::System,
    }
}

/// All the user's notification preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Preferences {
    /// Booking requests (for hosts).
    pub booking_requests: KindPreferences,
    /// Other booking news.
    pub booking_changes: KindPreferences,
    /// Chat messages.
    pub messages: KindPreferences,
    /// Everything else.
    pub system: KindPreferences,
    /// Recurring quiet hours.
    pub quiet_hours: QuietHours,
    /// Bookings and chats muted (`booking:<id>`, `chat:<id>`) until then
    /// (Unix milliseconds; `null`: until unmuted). Their notifications
    /// still reach history and the badge, without popup or sound.
    #[ts(type = "Record<string, number | null>")]
    pub muted: BTreeMap<String, Option<i64>>,
}

/// The mute key of what a notification is about: its booking or its chat.
pub fn mute_key(item: &Item) -> Option<String> {
    let about = item.about();
    let booking = about.booking_id().map(|b| format!("booking:{b}"));
    booking.or_else(|| about.chat_id().map(|c| format!("chat:{c}")))
}

/// What to do with one notification now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Show it in a popup now.
    pub popup: bool,
    /// Play its sound now.
    pub sound: bool,
    /// Keep it for the summary when quiet hours end.
    pub held: bool,
}

impl Preferences {
    /// The preferences for a kind.
    pub fn of(&self, kind: Kind) -> KindPreferences {
        match kind {
            Kind::BookingRequest => self.booking_requests,
            Kind::BookingChange => self.booking_changes,
            Kind::Message => self.messages,
            Kind::System => self.system,
        }
    }

    /// How `item` reaches the person at `now` (local).
    pub fn delivery(&self, item: &Item, now: NaiveDateTime) -> Delivery {
        let kind = kind_of(item);
        let wanted = self.of(kind);
        let loud_anyway = kind == Kind::BookingRequest && self.quiet_hours.urgent_stays_loud;
        if self.quiet_hours.is_quiet(now) && !loud_anyway {
            return Delivery { popup: false, sound: false, held: wanted.popup };
        }
        Delivery { popup: wanted.popup, sound: wanted.sound, held: false }
    }

    /// Whether what `item` is about is muted at `now_ms`.
    pub fn is_muted(&self, item: &Item, now_ms: i64) -> bool {
        mute_key(item)
            .and_then(|key| self.muted.get(&key).copied())
            .is_some_and(|until| until.is_none_or(|until| now_ms < until))
    }

    /// Drops mutes that are over, so the settings file does not grow.
    pub fn forget_expired_mutes(&mut self, now_ms: i64) {
        self.muted.retain(|_, until| until.is_none_or(|until| now_ms < until));
    }

    /// Whether `item` counts in the tray badge.
    pub fn counts_in_badge(&self, item: &Item) -> bool {
        self.of(kind_of(item)).badge
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use serde_json::json;

    fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        // November 2026: the 23rd is a Monday.
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap().and_hms_opt(hour, minute, 0).unwrap()
    }

    fn item(kind: &str, status: Option<&str>) -> Item {
        Item {
            id: "n".into(),
            seq: 1,
            kind: kind.into(),
            title: "t".into(),
            body: "b".into(),
            data: status.map_or(json!({}), |s| json!({"status": s})),
            created_at: 0,
            read: false,
        }
    }

    #[test]
    fn a_night_belongs_to_the_day_it_starts() {
        // Weeknights only: Monday 0 … Friday 4.
        let quiet = QuietHours { enabled: true, days: vec![0, 1, 2, 3, 4], ..QuietHours::default() };
        assert!(quiet.is_quiet(at(23, 22, 0)), "Monday 22:00");
        assert!(quiet.is_quiet(at(24, 6, 59)), "Tuesday 06:59 is Monday's night");
        assert!(!quiet.is_quiet(at(24, 7, 0)), "Tuesday 07:00 is over");
        assert!(!quiet.is_quiet(at(23, 21, 59)));
        assert!(quiet.is_quiet(at(28, 6, 0)), "Saturday 06:00 is Friday's night");
        assert!(!quiet.is_quiet(at(28, 23, 0)), "Saturday night is not chosen");
        assert!(!quiet.is_quiet(at(30, 3, 0)), "nor is Sunday morning");
        let day =
            QuietHours { enabled: true, start: "12:00".into(), end: "14:00".into(), ..QuietHours::default() };
        assert!(day.is_quiet(at(25, 13, 0)) && !day.is_quiet(at(25, 14, 0)));
        let off = QuietHours { enabled: false, ..QuietHours::default() };
        assert!(!off.is_quiet(at(23, 23, 0)));
        let broken = QuietHours { enabled: true, start: "late".into(), ..QuietHours::default() };
        assert!(!broken.is_quiet(at(23, 23, 0)));
        assert!(broken.check().is_err());
        assert!(QuietHours { days: vec![7], ..QuietHours::default() }.check().is_err());
    }

    #[test]
    fn quiet_hours_hold_popups_for_the_summary_but_urgent_requests_stay_loud() {
        let mut prefs = Preferences::default();
        prefs.quiet_hours.enabled = true;
        let night = at(23, 23, 0);
        let message = prefs.delivery(&item("message", None), night);
        assert_eq!(message, Delivery { popup: false, sound: false, held: true });
        let request = prefs.delivery(&item("booking", Some("pending")), night);
        assert_eq!(request, Delivery { popup: true, sound: true, held: false });
        prefs.quiet_hours.urgent_stays_loud = false;
        assert!(prefs.delivery(&item("booking", Some("pending")), night).held);
        // By day, each kind as chosen.
        prefs.system = KindPreferences { popup: true, sound: false, badge: false };
        let day = at(23, 12, 0);
        assert_eq!(
            prefs.delivery(&item("payout", None), day),
            Delivery { popup: true, sound: false, held: false }
        );
        assert!(!prefs.counts_in_badge(&item("payout", None)));
        assert!(prefs.counts_in_badge(&item("message", None)));
        prefs.messages.popup = false;
        assert_eq!(
            prefs.delivery(&item("message", None), night),
            Delivery { popup: false, sound: false, held: false }
        );
    }

    #[test]
    fn a_muted_booking_or_chat_is_quiet_until_its_time() {
        let mut prefs = Preferences::default();
        prefs.muted.insert("booking:b1".into(), Some(1_000));
        prefs.muted.insert("chat:c1".into(), None);
        let booking = |id: &str| Item {
            data: json!({"bookingId": id, "status": "confirmed"}),
            ..item("booking", None)
        };
        let message = Item { data: json!({"chatId": "c1"}), ..item("message", None) };
        assert!(prefs.is_muted(&booking("b1"), 999));
        assert!(!prefs.is_muted(&booking("b1"), 1_000), "the hour is over");
        assert!(!prefs.is_muted(&booking("b2"), 0));
        assert!(prefs.is_muted(&message, i64::MAX - 1), "until unmuted");
        assert!(!prefs.is_muted(&item("system", None), 0));
        prefs.forget_expired_mutes(5_000);
        assert_eq!(prefs.muted.keys().collect::<Vec<_>>(), ["chat:c1"]);
    }

    #[test]
    fn older_settings_files_get_defaults() {
        let prefs: Preferences = serde_json::from_value(json!({"messages": {"sound": false}})).unwrap();
        assert_eq!(prefs.messages, KindPreferences { popup: true, sound: false, badge: true });
        assert_eq!(prefs.quiet_hours, QuietHours::default());
        assert_eq!(kind_of(&item("booking", Some("confirmed"))), Kind::BookingChange);
    }
}
