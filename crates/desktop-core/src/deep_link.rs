//! `urutibiz://booking/<id>` and `urutibiz://chat/<id>`: links that open the
//! window at a booking or a chat. They arrive as a command-line argument, at
//! launch or passed on by a second launch through the single instance. A
//! malformed link is refused with a warning and opens nothing; whether the
//! booking or chat is the user's is for the window to find out from the
//! server ("not found" otherwise), so a link reveals nothing.

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
}

impl Target {
    /// The window's focus for it (see `window::show`). A chat opened by a
    /// link is shown, not read: a link can come from anyone, and reading
    /// needs the person to look (`chat-link:` tells the window so; a
    /// popup's `chat:` was a click, and reads).
    pub fn focus(&self) -> String {
        match self {
            Target::Booking(id) => format!("booking:{id}"),
            Target::Chat(id) => format!("chat-link:{id}"),
        }
    }
}

/// Why a link was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadLink {
    /// Another scheme, or none.
    #[error("not a {SCHEME}:// link")]
    Scheme,
    /// Not `booking/<id>` or `chat/<id>`.
    #[error("links lead to booking/<id> or chat/<id>")]
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
pub fn parse(link: &str) -> Result<Target, BadLink> {
    if !looks_like_link(link) {
        return Err(BadLink::Scheme);
    }
    let rest = link[SCHEME.len() + 1..].strip_prefix("//").ok_or(BadLink::Scheme)?;
    // Query strings and fragments carry nothing the app uses.
    let rest = rest.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let (kind, id) = rest.split_once('/').ok_or(BadLink::Shape)?;
    if !is_valid_id(id) {
        return Err(if id.is_empty() || id.contains('/') { BadLink::Shape } else { BadLink::Id });
    }
    match kind {
        "booking" => Ok(Target::Booking(id.to_owned())),
        "chat" => Ok(Target::Chat(id.to_owned())),
        _ => Err(BadLink::Shape),
    }
}

/// The first link among command-line arguments, if any; a malformed one is
/// logged and skipped.
pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Option<Target> {
    args.into_iter().filter(|a| looks_like_link(a)).find_map(|link| {
        parse(&link).map_err(|e| tracing::warn!(link = %link, error = %e, "ignoring a link")).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_bookings_and_chats() {
        assert_eq!(parse("urutibiz://booking/b-2"), Ok(Target::Booking("b-2".into())));
        assert_eq!(parse("urutibiz://chat/dm-1f2e/"), Ok(Target::Chat("dm-1f2e".into())));
        assert_eq!(parse("urutibiz://booking/b-2?from=mail#top"), Ok(Target::Booking("b-2".into())));
        assert_eq!(parse("UrutiBiz://booking/b-2"), Ok(Target::Booking("b-2".into())));
        assert_eq!(Target::Booking("b-2".into()).focus(), "booking:b-2");
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
            ("urutibizz://booking/b-2", BadLink::Scheme),
            ("urutibiz", BadLink::Scheme),
        ] {
            assert_eq!(parse(link), Err(why), "{link}");
        }
        let args = ["--hidden", "urutibiz://nope", "urutibiz://chat/c1"].map(String::from);
        assert_eq!(from_args(args), Some(Target::Chat("c1".into())));
        assert_eq!(from_args(["--server".to_owned(), "http://x".to_owned()]), None);
    }
}
