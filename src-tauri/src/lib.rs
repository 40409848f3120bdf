//! UrutiBiz desktop tray app: the shells around its core.
//!
//! The rules that need no display (notifications and read state, when a
//! popup shows, quiet hours and preferences, popup wording, answers to a
//! booking request, links and launch flags) live in the
//! `urutibiz-desktop-core` crate: read its `lib.rs` first. The modules here
//! hold what the app knows and turn the core's decisions into OS calls,
//! grouped by concern; each file imports only the floors below it:
//!
//! - [`run`] (this file): wiring: single instance, managed states, the pump,
//!   what a popup click does, what holds the idle relaunch.
//! - [`commands`]: the window's IPC commands; [`tray`]: the bell with its
//!   badge, and its menu; [`live`]: the pump, every client's news into the
//!   history, popups, views and redraws.
//! - [`actions`]: what the window, the tray and a popup's buttons can do.
//! - [`effects`]: an input into the core, its effects carried out.
//! - [`views`]: the window's data: bookings, chats, the snapshot.
//! - [`session`]: signing in, the client core. [`error`]: what a command
//!   can fail with.
//! - [`shell`]: popups, sounds, window, updates, relaunch, autostart,
//!   "Open in browser": the OS side.
//! - [`account`]: who is signed in. [`state`]: what the app knows, one
//!   owner behind one lock.
//! - [`store`]: the settings store file and the OS keychain; [`news`]: the
//!   channel to the pump (clients' reports, notices about the app).

mod account;
mod actions;
mod commands;
mod effects;
mod error;
mod live;
mod news;
mod session;
mod shell;
mod state;
mod store;
mod tray;
mod views;

use actions::popup_clicks;
use session::{endpoint, sign_in};
use shell::{autostart, popups, relaunch, sound, updates, window};
use state::{AppState, ConnectionView};
use store::settings::{self, SettingsStore};
use tauri::{Manager, RunEvent, WindowEvent};
use tauri_plugin_store::StoreExt;
use urutibiz_desktop_core::deep_link;
use urutibiz_desktop_core::launch::LaunchOptions;
use urutibiz_desktop_core::machine::{Act, Input};

/// Writes the app icon where the notification daemon can read it.
fn notification_icon(app: &tauri::App) -> Option<std::path::PathBuf> {
    let dir = app.path().app_cache_dir().ok()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("notification-icon.png");
    std::fs::write(&path, include_bytes!("../../icons/128x128.png")).ok()?;
    Some(path)
}

/// Something only this process can finish, which the idle relaunch waits
/// for: the window open, a popup on screen or popups held, a browser
/// sign-in or a token renewal under way, a session kept in memory only, a
/// booking click waiting for its answer, an update installing.
fn holds_this_process(app: &tauri::AppHandle) -> relaunch::Hold {
    if app.get_webview_window(window::MAIN).is_some() {
        return relaunch::Hold::WindowOpen;
    }
    let account = app.state::<account::Account>();
    let busy = app.state::<popups::Popups>().on_screen()
        || app.state::<AppState>().lock().machine.popups_waiting()
        || account.sign_in_view().waiting
        || account.renewal_under_way()
        || relaunch::memory_only(app)
        || app.state::<AppState>().lock().machine.answers_waiting()
        || app.state::<updates::Updates>().view().installing;
    if busy {
        relaunch::Hold::Busy
    } else {
        relaunch::Hold::No
    }
}

/// After an update is installed: back to the tray as the new version,
/// whatever this launch showed.
fn restart_after_update(app: &tauri::AppHandle) {
    relaunch::hidden(app, |_| relaunch::Hold::No, "update installed; restarting to the tray");
}

