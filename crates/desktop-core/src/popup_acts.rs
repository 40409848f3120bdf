//! Acting on a popup, whichever way the click comes back: what a popup is
//! about ([`PopupTarget`]), what the person chose on it ([`PopupChoice`]),
//! and the one-time token that ties the two ([`IssuedPopups`]).
//!
//! Every popup the machine orders carries a fresh token. A click hands the
//! token back: on Linux the notification daemon's action, in this process;
//! on Windows a `urutibiz:` link the OS launches from the toast (see
//! [`crate::deep_link`]), which may reach a later process: the toast can sit
//! in the Action Center after the app restarted. So the tokens outlive the
//! process (the shell saves them with the history) and a token is what lets
//! a click act: mark a notification read, confirm or decline a booking. A
//! link made anywhere else (a web page, a mail) carries no token this app
//! issued and can only show what it names.
//!
//! A token works once. A booking's newer popup takes its older popup's
//! place on screen, so it revokes the older one's tokens: a replaced
//! popup's button must not act. Tokens go after [`TOKEN_LIFETIME`] (the
//! time Windows keeps a toast in the Action Center) and only the newest
//! [`TOKENS_KEPT`] are kept (Windows keeps 20 of an app's toasts).

use crate::booking_answers::{Answerable, Decision};
use crate::web_page::Page;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// How long a popup's token acts: three days, the default lifetime of a
/// toast in the Windows Action Center.
pub const TOKEN_LIFETIME_MS: i64 = 3 * 24 * 60 * 60 * 1000;

/// How many tokens are kept, newest first.
pub const TOKENS_KEPT: usize = 40;

/// Characters in a token: 128 random bits in lowercase hex.
const TOKEN_LEN: usize = 32;

/// What a popup is about: where a click opens the window, which booking's
/// popup it replaces, whether it carries Confirm and Decline, its page on
/// the website, and the notification it stands for. The token of a click
/// leads back to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PopupTarget {
    /// The history item (or `chat:<id>`) the window opens at.
    pub focus: Option<String>,
    /// The booking whose popup it replaces.
    pub booking: Option<String>,
    /// A request its person can answer: Confirm and Decline.
    pub answer: Option<Answerable>,
    /// Its page on the website ("Open in browser", when one is configured).
    pub web: Option<Page>,
    /// The notification it stands for, marked read when the person acts.
    pub read: Option<String>,
}

impl PopupTarget {
    /// The conversation a popup is about (its focus is `chat:<id>`).
    pub fn chat(&self) -> Option<&str> {
        self.focus.as_deref()?.strip_prefix("chat:")
    }

    /// The buttons of its popup, in order, on every OS: Confirm and Decline
    /// for a request its person can answer, Reply for a message (it opens
    /// the conversation with its reply box: inline replies are KDE's alone),
    /// Open in browser when `has_site` (a website is configured). The
    /// popup's body is [`PopupChoice::Open`].
    pub fn buttons(&self, has_site: bool) -> Vec<PopupChoice> {
        let mut buttons = Vec::new();
        if self.answer.is_some() {
            buttons.extend([Decision::Confirm, Decision::Decline].map(PopupChoice::Decide));
        }
        if self.chat().is_some() {
            buttons.push(PopupChoice::Reply);
        }
        if has_site && self.web.is_some() {
            buttons.push(PopupChoice::OpenOnWeb);
        }
        buttons
    }
}

/// What the person chose on a popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupChoice {
    /// The popup itself: open the window at what it is about.
    Open,
    /// "Reply": open the conversation with its reply box.
    Reply,
    /// "Open in browser".
    OpenOnWeb,
    /// Confirm or Decline a booking request.
    Decide(Decision),
}

impl PopupChoice {
    /// Every choice, for the shells that list a popup's buttons.
    pub const ALL: [PopupChoice; 5] = [
        PopupChoice::Open,
        PopupChoice::Reply,
        PopupChoice::OpenOnWeb,
        PopupChoice::Decide(Decision::Confirm),
        PopupChoice::Decide(Decision::Decline),
    ];

    /// Its name in a notification's action and in a link (`act=`).
    pub fn name(self) -> &'static str {
        match self {
            PopupChoice::Open => "open",
            PopupChoice::Reply => "reply",
            PopupChoice::OpenOnWeb => "web",
            PopupChoice::Decide(decision) => decision.action().0,
        }
    }

    /// The choice a name stands for.
    pub fn from_name(name: &str) -> Option<PopupChoice> {
        PopupChoice::ALL.into_iter().find(|choice| choice.name() == name)
    }

    /// The button's label (`Open` is the popup's body, no button).
    pub fn label(self) -> &'static str {
        match self {
            PopupChoice::Open => "Open",
            PopupChoice::Reply => "Reply",
            PopupChoice::OpenOnWeb => "Open in browser",
            PopupChoice::Decide(decision) => decision.action().1,
        }
    }
}

/// A click: what was chosen, on the popup the token was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopupClick {
    pub choice: PopupChoice,
    pub token: String,
}

/// Whether a string can be one of our tokens (links are checked before
/// anything is looked up).
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_LEN && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A fresh token, from the OS's randomness.
fn fresh_token() -> String {
    let mut bytes = [0u8; TOKEN_LEN / 2];
    // Without the OS's randomness no token can be trusted; the OS always
    // has it where the app runs at all.
    getrandom::fill(&mut bytes).expect("the OS's random numbers");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One popup's token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Issued {
    token: String,
    target: PopupTarget,
    /// When it was issued, in Unix milliseconds.
    issued_at: i64,
}

