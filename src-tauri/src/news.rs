//! What the app's pump (`live.rs`) hears, down one channel set up at start:
//! a client started, a client's update, a notice about the app itself. The
//! parts that start clients or have something to say (signing in, updates)
//! send here and need not know what becomes of it; the pump feeds it to the
//! core in the order it was sent.

use tauri::{AppHandle, Manager};
use tokio::sync::mpsc::UnboundedSender;
use urutibiz_client::Update;

/// What the pump hears.
#[derive(Debug)]
pub enum News {
    /// A client was (re)started, perhaps for another person.
    Started,
    /// A running client's update.
    Update(Box<Update>),
    /// A popup about the app itself (signed out, an update refused).
    Notice { title: String, body: String },
}

/// Where news goes (a managed state).
pub struct NewsTo(pub UnboundedSender<News>);

/// A popup about the app itself, shown through the pump (with the system
/// sound unless sounds are off).
pub fn notice(app: &AppHandle, title: &str, body: &str) {
    let _ = app.state::<NewsTo>().0.send(News::Notice { title: title.to_owned(), body: body.to_owned() });
}