/// Runs the app until Quit.
pub fn run() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or journal gets plain text.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colours).init();
    let options = LaunchOptions::from_process();
    // A copy this process starts (the idle relaunch, an update) inherits its
    // environment: it must restore from the keychain, not sign in with a
    // token that was only meant for this run.
    std::env::remove_var("URUTIBIZ_TOKEN");
    let app = tauri::Builder::default()
        // A second launch focuses the first, at the link it was given, or
        // is a click on a Windows toast (its link carries the popup's token).
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            let link = deep_link::from_args(argv.into_iter().skip(1));
            if let Some(link) = &link {
                // Not the token: it is the popup's to spend.
                tracing::info!(to = ?link.target, popup = link.click.is_some(), "a second launch opened a link");
            }
            let _ = effects::feed(app, Input::Person(Act::Launched(link)));
        }))
        // Registers the urutibiz:// scheme with the OS (the bundles carry it:
        // the Linux desktop entry's MimeType, the Windows installers'
        // registry keys, the macOS Info.plist). Linux and Windows hand a
        // clicked link to a new process as an argument, which the single
        // instance passes on above; macOS sends it to the running app.
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![autostart::HIDDEN]),
        ))
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        .on_window_event(|window, event| {
            if window.label() == window::MAIN && matches!(event, WindowEvent::Destroyed) {
                window::release_memory();
                relaunch::window_closed(window.app_handle(), holds_this_process);
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_snapshot,
            commands::take_focus_item,
            commands::mark_read,
            commands::mark_all_read,
            commands::clear_all,
            commands::send_message,
            commands::sign_in,
            commands::sign_in_with_browser,
            commands::cancel_sign_in,
            commands::sign_out,
            commands::set_theme,
            commands::set_muted,
            commands::set_dnd,
            commands::reconnect,
            commands::update_booking,
            commands::reload_bookings,
            commands::set_preferences,
            commands::message_user,
            commands::open_chat,
            commands::read_chat,
            commands::load_older_messages,
            commands::load_more_chats,
            commands::reload_chats,
            commands::open_on_web,
            commands::set_web_url,
            commands::set_start_at_login,
            commands::booking_timeline,
            commands::install_update,
            commands::check_for_updates,
        ])
        .setup(move |app| {
            let store = SettingsStore::new(app.store(settings::FILE)?);
            app.manage(AppState::new(store));
            // Every client's news, in order, to one pump.
            let (news_to, news) = tokio::sync::mpsc::unbounded_channel();
            app.manage(news::NewsTo(news_to));
            live::run(app.handle().clone(), news);
            app.manage(popups::Popups::new(notification_icon(app), popup_clicks::popup_clicked));
            // Before any window or toast: both carry the app's identity.
            #[cfg(windows)]
            popups::claim_app_id(app.handle());
            app.manage(sound::Sounds::start());
            app.manage(account::Account::default());
            app.manage(effects::Reloads::default());
            app.manage(autostart::LeaveAlone(options.no_autostart));
            app.manage(relaunch::RelaunchAfter::from_env(options.no_autostart));
            let update_endpoint = match &options.update_url {
                Some(given) => match endpoint::check(given, "update address").map(|url| url.parse()) {
                    Ok(Ok(url)) => Some(url),
                    Ok(Err(_)) | Err(_) => {
                        tracing::error!(url = %given, "ignoring URUTIBIZ_UPDATE_URL: not an https:// (or local http://) address");
                        None
                    }
                },
                None => None,
            };
            let version = app.package_info().version.to_string();
            tracing::info!(%version, "UrutiBiz starting");
            app.manage(updates::Updates::new(version, update_endpoint, restart_after_update));
            let handle = app.handle().clone();
            let state = app.state::<AppState>();
            let mut refused = None;
            let given = [
                (&options.server, "server address"),
                (&options.issuer, "sign-in address"),
                (&options.web_url, "website address"),
            ];
            for (given, what) in given {
                let Some(given) = given else { continue };
                match endpoint::check(given, what) {
                    Ok(url) => {
                        let mut known = state.lock();
                        let settings = &mut known.settings;
                        match what {
                            "server address" => settings.server_url = url,
                            "sign-in address" => settings.issuer_url = url,
                            _ => settings.web_url = Some(url),
                        }
                    }
                    Err(e) => refused = Some(e.to_string()),
                }
            }
            tray::build(&handle)?;
            live::run_redraws(handle.clone());
            updates::spawn_checker(&handle);
            match (refused, options.token.clone()) {
                (Some(reason), _) => {
                    tracing::error!(%reason, "refusing the address given at launch");
                    state.lock().connection = ConnectionView::signed_out(&reason);
                }
                (None, Some(token)) => sign_in::with_token(&handle, token, false),
                (None, None) => sign_in::restore(&handle),
            }
            match &options.link {
                Some(link) => {
                    let _ = effects::feed(&handle, Input::Person(Act::Launched(Some(link.clone()))));
                }
                None if !options.hidden => window::show(&handle, None),
                None => {}
            }
            #[cfg(target_os = "macos")]
            {
                use tauri_plugin_deep_link::DeepLinkExt;
                let opened = handle.clone();
                app.deep_link().on_open_url(move |event| {
                    let links = event.urls().into_iter().map(|url| url.to_string());
                    if let Some(link) = deep_link::from_args(links) {
                        let _ = effects::feed(&opened, Input::Person(Act::Launched(Some(link))));
                    }
                });
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("building the UrutiBiz app");
    app.run(|_app, event| {
        // A tray app keeps running with no window; only Quit (exit code set) ends it.
        if let RunEvent::ExitRequested { api, code: None, .. } = event {
            api.prevent_exit();
        }
    });
}
