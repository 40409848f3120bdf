//! A notification as a sender gives it (socket event or HTTP body).
#![no_main]

use libfuzzer_sys::fuzz_target;
use urutibiz_realtime_server::notification_input::{check_notification, NotificationInput};

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<NotificationInput>(data) {
        if let Ok(checked) = check_notification(input) {
            assert!(!checked.title.trim().is_empty());
            assert!(checked.data.as_ref().is_none_or(|d| d.is_object()));
        }
    }
});
