//! Server and sign-in addresses. Tokens travel to both, so plain `http://`
//! and `ws://` are allowed only to this machine (loopback); anything else
//! must be `https://` or `wss://`.

use crate::error::Error;
use std::net::IpAddr;
use tauri::Url;

/// Checks `input` and returns it without a trailing slash.
pub fn check(input: &str, what: &str) -> Result<String, Error> {
    let trimmed = input.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|_| {
        Error::Invalid(format!("The {what} must be a full address, like https://example.com"))
    })?;
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" | "wss" if !host.is_empty() => Ok(trimmed.to_owned()),
        "http" | "ws" if is_loopback(host) => Ok(trimmed.to_owned()),
        "http" | "ws" => Err(Error::Invalid(format!(
            "The {what} must use https:// (plain http:// is only allowed for this computer, 127.0.0.1 or localhost)"
        ))),
        _ => Err(Error::Invalid(format!("The {what} must start with https://"))),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine() {
        assert_eq!(check("http://127.0.0.1:8080/", "server address").unwrap(), "http://127.0.0.1:8080");
        assert!(check("ws://127.0.0.2:1", "x").is_ok());
        assert!(check("http://localhost:8080", "x").is_ok());
        assert!(check("http://[::1]:8080", "x").is_ok());
        assert!(check("https://realtime.urutibiz.com", "x").is_ok());
        assert!(check("wss://realtime.urutibiz.com/", "x").is_ok());
        let err = check("http://realtime.urutibiz.com", "server address").unwrap_err().to_string();
        assert!(err.contains("must use https://"), "{err}");
        assert!(check("http://127.0.0.1.evil.com", "x").is_err());
        assert!(check("ftp://127.0.0.1", "x").is_err());
        assert!(check("realtime.urutibiz.com", "x").is_err());
        assert!(check("", "x").is_err());
    }
}
