//! One reload for a burst of changes: the first change schedules it, the
//! ones that follow before it runs join it (the bookings and chats views
//! reload from the server this way).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tauri::AppHandle;

/// A reload that is scheduled or not.
#[derive(Default)]
pub struct Settling {
    scheduled: Arc<AtomicBool>,
}

impl Settling {
    /// Runs `reload` once `after` has passed, unless one is already waiting.
    pub fn schedule(&self, app: &AppHandle, after: Duration, reload: fn(&AppHandle)) {
        if self.scheduled.swap(true, Ordering::SeqCst) {
            return;
        }
        let (app, scheduled) = (app.clone(), self.scheduled.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(after).await;
            scheduled.store(false, Ordering::SeqCst);
            reload(&app);
        });
    }
}
