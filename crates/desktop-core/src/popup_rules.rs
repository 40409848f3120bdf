//! When a notification pops up, and as what. No popup storms: a replay
//! after reconnecting becomes one summary when it ends, and live
//! notifications arriving within [`GATHER`] of a popup are gathered into
//! the next one; a lone live notification shows at once. Do not disturb
//! keeps everything in history only; quiet hours hold what would have
//! popped up and summarise it once they end; the person's preferences say
//! per kind whether it pops up and sounds, and per item whether it is
//! muted.
//!
//! The shell (`src-tauri/src/popups.rs`) feeds arrivals in and shows what
//! comes out: these rules know nothing of the notification daemon.

use crate::alert_text::{alert_for, summary_for, Alert};
use crate::dnd;
use crate::history::Item;
use crate::preferences::Preferences;
use chrono::{DateTime, Local};
use std::time::{Duration, Instant};

/// Notifications within this window of a popup are shown together.
pub const GATHER: Duration = Duration::from_millis(1200);

/// What the person set that decides popups.
#[derive(Debug, Clone, Copy)]
pub struct Quiet<'a> {
    /// Sounds off.
    pub muted: bool,
    /// Do not disturb until (Unix milliseconds).
    pub dnd_until: Option<i64>,
    pub preferences: &'a Preferences,
}

/// A popup to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Popup {
    pub alert: Alert,
    /// Play the alert's sound.
    pub sound: bool,
    /// The notification it is about; `None` for a summary of several.
    pub about: Option<Item>,
}

/// What the shell does after a notification arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Call [`PopupRules::flush`] now.
    FlushNow,
    /// Call [`PopupRules::flush`] at this moment.
    FlushAt(Instant),
    /// Nothing: the replay's end or a flush already due will show it.
    Wait,
}

/// The popups' own state: what is gathering, what quiet hours hold.
#[derive(Debug, Default)]
pub struct PopupRules {
    pending: Vec<Item>,
    flush_due: bool,
    last_shown: Option<Instant>,
    held: Vec<Item>,
}

impl PopupRules {
    /// A notification arrived. During a replay it waits for the replay's
    /// end; live, it shows at once unless a popup was just shown or others
    /// are gathering, in which case it joins the next popup.
    pub fn arrived(&mut self, item: Item, replaying: bool, now: Instant) -> Arrival {
        self.pending.push(item);
        if replaying {
            return Arrival::Wait;
        }
        let recent = self.last_shown.is_some_and(|at| now.saturating_duration_since(at) < GATHER);
        if self.pending.len() == 1 && !recent && !self.flush_due {
            return Arrival::FlushNow;
        }
        if std::mem::replace(&mut self.flush_due, true) {
            return Arrival::Wait;
        }
        Arrival::FlushAt(now + GATHER)
    }

    /// What has gathered becomes a popup: one notification's own, or a
    /// summary; what quiet hours hold waits for their end.
    pub fn flush(&mut self, quiet: Quiet<'_>, now: DateTime<Local>, at: Instant) -> Option<Popup> {
        self.flush_due = false;
        let arrived = std::mem::take(&mut self.pending);
        if dnd::is_active(quiet.dnd_until, now.timestamp_millis()) {
            return None;
        }
        let mut shown = Vec::with_capacity(arrived.len());
        let mut sound = false;
        for item in arrived {
            if quiet.preferences.is_muted(&item, now.timestamp_millis()) {
                continue;
            }
            let delivery = quiet.preferences.delivery(&item, now.naive_local());
            if delivery.held {
                self.held.push(item);
            } else if delivery.popup {
                sound |= delivery.sound;
                shown.push(item);
            }
        }
        if shown.is_empty() {
            return None;
        }
        self.last_shown = Some(at);
        let sound = sound && !quiet.muted;
        if let [one] = shown.as_slice() {
            return Some(Popup { alert: alert_for(one), sound, about: shown.pop() });
        }
        Some(Popup { alert: summary_for(&shown), sound, about: None })
    }

    /// Once quiet hours (and Do not disturb) are over, what they held back
    /// comes as one summary.
    pub fn after_quiet_hours(&mut self, quiet: Quiet<'_>, now: DateTime<Local>) -> Option<Popup> {
        if self.held.is_empty()
            || quiet.preferences.quiet_hours.is_quiet(now.naive_local())
            || dnd::is_active(quiet.dnd_until, now.timestamp_millis())
        {
            return None;
        }
        let summary = summary_for(&std::mem::take(&mut self.held));
        let alert = Alert { title: format!("While it was quiet: {}", summary.title), ..summary };
        Some(Popup { alert, sound: !quiet.muted, about: None })
    }

