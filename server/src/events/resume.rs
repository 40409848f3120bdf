//! `resume`: replay what the client missed. The streaming itself happens
//! in [`crate::replay`], which owns the socket.

use super::{Outcome, Refusal, Reply};
use urutibiz_protocol::client::Resume;
use urutibiz_protocol::ErrorCode;

pub fn handle(p: Resume) -> Outcome {
    if p.after < 0 {
        return Err(Refusal::new(ErrorCode::InvalidPayload, "`after` must be 0 or a seq the server sent"));
    }
    Ok(Reply::Replay { after: p.after })
}
