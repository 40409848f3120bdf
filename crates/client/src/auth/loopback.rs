//! The loopback redirect of RFC 8252 §7.3: a listener on `127.0.0.1` and a
//! random port that exists only for one sign-in. It answers the browser
//! with a page saying what happened and hands the query to the sign-in.
//!
//! Any local process or web page can send a request to the port, so a
//! request that is not the answer to this sign-in (wrong `state`) gets an
//! error page and the listener keeps waiting for the real one: otherwise a
//! stray request would end every sign-in.

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The query string the provider redirected the browser with.
pub type CallbackQuery = HashMap<String, String>;

/// What a callback request means to the sign-in waiting for it.
pub enum Callback<T> {
    /// The answer to this sign-in: `outcome`, and the page the browser shows.
    Answer(T, String),
    /// Not this sign-in's answer: the page, and the listener waits on.
    Stray(String),
}

/// A listener waiting for one `/callback`.
pub struct Loopback {
    listener: TcpListener,
}

impl Loopback {
    /// Binds `127.0.0.1` on a port the OS picks.
    pub async fn bind() -> std::io::Result<Loopback> {
        Ok(Loopback { listener: TcpListener::bind(("127.0.0.1", 0)).await? })
    }

    /// `http://127.0.0.1:<port>/callback`.
    pub fn redirect_uri(&self) -> std::io::Result<String> {
        Ok(format!("http://127.0.0.1:{}/callback", self.listener.local_addr()?.port()))
    }

    /// Serves until the `/callback` that `check` takes as this sign-in's
    /// answer arrives, then closes the listener and returns it; stray ones
    /// get their page and change nothing. Dropping the future closes the
    /// listener too.
    pub async fn wait<T, F>(self, check: F) -> std::io::Result<T>
    where
        T: Send + 'static,
        F: Fn(&CallbackQuery) -> Callback<T> + Send + Sync + 'static,
    {
        let (tx, rx) = oneshot::channel::<T>();
        let slot = std::sync::Arc::new(Slot { tx: Mutex::new(Some(tx)), check: Box::new(check) });
        let app = Router::new().route("/callback", get(callback::<T>)).with_state(slot);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = axum::serve(self.listener, app).with_graceful_shutdown(async {
            let _ = stop_rx.await;
        });
        let serving = tokio::spawn(async move { server.await });
        let outcome = rx.await;
        // Graceful: the page for the callback is still delivered.
        let _ = stop_tx.send(());
        let _ = serving.await;
        outcome.map_err(|_| std::io::Error::other("the callback listener stopped"))
    }
}

type Check<T> = Box<dyn Fn(&CallbackQuery) -> Callback<T> + Send + Sync>;

struct Slot<T> {
    tx: Mutex<Option<oneshot::Sender<T>>>,
    check: Check<T>,
}

async fn callback<T: Send + 'static>(
    State(slot): State<std::sync::Arc<Slot<T>>>,
    Query(query): Query<CallbackQuery>,
) -> Html<String> {
    let (outcome, message) = match (slot.check)(&query) {
        Callback::Answer(outcome, message) => (outcome, message),
        Callback::Stray(message) => return Html(page(&message)),
    };
    let sender = slot.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
    let message = match sender {
        Some(tx) => {
            let _ = tx.send(outcome);
            message
        }
        None => "This sign-in is already finished. You can close this tab.".to_owned(),
    };
    Html(page(&message))
}

/// A minimal page; the text is escaped, it may echo provider input.
fn page(message: &str) -> String {
    let text = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<!doctype html><meta charset=utf-8><title>UrutiBiz</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>UrutiBiz</h1><p>{text}</p></body>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `state=right` as the answer, anything else as stray.
    fn check(query: &CallbackQuery) -> Callback<String> {
        match query.get("state").map(String::as_str) {
            Some("right") => {
                Callback::Answer(query.get("code").cloned().unwrap_or_default(), "Signed in.".into())
            }
            _ => Callback::Stray("Not this sign-in.".into()),
        }
    }

    #[tokio::test]
    async fn stray_requests_get_an_error_page_and_the_sign_in_keeps_waiting() {
        let loopback = Loopback::bind().await.unwrap();
        let uri = loopback.redirect_uri().unwrap();
        let waiting = tokio::spawn(loopback.wait(check));
        let http = reqwest::Client::new();
        for stray in ["?state=wrong&code=evil", "", "?error=access_denied"] {
            let page = http.get(format!("{uri}{stray}")).send().await.unwrap().text().await.unwrap();
            assert!(page.contains("Not this sign-in."), "{page}");
        }
        assert!(!waiting.is_finished(), "a stray request ended the sign-in");
        let page = http.get(format!("{uri}?state=right&code=c1")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Signed in."), "{page}");
        assert_eq!(waiting.await.unwrap().unwrap(), "c1");
        // The listener is gone with the sign-in.
        assert!(http.get(&uri).send().await.is_err());
    }
}
