//! The tray bell. On Linux the tray has no tooltip and no click events, so
//! the icon itself carries the unread count (1-9, then 9+), and offline and
//! signed-out have icons of their own. The menu is the interaction.

use crate::actions;
use crate::shell::updates::UpdateView;
use crate::shell::window;
use crate::state::AppState;
use tauri::image::Image;
use tauri::menu::{Menu, MenuBuilder, MenuEvent, MenuItem, SubmenuBuilder};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use urutibiz_desktop_core::badge::Badge;
use urutibiz_desktop_core::history::Item;

/// The tray icon's id.
pub const TRAY_ID: &str = "urutibiz";
/// Recent notifications listed in the menu.
const RECENT: usize = 5;

/// The PNG for a badge.
pub fn icon_bytes(badge: Badge) -> &'static [u8] {
    match badge {
        Badge::SignedOut => include_bytes!("../../icons/tray/bell-signed-out.png"),
        Badge::Offline => include_bytes!("../../icons/tray/bell-offline.png"),
        Badge::Unread(n) if n <= 0 => include_bytes!("../../icons/tray/bell.png"),
        Badge::Unread(1) => include_bytes!("../../icons/tray/bell-1.png"),
        Badge::Unread(2) => include_bytes!("../../icons/tray/bell-2.png"),
        Badge::Unread(3) => include_bytes!("../../icons/tray/bell-3.png"),
        Badge::Unread(4) => include_bytes!("../../icons/tray/bell-4.png"),
        Badge::Unread(5) => include_bytes!("../../icons/tray/bell-5.png"),
        Badge::Unread(6) => include_bytes!("../../icons/tray/bell-6.png"),
        Badge::Unread(7) => include_bytes!("../../icons/tray/bell-7.png"),
        Badge::Unread(8) => include_bytes!("../../icons/tray/bell-8.png"),
        Badge::Unread(9) => include_bytes!("../../icons/tray/bell-9.png"),
        Badge::Unread(_) => include_bytes!("../../icons/tray/bell-9plus.png"),
    }
}

/// The badge for the current state (the core's rule).
pub fn badge(state: &AppState) -> Badge {
    let known = state.lock();
    urutibiz_desktop_core::badge::badge(
        &known.connection.state,
        &known.machine.history,
        &known.settings.preferences,
    )
}

fn label(item: &Item) -> String {
    let mark = if item.read { "" } else { "● " };
    let text: String = item.title.chars().take(48).collect();
    format!("{mark}{text}")
}

fn menu(app: &AppHandle, recent: &[Item], dnd_on: bool, update: &UpdateView) -> tauri::Result<Menu<Wry>> {
    let mut builder = MenuBuilder::new(app);
    match (&update.available, update.installing) {
        (Some(version), false) => {
            builder = builder.text("update", format!("Update available — {version}")).separator()
        }
        (Some(version), true) => {
            let installing = format!("Installing {version}…");
            builder = builder
                .item(&MenuItem::with_id(app, "installing", installing, false, None::<&str>)?)
                .separator()
        }
        (None, _) => {}
    }
    builder = builder.text("open", "Open UrutiBiz").text("settings", "Settings…").separator();
    if recent.is_empty() {
        builder = builder.item(&MenuItem::with_id(app, "none", "No notifications yet", false, None::<&str>)?);
    }
    for item in recent.iter().take(RECENT) {
        builder = builder.text(format!("item:{}", item.id), label(item));
    }
    let dnd = SubmenuBuilder::new(app, if dnd_on { "Do not disturb (on)" } else { "Do not disturb" })
        .text("dnd:hour", "For 1 hour")
        .text("dnd:tomorrow", "Until tomorrow 08:00")
        .text("dnd:off", "Off")
        .build()?;
    builder
        .separator()
        .text("mark-all-read", "Mark all as read")
        .item(&dnd)
        .separator()
        .text("quit", "Quit")
        .build()
}

/// Creates the tray icon.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let state = app.state::<AppState>();
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(icon_bytes(badge(&state)))?)
        .menu(&menu(app, &[], false, &UpdateView::default())?)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu)
        .build(app)?;
    Ok(())
}

/// Redraws the icon and the menu from the state.
pub fn refresh(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return };
    let recent: Vec<Item> = state.lock().machine.history.items.iter().take(RECENT).cloned().collect();
    let dnd_on = urutibiz_desktop_core::dnd::is_active(
        state.lock().settings.dnd_until,
        chrono::Local::now().timestamp_millis(),
    );
    let badge = badge(&state);
    let title = match badge {
        Badge::Unread(n) if n > 0 => Some(n.to_string()),
        _ => None,
    };
    let updated = Image::from_bytes(icon_bytes(badge))
        .and_then(|icon| tray.set_icon(Some(icon)))
        .and_then(|()| tray.set_title(title.as_deref()))
        .and_then(|()| menu(app, &recent, dnd_on, &app.state::<crate::shell::updates::Updates>().view()))
        .and_then(|menu| tray.set_menu(Some(menu)));
    if let Err(e) = updated {
        tracing::warn!(error = %e, "could not update the tray");
    }
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    match event.id.as_ref() {
        "open" => window::show(app, None),
        "settings" => window::show(app, Some(window::SETTINGS_VIEW.into())),
        "mark-all-read" => actions::mark_all_read(app),
        "dnd:hour" => actions::set_dnd(app, "hour"),
        "dnd:tomorrow" => actions::set_dnd(app, "tomorrow"),
        "dnd:off" => actions::set_dnd(app, "off"),
        "quit" => app.exit(0),
        "update" => crate::shell::updates::install(app),
        id => {
            if let Some(item) = id.strip_prefix("item:") {
                actions::open_item(app, item.to_owned());
            }
        }
    }
}
