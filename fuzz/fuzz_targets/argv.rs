//! The desktop app's command line, as a link launch can shape it: whenever
//! an argument is a link, no flag is taken.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urutibiz_fuzz::deep_link::looks_like_link;
use urutibiz_fuzz::launch::LaunchOptions;

fuzz_target!(|args: Vec<String>| {
    let options = LaunchOptions::parse(args.clone(), |_| None);
    if args.iter().any(|a| looks_like_link(a)) {
        assert_eq!(options.server, None);
        assert_eq!(options.issuer, None);
        assert_eq!(options.token, None);
        assert_eq!(options.web_url, None);
        assert!(!options.hidden && !options.no_autostart);
    } else {
        assert_eq!(options.link, None);
    }
});
