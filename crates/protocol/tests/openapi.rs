//! `docs/openapi.json` and the API's types describe the same shapes: every
//! field a type writes is a property of its schema, and every property the
//! schema requires is written. (The server serves that file; the types are
//! what it serializes and what clients read.)

use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use urutibiz_protocol::api::{
    BookingChange, BookingView, BookingWithChanges, ChatSummary, Cursor, MessageItem, NotificationItem, Page,
    Participant,
};
use urutibiz_protocol::server::{NewMessage, Notification};
use urutibiz_protocol::BookingStatus;

fn schemas() -> Map<String, Value> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json")).unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();
    spec["components"]["schemas"].as_object().unwrap().clone()
}

/// A schema's properties and required names, following `$ref` and `allOf`.
fn shape(schemas: &Map<String, Value>, schema: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return shape(schemas, &schemas[name]);
    }
    let (mut properties, mut required) = (BTreeSet::new(), BTreeSet::new());
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = shape(schemas, part);
        properties.extend(p);
        required.extend(r);
    }
    properties.extend(schema["properties"].as_object().into_iter().flatten().map(|(k, _)| k.clone()));
    required.extend(
        schema["required"].as_array().into_iter().flatten().filter_map(|r| r.as_str().map(str::to_owned)),
    );
    (properties, required)
}

/// The value written matches the schema at the top level.
fn matches(schemas: &Map<String, Value>, schema: &Value, value: &impl Serialize, what: &str) {
    let written: BTreeSet<String> =
        serde_json::to_value(value).unwrap().as_object().unwrap().keys().cloned().collect();
    let (properties, required) = shape(schemas, schema);
    assert!(
        written.is_subset(&properties),
        "{what} writes {:?} that the schema lacks",
        &written - &properties
    );
    assert!(required.is_subset(&written), "{what} lacks {:?} that the schema requires", &required - &written);
}

fn message() -> MessageItem {
    MessageItem {
        message: NewMessage {
            chat_id: "dm-1".into(),
            message_id: "m1".into(),
            from_user_id: "r1".into(),
            from_name: "Jean".into(),
            message: "Free on Friday?".into(),
            at: 1,
        },
        seq: 7,
    }
}

fn booking() -> BookingView {
    BookingView {
        id: "b1".into(),
        title: Some("Canon EOS R6".into()),
        status: BookingStatus::Confirmed,
        host_id: "h1".into(),
        host_name: "Amina".into(),
        renter_id: "r1".into(),
        renter_name: "Jean".into(),
        other_party_id: "r1".into(),
        other_party_name: "Jean".into(),
        changed_by: Some("h1".into()),
        changed_by_name: Some("Amina".into()),
        updated_at: 2,
        actions: vec![BookingStatus::Cancelled],
        chat_id: "dm-1".into(),
    }
}

#[test]
fn the_openapi_schemas_describe_the_api_types() {
    let schemas = schemas();
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let notification = NotificationItem {
        notification: Notification {
            id: "n1".into(),
            kind: "booking".into(),
            title: "Booking confirmed".into(),
            body: "Canon EOS R6 is confirmed.".into(),
            data: json!({"bookingId": "b1"}),
            created_at: 1,
        },
        seq: 7,
        read: false,
    };
    matches(&schemas, &schema("Notification"), &notification, "NotificationItem");
    let page = Page { items: vec![notification], next_before: Some(Cursor::Position(7)) };
    matches(&schemas, &schema("NotificationPage"), &page, "Page<NotificationItem>");
    matches(&schemas, &schema("Message"), &message(), "MessageItem");
    let page = Page { items: vec![message()], next_before: Some(Cursor::Position(7)) };
    matches(&schemas, &schema("MessagePage"), &page, "Page<MessageItem>");
    matches(&schemas, &schema("Booking"), &booking(), "BookingView");
    let page = Page { items: vec![booking()], next_before: Some(Cursor::Text("2:b1".into())) };
    matches(&schemas, &schema("BookingPage"), &page, "Page<BookingView>");
    let change = BookingChange {
        status: BookingStatus::Confirmed,
        previous_status: BookingStatus::Pending,
        changed_by: "h1".into(),
        changed_by_name: "Amina".into(),
        at: 2,
    };
    matches(&schemas, &schema("BookingChange"), &change, "BookingChange");
    let with_changes = BookingWithChanges { booking: booking(), changes: vec![change] };
    matches(&schemas, &schema("BookingWithChanges"), &with_changes, "BookingWithChanges");
    let chat = ChatSummary {
        id: "dm-1".into(),
        participants: vec![
            Participant { id: "h1".into(), name: "Amina".into() },
            Participant { id: "r1".into(), name: "Jean".into() },
        ],
        last_message: Some(message()),
        unread_count: 1,
    };
    let chat_list = &schemas["ChatList"];
    matches(&schemas, &chat_list["properties"]["items"]["items"], &chat, "ChatSummary");
    matches(
        &schemas,
        &chat_list["properties"]["items"]["items"]["properties"]["participants"]["items"],
        &chat.participants[0],
        "Participant",
    );
    let page = Page { items: vec![chat], next_before: Some(Cursor::Text("2:dm-1".into())) };
    matches(&schemas, &schema("ChatList"), &page, "Page<ChatSummary>");
}
