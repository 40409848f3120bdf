//! The pump: everything that comes down the news channel (a client's
//! reports, notices about the app) becomes an input of the core's state
//! machine ([`urutibiz_desktop_core::machine`]), fed through
//! [`crate::effects`], in the order it was sent. And the redraws: the task
//! sleeps until something changes (or a deadline it knows of: the end of Do
//! not disturb, a cache save, quiet hours ending with popups held), then
//! gathers a burst for a moment, so a replay of hundreds of events costs a
//! handful of redraws and an idle app runs no timer at all.

use crate::effects::feed;
use crate::news::News;
use crate::shell::window;
use crate::state::{AppState, ConnectionView};
use crate::tray;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;
use urutibiz_client::{ConnectionState, Update};
use urutibiz_desktop_core::machine::Input;

/// A burst of changes becomes one redraw after this long.
const GATHER: Duration = Duration::from_millis(200);
/// The history cache is saved this long after it first changed.
const SAVE_AFTER: Duration = Duration::from_secs(3);
/// While popups are held for the end of quiet hours, it is checked this often.
const QUIET_CHECK: Duration = Duration::from_secs(1);

/// Follows what the clients report, in order, for as long as the app runs.
pub fn run(app: AppHandle, mut news: UnboundedReceiver<News>) {
    tauri::async_runtime::spawn(async move {
        while let Some(news) = news.recv().await {
            match news {
                News::Notice { title, body } => {
                    let _ = feed(&app, Input::Notice { title: &title, body: &body });
                }
                News::Started => {
                    let _ = feed(&app, Input::ClientStarted);
                }
                News::Update(update) => match *update {
                    Update::State(connection) => {
                        let online = matches!(connection, ConnectionState::Online { .. });
                        app.state::<AppState>().lock().connection = ConnectionView::from(&connection);
                        app.state::<AppState>().changed(false);
                        if online {
                            let _ = feed(&app, Input::Online);
                        }
                    }
                    Update::Event(frame) => {
                        let _ = feed(&app, Input::Frame(&frame));
                    }
                },
            }
        }
    });
}

/// Redraws the window and the tray when something changed, and saves the
/// history cache a little after it changed.
pub fn run_redraws(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut save_due: Option<Instant> = None;
        loop {
            let state = app.state::<AppState>();
            match next_deadline(&app, save_due) {
                Some(at) => {
                    tokio::select! {
                        () = state.wake.notified() => {}
                        () = tokio::time::sleep_until(at) => state.changed(false),
                    }
                }
                None => state.wake.notified().await,
            }
            tokio::time::sleep(GATHER).await;
            if state.take_dirty() {
                if app.get_webview_window(window::MAIN).is_some() {
                    let snapshot = crate::views::snapshot::current(&app);
                    let _ = app.emit_to(window::MAIN, "snapshot", snapshot);
                }
                tray::refresh(&app);
            }
            let _ = feed(&app, Input::Tick);
            if state.take_cache_dirty() {
                save_due.get_or_insert(Instant::now() + SAVE_AFTER);
            }
            if save_due.is_some_and(|due| due <= Instant::now()) {
                save_due = None;
                state.save_cache();
            }
        }
    });
}

/// The earliest moment the redraw task must wake without being told: a
/// cache save, the end of Do not disturb (the tray menu says it is on), and,
/// only while popups are held, the next look at quiet hours.
fn next_deadline(app: &AppHandle, save_due: Option<Instant>) -> Option<Instant> {
    let (dnd_until, holding) = {
        let state = app.state::<AppState>();
        let known = state.lock();
        (known.settings.dnd_until, known.machine.popups.holding())
    };
    let now_ms = chrono::Local::now().timestamp_millis();
    let dnd_end = dnd_until
        .filter(|until| *until > now_ms)
        .map(|until| Instant::now() + Duration::from_millis((until - now_ms) as u64));
    let quiet_check = holding.then(|| Instant::now() + QUIET_CHECK);
    [save_due, dnd_end, quiet_check].into_iter().flatten().min()
}
