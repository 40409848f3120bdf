//! What a click on a popup does is the core's to say
//! ([`urutibiz_desktop_core::machine::Act::PopupClicked`]): open the window
//! at what it is about, open its page on the website, or answer a booking
//! request, and read the notification it stands for. This hands it over.

use crate::effects::feed;
use tauri::AppHandle;
use urutibiz_desktop_core::machine::{Act, Input, PopupClick};

/// Carries out a click (given to [`crate::shell::popups::Popups::new`]).
pub fn popup_clicked(app: &AppHandle, click: PopupClick) {
    let _ = feed(app, Input::Person(Act::PopupClicked(click)));
}
