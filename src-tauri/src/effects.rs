//! Carries out what the core decides. [`feed`] hands an input to the
//! core's state machine ([`urutibiz_desktop_core::machine`]) under the
//! app's one lock, then performs each effect with the lock released: a
//! popup or a sound, a wake-up, a request through the running client, a
//! load over HTTP, the window or a web page opened, a redraw.

use crate::session::client::client_config;
use crate::shell::sound::Sounds;
use crate::shell::{popups, web_link, window};
use crate::state::{AppState, Known};
use crate::views::{bookings, chats};
use tauri::{AppHandle, Manager};
use urutibiz_client::Command;
use urutibiz_desktop_core::machine::{Context, Effect, Input, ServerRequest};
use urutibiz_desktop_core::popup_rules::Quiet;
use urutibiz_protocol::ServerEvent;

/// Hands `input` to the core, then carries out what it decided. `Err`
/// holds the words of a refusal (an act that cannot be done now), for the
/// window to show where it asked.
pub fn feed(app: &AppHandle, input: Input<'_>) -> Result<(), &'static str> {
    // What the machine reads besides its state, each from its own lock
    // first (no lock is held while another is taken). Asking the window is
    // a round trip to the main thread: only a live message needs to know.
    let me = crate::account::user_id(app);
    let message = matches!(&input, Input::Frame(frame) if matches!(frame.event, ServerEvent::NewMessage(_)));
    let in_sight = message && chats::window_in_sight(app);
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
        let cx = Context { quiet, me: &me, in_sight, now, at: std::time::Instant::now(), online };
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
        Effect::Popup(order) => popups::show(app, order),
        Effect::Sound(name) => app.state::<Sounds>().play(name),
        Effect::WakeAt(at) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let _ = feed(&app, Input::GatherDue);
            });
        }
        Effect::LoadHistory => load_history(app),
        Effect::LoadBookings => bookings::reload(app),
        Effect::LoadBookingsSoon => bookings::reload_soon(app),
        Effect::LoadChats => chats::reload(app),
        Effect::LoadChatsSoon => chats::reload_soon(app),
        Effect::MarkChatRead(chat_id) => chats::mark_chat_read(app, &chat_id),
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
