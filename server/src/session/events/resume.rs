//! `resume`: replay what the client missed. The streaming itself happens
//! in [`crate::session::replay`], which owns the socket.

use crate::quotas::Spend;
use crate::session::state::{Outcome, Refusal, Reply, Session};
use urutibiz_protocol::client::Resume;
use urutibiz_protocol::ErrorCode;

pub(super) fn handle(session: &Session, p: Resume) -> Outcome {
    if p.after < 0 {
        return Err(Refusal::new(ErrorCode::InvalidPayload, "`after` must be 0 or a seq the server sent"));
    }
    // Replays are the costliest reads: per user, whatever the sockets.
    session
        .app
        .quotas
        .spend(Spend::Replay, &session.identity.user_id)
        .map_err(|e| Refusal::rate_limited("replays", e))?;
    Ok(Reply::Replay { after: p.after })
}
