//! `urutibiz://booking/<id>`, `urutibiz://chat/<id>` and
//! `urutibiz://notifications`: links that open the window at a booking, a
//! chat or the list. They arrive as a command-line argument, at launch or
//! passed on by a second launch through the single instance (macOS hands
//! them to the running app). A malformed link is refused with a warning and
//! opens nothing; whether the booking or chat is the user's is for the
//! window to find out from the server ("not found" otherwise), so a link
//! reveals nothing.
//!
//! A popup's link (Windows toasts act by launching one) also carries
//! `?popup=<token>&act=<choice>`: the one-time token the app issued for
//! that popup ([`crate::popup_acts`]) and the button pressed. Only a token
//! the app issued lets the link act; any other shows what the link names.

use crate::popup_acts::{is_token, PopupChoice, PopupClick};
use std::fmt;
use urutibiz_protocol::room::is_valid_id;

/// The scheme registered for the app.
pub const SCHEME: &str = "urutibiz";

/// Where a link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A booking, in the Bookings view.
    Booking(String),
    /// A chat, in the Chats view.
    Chat(String),
    /// The notifications list.
    Notifications,
}

/// A link: where it leads, and the popup click it stands for, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub target: Target,
    /// A popup's button: its token and choice (acts only if the app issued
    /// the token).
    pub click: Option<PopupClick>,
}

impl Target {
    /// The window's focus for it (see `window::show`); the list has none.
    /// A chat opened by a link is shown, not read: a link can come from
    /// anyone, and reading needs the person to look (`chat-link:` tells the
    /// window so; a popup's `chat:` was a click, and reads).
    pub fn focus(&self) -> Option<String> {
        match self {
            Target::Booking(id) => Some(format!("booking:{id}")),
            Target::Chat(id) => Some(format!("chat-link:{id}")),
            Target::Notifications => None,
        }
    }
}

impl From<Target> for Link {
    fn from(target: Target) -> Link {
        Link { target, click: None }
    }
}

impl fmt::Display for Link {
    /// The link as the OS launches it. Ids are valid ids and tokens hex,
    /// so nothing in it needs escaping.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Booking(id) => write!(f, "{SCHEME}://booking/{id}")?,
            Target::Chat(id) => write!(f, "{SCHEME}://chat/{id}")?,
            Target::Notifications => write!(f, "{SCHEME}://notifications")?,
        }
        if let Some(PopupClick { choice, token }) = &self.click {
            write!(f, "?popup={token}&act={}", choice.name())?;
        }
        Ok(())
    }
}

/// Why a link was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadLink {
    /// Another scheme, or none.
    #[error("not a {SCHEME}:// link")]
    Scheme,
    /// Not `booking/<id>`, `chat/<id>` or `notifications`.
    #[error("links lead to booking/<id>, chat/<id> or notifications")]
    Shape,
    /// The id has characters ids never have.
    #[error("not a valid id")]
    Id,
}

/// Whether a command-line argument is a link of ours (schemes are
/// case-insensitive), well-formed or not.
pub fn looks_like_link(arg: &str) -> bool {
    arg.get(..SCHEME.len() + 1).is_some_and(|head| head.eq_ignore_ascii_case(&format!("{SCHEME}:")))
}

/// Reads a link.
pub fn parse(link: &str) -> Result<Link, BadLink> {
    if !looks_like_link(link) {
        return Err(BadLink::Scheme);
    }
    let rest = link[SCHEME.len() + 1..].strip_prefix("//").ok_or(BadLink::Scheme)?;
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.trim_end_matches('/');
    let target = if path == "notifications" {
        Target::Notifications
    } else {
        let (kind, id) = path.split_once('/').ok_or(BadLink::Shape)?;
        if !is_valid_id(id) {
            return Err(if id.is_empty() || id.contains('/') { BadLink::Shape } else { BadLink::Id });
        }
        match kind {
            "booking" => Target::Booking(id.to_owned()),
            "chat" => Target::Chat(id.to_owned()),
            _ => return Err(BadLink::Shape),
        }
    };
    Ok(Link { target, click: popup_click(query) })
}