    /// Popups are held for the end of quiet hours.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// Notifications are waiting for a flush.
    pub fn gathering(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// Where clicking a lone notification's popup opens the window: a message
/// at its conversation (to answer it), anything else at its history row.
pub fn opens_at(item: &Item) -> String {
    match item.about().chat_id() {
        Some(chat_id) => format!("chat:{chat_id}"),
        None => item.id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preferences::{KindPreferences, QuietHours};
    use chrono::TimeZone;
    use serde_json::json;

    fn message(n: i64) -> Item {
        Item::sample(n, "message", json!({"chatId": "dm-1"}))
    }

    fn booking(n: i64) -> Item {
        Item::sample(n, "booking", json!({"bookingId": format!("b{n}")}))
    }

    fn noon() -> DateTime<Local> {
        Local.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
    }

    fn quiet(preferences: &Preferences) -> Quiet<'_> {
        Quiet { muted: false, dnd_until: None, preferences }
    }

    fn ids(popup: &Option<Popup>) -> Option<String> {
        popup.as_ref().map(|p| p.about.as_ref().map_or("summary".into(), |i| i.id.clone()))
    }

    #[test]
    fn a_lone_live_notification_shows_at_once_with_its_sound() {
        let (mut rules, prefs, t) = (PopupRules::default(), Preferences::default(), Instant::now());
        assert_eq!(rules.arrived(message(1), false, t), Arrival::FlushNow);
        let popup = rules.flush(quiet(&prefs), noon(), t).expect("a popup");
        assert_eq!(popup.about, Some(message(1)));
        assert_eq!(popup.alert, alert_for(&message(1)));
        assert!(popup.sound);
        assert!(!rules.gathering());
    }

    #[test]
    fn notifications_close_behind_a_popup_are_gathered_into_one_summary() {
        let (mut rules, prefs, t) = (PopupRules::default(), Preferences::default(), Instant::now());
        rules.arrived(message(1), false, t);
        rules.flush(quiet(&prefs), noon(), t);
        let soon = t + Duration::from_millis(100);
        assert_eq!(rules.arrived(message(2), false, soon), Arrival::FlushAt(soon + GATHER));
        assert_eq!(rules.arrived(booking(3), false, soon), Arrival::Wait, "one flush is due already");
        let popup = rules.flush(quiet(&prefs), noon(), soon + GATHER).expect("a popup");
        assert_eq!(popup.about, None);
        assert_eq!(popup.alert, summary_for(&[message(2), booking(3)]));
        // Long after, a lone one shows at once again.
        let later = soon + GATHER * 3;
        assert_eq!(rules.arrived(message(4), false, later), Arrival::FlushNow);
    }

    #[test]
    fn a_replay_waits_for_its_end_and_becomes_one_popup() {
        let (mut rules, prefs, t) = (PopupRules::default(), Preferences::default(), Instant::now());
        for n in 1..=30 {
            assert_eq!(rules.arrived(message(n), true, t), Arrival::Wait);
        }
        let popup = rules.flush(quiet(&prefs), noon(), t);
        assert_eq!(ids(&popup), Some("summary".into()));
        assert_eq!(rules.flush(quiet(&prefs), noon(), t), None, "nothing twice");
    }

    #[test]
    fn do_not_disturb_keeps_everything_in_history_only() {
        let (mut rules, prefs, t) = (PopupRules::default(), Preferences::default(), Instant::now());
        let dnd = Quiet { dnd_until: Some(noon().timestamp_millis() + 60_000), ..quiet(&prefs) };
        rules.arrived(message(1), false, t);
        assert_eq!(rules.flush(dnd, noon(), t), None);
        assert!(!rules.gathering() && !rules.holding());
    }

    #[test]
    fn sounds_off_shows_the_popup_silently() {
        let (mut rules, prefs, t) = (PopupRules::default(), Preferences::default(), Instant::now());
        rules.arrived(message(1), false, t);
        let muted = Quiet { muted: true, ..quiet(&prefs) };
        let popup = rules.flush(muted, noon(), t).expect("a popup");
        assert!(!popup.sound);
    }

    #[test]
    fn a_kind_without_popups_stays_in_history_and_a_muted_item_too() {
        let mut prefs = Preferences {
            messages: KindPreferences { popup: false, sound: false, badge: true },
            ..Preferences::default()
        };
        let (mut rules, t) = (PopupRules::default(), Instant::now());
        rules.arrived(message(1), false, t);
        assert_eq!(rules.flush(quiet(&prefs), noon(), t), None);
        let key = crate::preferences::mute_key(&booking(2)).expect("a booking has a mute key");
        prefs.muted.insert(key, Some(noon().timestamp_millis() + 60_000));
        rules.arrived(booking(2), false, t + GATHER * 2);
        assert_eq!(rules.flush(quiet(&prefs), noon(), t + GATHER * 2), None);
        assert!(!rules.holding());
    }

    #[test]
    fn quiet_hours_hold_popups_and_summarise_them_once_over() {
        let prefs = Preferences {
            quiet_hours: QuietHours { enabled: true, ..QuietHours::default() },
            ..Preferences::default()
        };
        let night = Local.with_ymd_and_hms(2026, 12, 2, 23, 30, 0).unwrap();
        let morning = Local.with_ymd_and_hms(2026, 12, 3, 7, 5, 0).unwrap();
        let (mut rules, t) = (PopupRules::default(), Instant::now());
        rules.arrived(message(1), false, t);
        assert_eq!(rules.flush(quiet(&prefs), night, t), None);
        rules.arrived(booking(2), false, t + GATHER * 2);
        assert_eq!(rules.flush(quiet(&prefs), night, t + GATHER * 2), None);
        assert!(rules.holding());
        assert_eq!(rules.after_quiet_hours(quiet(&prefs), night), None, "still quiet");
        let popup = rules.after_quiet_hours(quiet(&prefs), morning).expect("the summary");
        let summary = summary_for(&[message(1), booking(2)]);
        assert_eq!(popup.alert.title, format!("While it was quiet: {}", summary.title));
        assert_eq!(popup.alert.body, summary.body);
        assert!(popup.sound && popup.about.is_none());
        assert!(!rules.holding());
        assert_eq!(rules.after_quiet_hours(quiet(&prefs), morning), None, "once");
    }

    #[test]
    fn a_message_popup_opens_its_conversation() {
        let item = |kind: &str, data| Item::sample(1, kind, data);
        assert_eq!(opens_at(&item("message", json!({"chatId": "dm-1"}))), "chat:dm-1");
        assert_eq!(opens_at(&item("message", json!({}))), "n1");
        assert_eq!(opens_at(&item("booking", json!({"chatId": "dm-1", "bookingId": "b1"}))), "n1");
    }
}
