//! The bridge from the client core to the app: updates change the history,
//! raise popups, and mark the window and tray for a redraw. The redraw task
//! sleeps until something changes (or a deadline it knows of: the end of Do
//! not disturb, a cache save, quiet hours ending with popups held), then
//! gathers a burst for a moment, so a replay of hundreds of events costs a
//! handful of redraws and an idle app runs no timer at all.

use crate::session::client::{client_config, News};
use crate::shell::{popups, window};
use crate::state::{AppState, ConnectionView};
use crate::tray;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;
use urutibiz_client::Update;
use urutibiz_desktop_core::bookings::BookingsView;
use urutibiz_desktop_core::history::Change;
use urutibiz_protocol::ServerEvent;

/// A burst of changes becomes one redraw after this long.
const GATHER: Duration = Duration::from_millis(200);
/// The history cache is saved this long after it first changed.
const SAVE_AFTER: Duration = Duration::from_secs(3);
/// While popups are held for the end of quiet hours, it is checked this often.
const QUIET_CHECK: Duration = Duration::from_secs(1);

/// Follows what the clients report, in order, for as long as the app runs:
/// history, popups, views and redraws.
pub fn run(app: AppHandle, mut news: UnboundedReceiver<News>) {
    tauri::async_runtime::spawn(async move {
        // From going online until `resumed`, events are a replay.
        let mut replaying = false;
        while let Some(news) = news.recv().await {
            let update = match news {
                News::Started => {
                    replaying = false;
                    app.state::<crate::views::bookings::MyBookings>().with(BookingsView::forget);
                    app.state::<crate::views::chats::MyChats>()
                        .with(urutibiz_desktop_core::chats::Chats::forget);
                    continue;
                }
                News::Update(update) => *update,
            };
            match &update {
                Update::State(urutibiz_client::ConnectionState::Online { .. }) => replaying = true,
                Update::Event(frame)
                    if matches!(frame.event, ServerEvent::Resumed(_) | ServerEvent::ResyncRequired(_)) =>
                {
                    replaying = false;
                    popups::replay_done(&app);
                    crate::views::bookings::reload(&app);
                    crate::views::chats::reload(&app);
                    let first_start = app.state::<AppState>().lock().history.items.is_empty();
                    if matches!(frame.event, ServerEvent::ResyncRequired(_)) || first_start {
                        refetch_history(&app);
                    }
                }
                _ => {}
            }
            apply(&app, update, replaying);
        }
    });
}

/// Loads recent notifications over HTTP: what a replay cannot bring (a first
/// start, or after retention removed events the app had not seen).
fn refetch_history(app: &AppHandle) {
    let Some(config) = client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match urutibiz_client::history::recent_notifications(&config, 200).await {
            Ok(items) => {
                let state = app.state::<AppState>();
                state.lock().history.replace_from_server(&items);
                state.changed(true);
            }
            Err(e) => tracing::warn!(error = %e, "could not load history"),
        }
    });
}

fn apply(app: &AppHandle, update: Update, replaying: bool) {
    let state = app.state::<AppState>();
    match update {
        Update::State(connection) => {
            state.lock().connection = ConnectionView::from(&connection);
            state.changed(false);
        }
        Update::Event(frame) => {
            if crate::actions::booking::answer(app, &frame) {
                return;
            }
            match &frame.event {
                ServerEvent::NewMessage(message) => {
                    crate::views::chats::on_message(app, message);
                    state.changed(false);
                }
                ServerEvent::MessageSent(sent) => {
                    let reference = frame.reference.as_deref().unwrap_or_default();
                    app.state::<crate::views::chats::MyChats>().with(|c| c.sent(sent, reference));
                    state.changed(false);
                }
                ServerEvent::Error(error) => {
                    let mine = frame
                        .reference
                        .as_deref()
                        .filter(|r| r.starts_with(crate::views::chats::REFERENCE_PREFIX));
                    if let Some(reference) = mine {
                        let why = urutibiz_desktop_core::booking_answers::sentence(&error.message);
                        app.state::<crate::views::chats::MyChats>().with(|c| c.refused(reference, &why));
                        state.changed(false);
                        return;
                    }
                }
                _ => {}
            }
            let change = state.lock().history.apply(&frame);
            match change {
                Change::Added(item) => {
                    popups::push(app, item, replaying);
                    state.changed(true);
                }
                Change::ReadState => {
                    // Unread counts per chat are the server's to tell.
                    crate::views::chats::reload_soon(app);
                    state.changed(true);
                }
                Change::Booking => {
                    let placed = match &frame.event {
                        ServerEvent::BookingStatusChanged(change) => {
                            let me = crate::account::user_id(app);
                            app.state::<crate::views::bookings::MyBookings>()
                                .with(|b| b.changed_live(change, &me))
                        }
                        _ => false,
                    };
                    if !placed {
                        crate::views::bookings::reload_soon(app);
                    }
                    state.changed(false);
                }
                Change::Nothing => {}
            }
        }
    }
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
            popups::after_quiet_hours(&app);
            if state.take_cache_dirty() {
                save_due.get_or_insert(Instant::now() + SAVE_AFTER);
            }
            if save_due.is_some_and(|due| due <= Instant::now()) {
                save_due = None;
                let items = state.lock().history.items.clone();
                state.store.save_items(&items);
            }
        }
    });
}

/// The earliest moment the redraw task must wake without being told: a
/// cache save, the end of Do not disturb (the tray menu says it is on), and,
/// only while popups are held, the next look at quiet hours.
fn next_deadline(app: &AppHandle, save_due: Option<Instant>) -> Option<Instant> {
    let state = app.state::<AppState>();
    let dnd_until = state.lock().settings.dnd_until;
    let now_ms = chrono::Local::now().timestamp_millis();
    let dnd_end = dnd_until
        .filter(|until| *until > now_ms)
        .map(|until| Instant::now() + Duration::from_millis((until - now_ms) as u64));
    let holding = app.state::<popups::Popups>().holding();
    let quiet_check = holding.then(|| Instant::now() + QUIET_CHECK);
    [save_due, dnd_end, quiet_check].into_iter().flatten().min()
}
