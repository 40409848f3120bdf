//! `authenticate` mid-session: a fresh token for the same user extends the
//! session. (The first authentication happens in [`crate::session::connect`].)

use crate::session::state::{answer, Outcome, Refusal, Session};
use crate::store::StoreError;
use urutibiz_protocol::client::Authenticate;
use urutibiz_protocol::server::Authenticated;
use urutibiz_protocol::{event, ErrorCode};

pub(super) async fn handle(session: &mut Session, p: Authenticate, reference: Option<&str>) -> Outcome {
    let fresh = session
        .app
        .verifier
        .verify(&p.token)
        .await
        .map_err(|e| Refusal::new(ErrorCode::Unauthorized, e.to_string()))?;
    if fresh.user_id != session.identity.user_id || fresh.role != session.identity.role {
        return Err(Refusal::new(
            ErrorCode::UserMismatch,
            "a session cannot change user or role; open a new connection",
        ));
    }
    session.app.names.record_from_token(&fresh).await;
    session.identity.expires_at = fresh.expires_at;
    session.identity.display_name = fresh.display_name;
    answer(event::AUTHENTICATED, &authenticated(session).await?, reference)
}

/// The `authenticated` payload for the session as it stands.
pub(crate) async fn authenticated(session: &Session) -> Result<Authenticated, StoreError> {
    let store = &session.app.store;
    Ok(Authenticated {
        user_id: session.identity.user_id.clone(),
        role: session.identity.role.as_str().to_owned(),
        rooms: session.rooms.iter().cloned().collect(),
        expires_at: session.identity.expires_at,
        unread_count: store.unread_count(session.user_scope()).await?,
        // Read after joining the rooms: everything past it arrives live.
        head_seq: session.app.delivery.head(),
    })
}
