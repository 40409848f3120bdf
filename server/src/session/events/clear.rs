//! `clear`: every notification so far leaves the user's history (and
//! counts as read), on every device.

use super::mark_read;
use crate::session::state::{Outcome, Session};
use crate::store::ReadChange;

pub(super) async fn handle(session: &mut Session, reference: Option<&str>) -> Outcome {
    mark_read::apply(session, ReadChange::Clear, reference).await
}