/// The popup click in a link's query: both a well-formed token and a known
/// choice, each given once; anything else makes it a plain link.
fn popup_click(query: &str) -> Option<PopupClick> {
    let (mut token, mut choice) = (None, None);
    for pair in query.split('&') {
        let slot = match pair.split_once('=') {
            Some(("popup", value)) => (&mut token, value),
            Some(("act", value)) => (&mut choice, value),
            _ => continue,
        };
        if slot.0.replace(slot.1).is_some() {
            return None;
        }
    }
    let (token, choice) = (token.filter(|t| is_token(t))?, PopupChoice::from_name(choice?)?);
    Some(PopupClick { choice, token: token.to_owned() })
}

/// The first link among command-line arguments, if any; a malformed one is
/// logged and skipped.
pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Option<Link> {
    args.into_iter().filter(|a| looks_like_link(a)).find_map(|link| {
        parse(&link).map_err(|e| tracing::warn!(link = %link, error = %e, "ignoring a link")).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking_answers::Decision;

    fn plain(target: Target) -> Result<Link, BadLink> {
        Ok(target.into())
    }

    #[test]
    fn links_to_bookings_chats_and_the_list() {
        assert_eq!(parse("urutibiz://booking/b-2"), plain(Target::Booking("b-2".into())));
        assert_eq!(parse("urutibiz://chat/dm-1f2e/"), plain(Target::Chat("dm-1f2e".into())));
        assert_eq!(parse("urutibiz://booking/b-2?from=mail#top"), plain(Target::Booking("b-2".into())));
        assert_eq!(parse("UrutiBiz://booking/b-2"), plain(Target::Booking("b-2".into())));
        assert_eq!(parse("urutibiz://notifications"), plain(Target::Notifications));
        assert_eq!(Target::Booking("b-2".into()).focus().as_deref(), Some("booking:b-2"));
        assert_eq!(Target::Notifications.focus(), None);
    }

    #[test]
    fn a_popup_s_link_carries_its_token_and_choice_and_reads_back() {
        let token = "0123456789abcdef0123456789abcdef";
        let link = Link {
            target: Target::Booking("b-1".into()),
            click: Some(PopupClick { choice: PopupChoice::Decide(Decision::Confirm), token: token.into() }),
        };
        let text = link.to_string();
        assert_eq!(text, format!("urutibiz://booking/b-1?popup={token}&act=confirm"));
        assert_eq!(parse(&text), Ok(link));
        for choice in PopupChoice::ALL {
            let link = Link {
                target: Target::Notifications,
                click: Some(PopupClick { choice, token: token.into() }),
            };
            assert_eq!(parse(&link.to_string()), Ok(link));
        }
    }

    #[test]
    fn a_link_with_a_doubtful_click_is_a_plain_link() {
        let token = "0123456789abcdef0123456789abcdef";
        for query in [
            "act=confirm".to_owned(),
            format!("popup={token}"),
            format!("popup={token}&act=approve"),
            format!("popup={}&act=confirm", token.to_uppercase()),
            "popup=popup-1&act=confirm".to_owned(),
            format!("popup={token}&act=decline&act=confirm"),
            format!("popup={token}&popup={}&act=confirm", "f".repeat(32)),
        ] {
            let link = format!("urutibiz://booking/b-1?{query}");
            assert_eq!(parse(&link), plain(Target::Booking("b-1".into())), "{link}");
        }
    }

    #[test]
    fn malformed_links_open_nothing() {
        for (link, why) in [
            ("https://booking/b-2", BadLink::Scheme),
            ("urutibiz:booking/b-2", BadLink::Scheme),
            ("urutibiz://booking", BadLink::Shape),
            ("urutibiz://booking/", BadLink::Shape),
            ("urutibiz://user/u1", BadLink::Shape),
            ("urutibiz://booking/a/b", BadLink::Shape),
            ("urutibiz://booking/<script>", BadLink::Id),
            ("urutibiz://chat/%2e%2e", BadLink::Id),
            ("urutibiz://b\" --server https://attacker.example \"", BadLink::Shape),
            ("urutibiz://notifications/n1", BadLink::Shape),
            ("urutibizz://booking/b-2", BadLink::Scheme),
            ("urutibiz", BadLink::Scheme),
        ] {
            assert_eq!(parse(link), Err(why), "{link}");
        }
        let args = ["--hidden", "urutibiz://nope", "urutibiz://chat/c1"].map(String::from);
        assert_eq!(from_args(args), Some(Target::Chat("c1".into()).into()));
        assert_eq!(from_args(["--server".to_owned(), "http://x".to_owned()]), None);
    }
}
