//! Keeps a session alive: renews the access token at about 80% of its
//! lifetime and hands it to the open socket (in-band `authenticate`, no
//! reconnect), retries network failures with backoff, and signs the
//! session out when the provider refuses the refresh token.
//!
//! Waiting is measured on the wall clock, polled every few seconds: a
//! monotonic timer does not advance while a laptop sleeps, so after a long
//! sleep it would fire late. The session also pokes `wake` when it finds its
//! token expired before reconnecting, so waking up refreshes first.

use super::provider::{Provider, RefreshError};
use super::Tokens;
use crate::backoff::Backoff;
use crate::session::{Command, Handle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

/// Longest sleep between two looks at the wall clock.
const CLOCK_POLL: Duration = Duration::from_secs(2);

/// What the refresher tells the shell.
#[derive(Debug, Clone)]
pub enum AuthEvent {
    /// Fresh tokens, already handed to the socket. Keep `refresh_token`
    /// (a rotating provider issued a new one) in the keychain.
    Refreshed(Tokens),
    /// Renewing failed for a reason worth retrying; the socket stays up.
    RefreshFailed {
        /// Why, for people and logs.
        reason: String,
        /// When the next attempt is.
        retry_in: Duration,
    },
    /// The provider refused: the session is over, the socket is closed.
    SignedOut {
        /// Why, for people.
        reason: String,
    },
}

/// A running refresher; stopped when dropped.
#[derive(Debug)]
pub struct Refreshing {
    task: JoinHandle<()>,
    in_flight: Arc<AtomicBool>,
}

impl Refreshing {
    /// Whether a renewal is under way: asked of the provider, or answered
    /// with tokens the shell has not said it kept yet ([`Refreshing::kept`]).
    /// A rotating provider has already retired the old refresh token then,
    /// so a process that stops now (a relaunch, say) loses the session, and
    /// reusing the old token may trip the provider's reuse detection.
    pub fn in_flight(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The shell has kept the last [`AuthEvent::Refreshed`]'s tokens (the
    /// rotated refresh token is in the keychain).
    pub fn kept(&self) {
        self.in_flight.store(false, Ordering::SeqCst);
    }
}

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts renewing `tokens` for the session behind `session`. `wake` is
/// shared with the session's [`crate::ClientConfig::token_refresh`].
pub fn spawn_refresher(
    provider: Arc<Provider>,
    tokens: Tokens,
    session: Handle,
    wake: Arc<Notify>,
) -> (Refreshing, mpsc::UnboundedReceiver<AuthEvent>) {
    let (events, rx) = mpsc::unbounded_channel();
    let in_flight = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn(run(provider, tokens, session, wake, events, in_flight.clone()));
    (Refreshing { task, in_flight }, rx)
}

async fn run(
    provider: Arc<Provider>,
    mut tokens: Tokens,
    session: Handle,
    wake: Arc<Notify>,
    events: mpsc::UnboundedSender<AuthEvent>,
    in_flight: Arc<AtomicBool>,
) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    let mut due = tokens.refresh_due();
    loop {
        wait_until(due, &wake).await;
        in_flight.store(true, Ordering::SeqCst);
        let outcome = match &tokens.refresh_token {
            Some(refresh_token) => provider.refresh(refresh_token).await,
            None => Err(RefreshError::NoRefreshToken),
        };
        match outcome {
            Ok(fresh) => {
                tokens = fresh;
                session.send(Command::SetToken(tokens.access_token.clone()));
                let _ = events.send(AuthEvent::Refreshed(tokens.clone()));
                backoff.reset();
                due = tokens.refresh_due();
                tracing::debug!("access token renewed");
            }
            Err(RefreshError::Transient(e)) => {
                in_flight.store(false, Ordering::SeqCst);
                let retry_in = backoff.next_delay();
                let reason = with_causes("could not renew the session", &e);
                tracing::warn!(%reason, ?retry_in, "renewing the session failed; retrying");
                let _ = events.send(AuthEvent::RefreshFailed { reason, retry_in });
                due = SystemTime::now() + retry_in;
            }
            Err(refused) => {
                in_flight.store(false, Ordering::SeqCst);
                let reason = refused.to_string();
                tracing::info!(%reason, "the provider ended the session");
                session.send(Command::SignOut(reason.clone()));
                let _ = events.send(AuthEvent::SignedOut { reason });
                return;
            }
        }
    }
}

/// `what`, then each error in the chain: "could not renew the session:
/// Request failed: error sending request: connection refused".
fn with_causes(what: &str, error: &dyn std::error::Error) -> String {
    let mut text = format!("{what}: {error}");
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(&format!(": {e}"));
        cause = e.source();
    }
    text
}

/// Returns at `due` by the wall clock, or earlier when poked.
async fn wait_until(due: SystemTime, wake: &Notify) {
    loop {
        let Ok(left) = due.duration_since(SystemTime::now()) else { return };
        if left.is_zero() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(left.min(CLOCK_POLL)) => {}
            _ = wake.notified() => return,
        }
    }
}
