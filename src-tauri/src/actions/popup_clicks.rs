//! What a click on a popup does: open the window at what it is about (a
//! conversation with its reply box, for "Reply"), open the website's page,
//! or answer a booking request. Acting on a popup about one notification
//! marks it read everywhere: the person has seen it. A summary's Open only
//! opens the window, where its notifications still show as new.

use crate::actions::{self, booking};
use crate::shell::popups::{Choice, Click};
use crate::shell::{web_link, window};
use tauri::AppHandle;

/// Carries out a click (given to [`crate::shell::popups::Popups::new`]).
pub fn popup_clicked(app: &AppHandle, click: Click) {
    // A Confirm or Decline that no request stands behind did nothing.
    let acted = !matches!(click.choice, Choice::Decide(_)) || click.answer.is_some();
    if let Some(id) = click.read.filter(|_| acted) {
        actions::mark_read(app, vec![id]);
    }
    match click.choice {
        Choice::Open | Choice::Reply => window::show(app, click.focus),
        Choice::OpenOnWeb => {
            if let Some(Err(e)) = click.web.as_ref().map(|page| web_link::open(app, page)) {
                tracing::warn!(error = %e, "could not open the page in the browser");
            }
        }
        Choice::Decide(decision) => {
            if let Some(request) = click.answer {
                booking::invoke(app, request, decision);
            }
        }
    }
}
