//! What the app was started with: options for development, tests and
//! installers (`--token`, `--server`, `--issuer`, `--web-url`, `--hidden`,
//! `--no-autostart`, or `URUTIBIZ_TOKEN` / `URUTIBIZ_SERVER` /
//! `URUTIBIZ_ISSUER` / `URUTIBIZ_WEB_URL` / `URUTIBIZ_UPDATE_URL`), or a
//! `urutibiz:` link to open at.
//!
//! A link comes from a web page or a mail, and Windows starts the app for
//! it as `"exe" "%1"`: a link with quotes in it, like
//! `urutibiz://b" --server https://attacker.example "`, arrives as several
//! arguments. So when any argument is a link, every flag is ignored: a
//! launch for a link never takes a server, issuer or token from its
//! arguments (the environment and the settings still apply).
//!
//! This file and [`crate::deep_link`] import nothing else of the app, so
//! the fuzz targets (`fuzz/`) build them without Tauri.

use crate::deep_link;

/// The options of one launch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// A token to use as it is (kept in memory only).
    pub token: Option<String>,
    /// The realtime server's address.
    pub server: Option<String>,
    /// The OpenID provider's address.
    pub issuer: Option<String>,
    /// The website, for "Open in browser".
    pub web_url: Option<String>,
    /// Start in the tray without the window.
    pub hidden: bool,
    /// Leave the start-at-login setting alone.
    pub no_autostart: bool,
    /// Where to look for updates.
    pub update_url: Option<String>,
    /// Where to open the window, or a popup's click (a Windows toast's
    /// button launches the app with its link).
    pub link: Option<deep_link::Link>,
}

/// The flag that starts the app in the tray (also what start-at-login runs).
pub const HIDDEN: &str = "--hidden";
/// The flag that leaves the start-at-login setting alone.
pub const NO_AUTOSTART: &str = "--no-autostart";

impl LaunchOptions {
    /// This process's options.
    pub fn from_process() -> LaunchOptions {
        let args = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned());
        LaunchOptions::parse(args, |name| std::env::var(name).ok())
    }

    /// The options from `args` (without the program) and `env`.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> LaunchOptions {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut options = LaunchOptions {
            token: env("URUTIBIZ_TOKEN"),
            server: env("URUTIBIZ_SERVER"),
            issuer: env("URUTIBIZ_ISSUER"),
            web_url: env("URUTIBIZ_WEB_URL"),
            update_url: env("URUTIBIZ_UPDATE_URL"),
            ..LaunchOptions::default()
        };
        let args: Vec<String> = args.into_iter().collect();
        if args.iter().any(|a| deep_link::looks_like_link(a)) {
            options.link = deep_link::from_args(args);
            return options;
        }
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--token" => options.token = args.next(),
                "--server" => options.server = args.next(),
                "--issuer" => options.issuer = args.next(),
                "--web-url" => options.web_url = args.next(),
                HIDDEN => options.hidden = true,
                NO_AUTOSTART => options.no_autostart = true,
                other => tracing::warn!(argument = %other, "ignoring an unknown argument"),
            }
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> LaunchOptions {
        LaunchOptions::parse(args.iter().map(|a| a.to_string()), |_| None)
    }

    #[test]
    fn flags_for_development_and_installers() {
        let options =
            parse(&["--server", "https://rt.example", "--issuer", "https://id.example", "--hidden"]);
        assert_eq!(options.server.as_deref(), Some("https://rt.example"));
        assert_eq!(options.issuer.as_deref(), Some("https://id.example"));
        assert!(options.hidden && options.token.is_none() && options.link.is_none());
        assert_eq!(parse(&["--token", "t", "--no-autostart"]).token.as_deref(), Some("t"));
        let from_env =
            LaunchOptions::parse(Vec::new(), |name| (name == "URUTIBIZ_SERVER").then(|| "https://e".into()));
        assert_eq!(from_env.server.as_deref(), Some("https://e"));
    }

    #[test]
    fn a_link_launch_takes_no_flags_at_all() {
        // What Windows makes of `"exe" "%1"` for links with quotes in them.
        for args in [
            vec!["urutibiz://b", "--server", "https://attacker.example", ""],
            vec!["urutibiz://booking/b1\"", "--token", "stolen", "--issuer", "https://attacker.example"],
            vec!["URUTIBIZ://chat/c1", "--server", "https://attacker.example"],
            vec!["--server", "https://attacker.example", "urutibiz://booking/b1"],
            vec!["urutibiz:booking/b1", "--web-url", "https://attacker.example", "--hidden"],
        ] {
            let options = parse(&args);
            assert_eq!(
                (&options.server, &options.issuer, &options.token, &options.web_url, options.hidden),
                (&None, &None, &None, &None, false),
                "{args:?}"
            );
        }
        let options = parse(&["urutibiz://booking/b1", "--server", "https://attacker.example"]);
        assert_eq!(options.link, Some(deep_link::Target::Booking("b1".into()).into()));
        // A link that is itself malformed opens nothing, and still takes no flags.
        let options = parse(&["urutibiz://b\" --server https://attacker.example \""]);
        assert_eq!((options.link, options.server), (None, None));
    }

    #[test]
    fn a_link_launch_keeps_the_environment() {
        let options = LaunchOptions::parse(
            ["urutibiz://chat/c1".to_owned(), "--server".into(), "https://x".into()],
            |name| (name == "URUTIBIZ_SERVER").then(|| "https://rt.example".into()),
        );
        assert_eq!(options.server.as_deref(), Some("https://rt.example"));
        assert_eq!(options.link, Some(deep_link::Target::Chat("c1".into()).into()));
    }
}
