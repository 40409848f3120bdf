//! `authenticate` mid-session: a fresh token for the same user extends the
//! session. (The first authentication happens in [`crate::connection`].)

use super::{reply, Outcome, Refusal, Session};
use urutibiz_protocol::client::Authenticate;
use urutibiz_protocol::server::Authenticated;
use urutibiz_protocol::{event, ErrorCode};

pub fn handle(session: &mut Session, p: Authenticate, reference: Option<&str>) -> Outcome {
    let fresh = session
        .app
        .verifier
        .verify(&p.token)
        .map_err(|e| Refusal::new(ErrorCode::Unauthorized, e.to_string()))?;
    if fresh.user_id != session.identity.user_id || fresh.role != session.identity.role {
        return Err(Refusal::new(
            ErrorCode::UserMismatch,
            "a session cannot change user or role; open a new connection",
        ));
    }
    session.identity.expires_at = fresh.expires_at;
    Ok(reply(event::AUTHENTICATED, &authenticated(session), reference))
}

/// The `authenticated` payload for the session as it stands.
pub fn authenticated(session: &Session) -> Authenticated {
    Authenticated {
        user_id: session.identity.user_id.clone(),
        role: session.identity.role.as_str().to_owned(),
        rooms: session.rooms.iter().cloned().collect(),
        expires_at: session.identity.expires_at,
    }
}