/// The tokens of the popups shown, newest last; saved with the history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IssuedPopups {
    issued: VecDeque<Issued>,
}

impl IssuedPopups {
    /// A token for a popup about `target` shown at `now_ms`; a booking's
    /// earlier popups lose theirs (this one takes their place).
    pub fn issue(&mut self, target: &PopupTarget, now_ms: i64) -> String {
        self.forget_stale(now_ms);
        if let Some(booking) = &target.booking {
            self.issued.retain(|i| i.target.booking.as_ref() != Some(booking));
        }
        while self.issued.len() >= TOKENS_KEPT {
            self.issued.pop_front();
        }
        let token = fresh_token();
        self.issued.push_back(Issued { token: token.clone(), target: target.clone(), issued_at: now_ms });
        token
    }

    /// What the popup of `token` was about, once: the token is spent. `None`
    /// for a token never issued here, spent, revoked or too old.
    pub fn redeem(&mut self, token: &str, now_ms: i64) -> Option<PopupTarget> {
        self.forget_stale(now_ms);
        let at = self.issued.iter().position(|i| i.token == token)?;
        self.issued.remove(at).map(|i| i.target)
    }

    /// How many tokens can still act.
    pub fn len(&self) -> usize {
        self.issued.len()
    }

    /// No token can act.
    pub fn is_empty(&self) -> bool {
        self.issued.is_empty()
    }

    fn forget_stale(&mut self, now_ms: i64) {
        // A clock set back keeps them; one set forward ends them early.
        self.issued.retain(|i| now_ms.saturating_sub(i.issued_at) < TOKEN_LIFETIME_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about_booking(booking: &str) -> PopupTarget {
        PopupTarget {
            focus: Some("n1".into()),
            booking: Some(booking.into()),
            answer: Some(Answerable { booking_id: booking.into(), label: "Camera".into() }),
            web: Some(Page::Booking(booking.into())),
            read: Some("n1".into()),
        }
    }

    #[test]
    fn a_token_acts_once_and_only_if_issued_here() {
        let mut issued = IssuedPopups::default();
        let token = issued.issue(&about_booking("b-1"), 0);
        assert!(is_token(&token), "{token}");
        assert_eq!(issued.redeem(&"0".repeat(32), 1), None, "never issued");
        assert_eq!(issued.redeem(&token, 1), Some(about_booking("b-1")));
        assert_eq!(issued.redeem(&token, 2), None, "spent");
        let other = issued.issue(&PopupTarget::default(), 3);
        assert_ne!(other, token, "tokens are fresh");
    }

    #[test]
    fn a_booking_s_newer_popup_revokes_the_older_one_s_token() {
        let mut issued = IssuedPopups::default();
        let request = issued.issue(&about_booking("b-1"), 0);
        let elsewhere = issued.issue(&about_booking("b-2"), 0);
        let cancelled = issued.issue(&PopupTarget { answer: None, ..about_booking("b-1") }, 5);
        assert_eq!(issued.redeem(&request, 6), None, "replaced on screen: its Confirm must not act");
        assert!(issued.redeem(&elsewhere, 6).is_some(), "another booking's popup still acts");
        assert!(issued.redeem(&cancelled, 6).is_some());
    }

    #[test]
    fn tokens_expire_and_only_the_newest_are_kept() {
        let mut issued = IssuedPopups::default();
        let old = issued.issue(&PopupTarget::default(), 0);
        assert_eq!(issued.redeem(&old, TOKEN_LIFETIME_MS), None, "expired with its toast");
        let first = issued.issue(&PopupTarget::default(), 0);
        for _ in 0..TOKENS_KEPT {
            issued.issue(&PopupTarget::default(), 0);
        }
        assert_eq!(issued.len(), TOKENS_KEPT);
        assert_eq!(issued.redeem(&first, 1), None, "the oldest made room");
    }

    #[test]
    fn tokens_survive_a_restart_through_the_saved_form() {
        let mut issued = IssuedPopups::default();
        let token = issued.issue(&about_booking("b-1"), 7);
        let saved = serde_json::to_value(&issued).unwrap();
        let mut restored: IssuedPopups = serde_json::from_value(saved).unwrap();
        assert_eq!(restored.redeem(&token, 8), Some(about_booking("b-1")));
    }

    #[test]
    fn a_request_s_popup_confirms_declines_and_opens_on_the_web_a_message_s_replies() {
        let request = about_booking("b-1");
        let decide = [Decision::Confirm, Decision::Decline].map(PopupChoice::Decide);
        assert_eq!(request.buttons(false), decide);
        assert_eq!(request.buttons(true), [decide[0], decide[1], PopupChoice::OpenOnWeb]);
        let message = PopupTarget { focus: Some("chat:dm-1".into()), ..PopupTarget::default() };
        assert_eq!(message.chat(), Some("dm-1"));
        assert_eq!(message.buttons(true), [PopupChoice::Reply], "no page of its own: no site button");
        assert_eq!(PopupTarget::default().buttons(true), [], "a summary only opens");
    }

    #[test]
    fn choices_by_name_and_tokens_by_shape() {
        for choice in PopupChoice::ALL {
            assert_eq!(PopupChoice::from_name(choice.name()), Some(choice));
        }
        assert_eq!(PopupChoice::from_name("default"), None);
        assert_eq!(PopupChoice::from_name("Confirm"), None, "names are exact");
        assert!(!is_token("popup-1"));
        assert!(!is_token(&"A".repeat(32)), "lowercase only");
        assert!(!is_token(&"a".repeat(33)));
    }
}
