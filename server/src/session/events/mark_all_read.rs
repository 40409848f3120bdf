//! `mark-all-read`: every notification so far is read, in one row write
//! however many there are.

use super::mark_read;
use crate::session::state::{Outcome, Session};
use crate::store::ReadChange;

pub(super) async fn handle(session: &mut Session, reference: Option<&str>) -> Outcome {
    mark_read::apply(session, ReadChange::All, reference).await
}
