//! `send-notification`: admins notify a user over the socket. Backends use
//! `POST /api/v1/publish` instead.

use crate::auth::Role;
use crate::notification_input::{check_notification, NotificationInput};
use crate::publish;
use crate::session::state::{answer, Outcome, Refusal, Session};
use serde_json::Value;
use urutibiz_protocol::client::SendNotification;
use urutibiz_protocol::room::is_valid_id;
use urutibiz_protocol::server::NotificationSent;
use urutibiz_protocol::{event, ErrorCode};

pub(super) async fn handle(session: &mut Session, p: SendNotification, reference: Option<&str>) -> Outcome {
    if session.identity.role != Role::Admin {
        return Err(Refusal::new(ErrorCode::Forbidden, "only admins send notifications over the socket"));
    }
    if !is_valid_id(&p.to_user_id) {
        return Err(Refusal::new(ErrorCode::InvalidPayload, "`toUserId` is not a valid user id"));
    }
    let input = NotificationInput { kind: p.kind, title: p.title, body: p.body, data: p.data };
    let n = check_notification(input).map_err(|m| Refusal::new(ErrorCode::InvalidPayload, m))?;
    let note = publish::notification(
        format!("user-{}", p.to_user_id),
        &n.kind,
        &n.title,
        &n.body,
        n.data.unwrap_or(Value::Object(Default::default())),
    );
    let stored = session.app.store.append(vec![note]).await?;
    let sent = NotificationSent { id: stored[0].event.id.clone(), to_user_id: p.to_user_id };
    answer(event::NOTIFICATION_SENT, &sent, reference)
}
