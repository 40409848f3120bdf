//! Carries out what the core decides. [`feed`] hands an input to the
//! core's state machine ([`urutibiz_desktop_core::machine`]) under the
//! app's one lock, then performs each effect with the lock released: a
//! popup or a sound, a wake-up, a request through the running client, the
//! window or a web page opened, a redraw, and the loads over HTTP, whose
//! results are fed back as inputs (bookings loaded when the connection
//! comes up, and again, once for a burst, when a change cannot be placed;
//! the chat list likewise; a conversation's messages a page at a time).

use crate::session::client::client_config;
use crate::shell::sound::Sounds;
use crate::shell::{popups, web_link, window};
use crate::state::{AppState, Known};
use crate::views::settle::Settling;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use urutibiz_client::{history, Command};
use urutibiz_desktop_core::bookings::BookingRow;
use urutibiz_desktop_core::machine::{Act, Context, Effect, Input, ServerRequest};
use urutibiz_desktop_core::popup_rules::Quiet;
use urutibiz_protocol::api::Cursor;
use urutibiz_protocol::ServerEvent;

/// Bookings loaded at a time (the server pages by latest activity).
const BOOKINGS_LOADED: usize = 100;
/// Chats per page of the list.
const CHATS_PAGE: usize = 50;
/// Messages per page of a conversation.
const MESSAGES_PAGE: usize = 50;
/// A burst of changes becomes one reload after this long.
const SETTLE: Duration = Duration::from_millis(800);

/// The views' reloads after a burst (a managed state).
#[derive(Default)]
pub struct Reloads {
    bookings: Settling,
    chats: Settling,
}

/// Hands `input` to the core, then carries out what it decided. `Err`
/// holds the words of a refusal (an act that cannot be done now), for the
/// window to show where it asked.
pub fn feed(app: &AppHandle, input: Input<'_>) -> Result<(), &'static str> {
    // What the machine reads besides its state, each from its own lock
    // first (no lock is held while another is taken). Asking the window is
    // a round trip to the main thread: only a live message needs to know.
    let user = app.state::<crate::account::Account>().user();
    let (me, my_name) = user.map(|u| (u.id, u.name.unwrap_or_default())).unwrap_or_default();
    let seeing = match &input {
        Input::Frame(frame) => matches!(frame.event, ServerEvent::NewMessage(_)),
        Input::Person(Act::ReadChat(_)) => true,
        _ => false,
    };
    let in_sight = seeing && window::in_sight(app);
    let effects = {
        let state = app.state::<AppState>();
        let mut known = state.lock();
        let online = known.connection.state == "online" && known.client.is_some();
        let Known { machine, settings, .. } = &mut *known;
        let quiet = Quiet {
            muted: settings.muted,
            dnd_until: settings.dnd_until,
            preferences: &settings.preferences,
        };
        let now = chrono::Local::now();
        let at = std::time::Instant::now();
        let cx = Context { quiet, me: &me, my_name: &my_name, in_sight, now, at, online };
        machine.handle(input, &cx)
    };
    let mut refused = Ok(());
    for effect in effects {
        match effect {
            Effect::Refused(why) => refused = Err(why),
            effect => perform(app, effect),
        }
    }
    refused
}

fn perform(app: &AppHandle, effect: Effect) {
    match effect {
        Effect::Popup(order) => {
            popups::show(app, order);
            // The popup's token is saved with the history: its click may
            // reach a later process (a Windows toast in the Action Center).
            app.state::<AppState>().changed(true);
        }
        Effect::Sound(name) => app.state::<Sounds>().play(name),
        Effect::WakeAt(at) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let _ = feed(&app, Input::Due);
            });
        }
        Effect::LoadHistory => load_history(app),
        Effect::LoadBookings => load_bookings(app),
        Effect::LoadBookingsSoon => app.state::<Reloads>().bookings.schedule(app, SETTLE, load_bookings),
        Effect::LoadChats => load_chats(app, None),
        Effect::LoadChatsSoon => {
            app.state::<Reloads>().chats.schedule(app, SETTLE, |app| load_chats(app, None))
        }
        Effect::LoadMoreChats(next) => load_chats(app, Some(next)),
        Effect::LoadMessages { chat_id, before } => load_messages(app, chat_id, before),
        Effect::Redraw { cache } => app.state::<AppState>().changed(cache),
        Effect::Request(request) => app.state::<AppState>().send(command(request)),
        Effect::ShowWindow(focus) => window::show(app, focus),
        Effect::OpenPage(page) => {
            if let Err(e) = web_link::open(app, &page) {
                tracing::warn!(error = %e, "could not open the page in the browser");
            }
        }
        Effect::Refused(why) => tracing::info!(why, "refused"),
    }
}

/// The client core's command for a request.
fn command(request: ServerRequest) -> Command {
    match request {
        ServerRequest::MarkRead(ids) => Command::MarkRead(ids),
        ServerRequest::MarkAllRead => Command::MarkAllRead,
        ServerRequest::Clear => Command::Clear,
        ServerRequest::MarkChatRead(chat_id) => Command::MarkChatRead(chat_id),
        ServerRequest::SendMessage { chat_id, message, reference } => {
            Command::SendMessage { chat_id, message, reference }
        }
        ServerRequest::MessageUser { to_user_id, message, reference } => {
            Command::MessageUser { to_user_id, message, reference }
        }
        ServerRequest::UpdateBooking { booking_id, status, reference } => {
            Command::UpdateBooking { booking_id, status, reference }
        }
    }
}

/// Loads recent notifications over HTTP: what a replay cannot bring (a first
/// start, or after retention removed events the app had not seen).
fn load_history(app: &AppHandle) {
    let Some(config) = client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match urutibiz_client::history::recent_notifications(&config, 200).await {
            Ok(items) => {
                let _ = feed(&app, Input::HistoryLoaded(&items));
            }
            Err(e) => tracing::warn!(error = %e, "could not load history"),
        }
    });
}

fn load_bookings(app: &AppHandle) {
    let Some(config) = client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let rows = history::my_bookings(&config, BOOKINGS_LOADED)
            .await
            .map(|items| items.iter().map(BookingRow::from).collect())
            .map_err(|e| {
                tracing::warn!(error = %e, "could not load bookings");
                e.to_string()
            });
        let _ = feed(&app, Input::BookingsLoaded(rows));
    });
}

/// The chat list's first page, or the one after `before`.
fn load_chats(app: &AppHandle, before: Option<Cursor>) {
    let Some(config) = client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let page = history::my_chats(&config, before.as_ref(), CHATS_PAGE).await.map_err(|e| {
            tracing::warn!(error = %e, "could not load chats");
            e.to_string()
        });
        let _ = feed(&app, Input::ChatsLoaded { page, more: before.is_some() });
    });
}

fn load_messages(app: &AppHandle, chat_id: String, before: Option<Cursor>) {
    let Some(config) = client_config(app) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let page =
            history::chat_messages(&config, &chat_id, before.as_ref(), MESSAGES_PAGE).await.map_err(|e| {
                match e {
                    // Someone else's chat and a missing one answer alike.
                    history::HistoryError::Refused(status) if status.as_u16() == 403 => {
                        "not found".to_owned()
                    }
                    e => e.to_string(),
                }
            });
        let _ = feed(&app, Input::MessagesLoaded { chat_id, page });
    });
}
