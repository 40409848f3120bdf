//! Storage of bookings, chats, events and read state behind [`Store`], so
//! another database can be added without touching the protocol code.
//!
//! - [`sqlite`]: the embedded default: one writer thread with group commit,
//!   a small pool of reader threads.
//! - [`postgres`]: clustered mode: several nodes on one PostgreSQL, which is
//!   both the durable log and how events reach every node.
//!
//! Delivery order is decided here: an implementation calls its commit hook
//! with every committed event, in `seq` order, from one thread, after the
//! commit (callers may hear of the commit first; see
//! [`crate::delivery::live::LiveDelivery::delivered_through`]). Every connection therefore receives events in `seq`
//! order, which is what makes resuming from one position sound.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use crate::auth::Role;
use async_trait::async_trait;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::Arc;
use urutibiz_protocol::BookingStatus;

pub(crate) use postgres::PgStore;
pub(crate) use sqlite::SqliteStore;

/// A storage failure. The request may be retried. Each keeps the error it
/// came from as its source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A group commit failed: every request of the batch hears the same
    /// error, so it is shared.
    #[error("commit failed: {0}")]
    Commit(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// Stored data broke a promise of the schema.
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(&'static str),
    /// A storage thread could not be started.
    #[error("starting the {what} thread: {source}")]
    Thread {
        /// Which thread.
        what: &'static str,
        /// Why it could not start.
        #[source]
        source: std::io::Error,
    },
    /// The storage worker has stopped.
    #[error("storage is shut down")]
    Closed,
    /// The database was brought to a newer schema by a newer server.
    #[error("the database's schema is version {found}, newer than this server knows ({known}): run the newer server")]
    NewerSchema {
        /// The database's version.
        found: usize,
        /// The newest this build knows.
        known: usize,
    },
    /// Another server process has the SQLite file open.
    #[error("{path} is in use by another server process: one SQLite file serves one server (for several nodes, use --database-url)")]
    InUse {
        /// The database file.
        path: String,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

/// A booking and its two participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Booking {
    /// Booking id.
    pub id: String,
    /// The user renting the item out.
    pub host_id: String,
    /// The user booking the item.
    pub renter_id: String,
    /// Current status.
    pub status: BookingStatus,
    /// What is booked, for notification text.
    pub title: Option<String>,
}

impl Booking {
    /// Whether `user_id` is the host or the renter.
    pub(crate) fn is_participant(&self, user_id: &str) -> bool {
        self.host_id == user_id || self.renter_id == user_id
    }
}

/// A booking with who last changed its status, and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BookingRecord {
    /// The booking.
    pub booking: Booking,
    /// Who made the last status change (`None`: as registered).
    pub changed_by: Option<String>,
    /// Last change of any kind, ms since the Unix epoch.
    pub updated_at: i64,
}

impl BookingRecord {
    /// Where this booking sits in a user's list, for the next page.
    pub(crate) fn cursor(&self) -> BookingCursor {
        BookingCursor { updated_at: self.updated_at, id: self.booking.id.clone() }
    }
}

/// Which side of a booking a user is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BookingSide {
    /// Renting the item out.
    Host,
    /// Booking it.
    Renter,
}

/// A position in a user's booking list: latest activity first, then id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BookingCursor {
    /// `updated_at` of the last booking of the previous page.
    pub updated_at: i64,
    /// Its id, breaking ties.
    pub id: String,
}

/// A page of a user's bookings.
#[derive(Debug, Clone, Default)]
pub(crate) struct BookingQuery {
    /// Only bookings where the user is on this side.
    pub side: Option<BookingSide>,
    /// Only bookings in this status.
    pub status: Option<BookingStatus>,
    /// Only bookings after this position.
    pub after: Option<BookingCursor>,
    /// At most this many.
    pub limit: usize,
}

/// A chat between two users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chat {
    /// Chat id.
    pub id: String,
    /// One participant.
    pub user_a: String,
    /// The other participant.
    pub user_b: String,
}

impl Chat {
    /// The chat of two users, whoever writes first: its id is derived from
    /// the pair, so it cannot be squatted or guessed into another pair.
    pub(crate) fn between(one: &str, other: &str) -> Chat {
        use sha2::{Digest, Sha256};
        let (a, b) = if one <= other { (one, other) } else { (other, one) };
        // The separator cannot occur in a user id, so pairs cannot collide
        // by concatenation.
        let digest = Sha256::new().chain_update(a).chain_update("\n").chain_update(b).finalize();
        let hex: String = digest[..16].iter().map(|byte| format!("{byte:02x}")).collect();
        Chat { id: format!("dm-{hex}"), user_a: a.to_owned(), user_b: b.to_owned() }
    }

    /// Whether `user_id` takes part in the chat.
    pub(crate) fn is_participant(&self, user_id: &str) -> bool {
        self.user_a == user_id || self.user_b == user_id
    }
}

/// Where a stored event goes live: not stored, used once after commit.
#[derive(Debug, Clone, Default)]
pub(crate) struct Route {
    /// Rooms to deliver to; each connection gets it once.
    pub rooms: Vec<String>,
    /// A connection that must not get it (the sender of a chat message):
    /// the hub's connection id, opaque here.
    pub except: Option<u64>,
}

/// An event to store. `id` and `created_at` are chosen by the caller so
/// that they can appear inside `data`; `seq` is assigned on insert.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    /// Unique id (UUID v7).
    pub id: String,
    /// The room it is addressed to; who may replay it.
    pub audience: String,
    /// Event name.
    pub event: String,
    /// Wire payload.
    pub data: Box<RawValue>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Live delivery after commit.
    pub route: Route,
}

/// An event as stored, with its position.
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    /// Position in the ordered stream.
    pub seq: i64,
    /// The event as given.
    pub event: NewEvent,
}

/// Called after each commit with the committed events in `seq` order.
pub(crate) type CommitHook = Box<dyn Fn(&[StoredEvent]) + Send + 'static>;

/// Whose events: a user, their role, and rooms their connection joined.
/// Bookings and chats the user takes part in are added by the store.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// The user.
    pub user_id: String,
    /// Their role.
    pub role: Role,
    /// Further rooms, e.g. booking rooms an admin joined.
    pub rooms: Vec<String>,
}

/// A replayed event; booking changes it superseded are folded into it.
#[derive(Debug, Clone)]
pub(crate) struct Replayed {
    /// The event.
    pub stored: StoredEvent,
    /// Whether a later event of the same booking supersedes this one.
    pub superseded: bool,
}

/// What resuming from a position yields.
#[derive(Debug)]
pub(crate) enum ReplayPage {
    /// Events after the position, oldest first, at most the limit.
    Events(Vec<Replayed>),
    /// Retention removed events after the position: refetch history.
    ResyncRequired {
        /// Highest removed position among the scope's rooms.
        pruned_upto: i64,
    },
}

/// A change to a user's read state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ReadChange {
    /// These notification ids are read.
    Ids(Vec<String>),
    /// Every message notification of this chat is read (the user opened it).
    Chat(String),
    /// Every notification up to this position is read.
    UpTo(i64),
    /// Every notification so far is read.
    All,
    /// Every notification so far is removed from history.
    Clear,
}

/// What a read-state change did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReadOutcome {
    /// Ids that became read (for [`ReadChange::Ids`] and [`ReadChange::Chat`];
    /// only the user's own).
    pub ids: Vec<String>,
    /// Watermark: everything up to here is read (or cleared).
    pub up_to: Option<i64>,
    /// Whether history up to `up_to` was cleared.
    pub cleared: bool,
    /// Unread notifications left.
    pub unread_count: i64,
}

/// A page of notification history.
#[derive(Debug, Clone, Default)]
pub(crate) struct HistoryQuery {
    /// Only positions below this.
    pub before: Option<i64>,
    /// At most this many.
    pub limit: usize,
    /// Only this `type`.
    pub kind: Option<String>,
    /// Only unread ones.
    pub unread_only: bool,
}

/// A notification with its read flag.
#[derive(Debug, Clone)]
pub(crate) struct NotificationRecord {
    /// The stored notification.
    pub stored: StoredEvent,
    /// Whether the user read it.
    pub read: bool,
}

/// A chat and its latest message.
#[derive(Debug, Clone)]
pub(crate) struct ChatSummary {
    /// The chat.
    pub chat: Chat,
    /// Its latest message, if any.
    pub last: Option<StoredEvent>,
}

impl ChatSummary {
    /// Where this chat sits in a user's list, for the next page.
    pub(crate) fn cursor(&self) -> ChatCursor {
        ChatCursor { activity: self.last.as_ref().map_or(0, |m| m.seq), id: self.chat.id.clone() }
    }
}

/// A position in a user's chat list, ordered by latest message then id,
/// both descending. Chats with no message yet come last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChatCursor {
    /// Position of the chat's latest message; 0 if none.
    pub activity: i64,
    /// The chat id, breaking ties.
    pub id: String,
}

/// Retention settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retention {
    /// Events created before this (ms since epoch) are removed.
    pub older_than_ms: Option<i64>,
    /// Events kept per `user-` room.
    pub per_user: Option<usize>,
}

/// What the realtime server needs from a database.
/// Who gave a display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameSource {
    /// The user's own token (`name` claim): kept unless the backend set one.
    Token,
    /// The backend (`PUT /api/v1/users/{id}`): wins over tokens.
    Backend,
}

/// A recorded display name and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedName {
    /// The name.
    pub name: String,
    /// Who gave it.
    pub source: NameSource,
}

/// Everything the server needs stored: one trait per area (the event log,
/// bookings, chats, read state, names), so a second engine can be written
/// and tested an area at a time.
pub(crate) trait Store: EventLog + BookingStore + ChatStore + ReadStateStore + NameStore {}

impl<T: EventLog + BookingStore + ChatStore + ReadStateStore + NameStore> Store for T {}

/// The ordered log of stored events: appending (the commit hook delivers
/// in `seq` order), positions, replay and retention.
#[async_trait]
pub(crate) trait EventLog: Send + Sync + 'static {
    /// Stores events in one transaction, in order.
    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError>;

    /// The position of the newest stored event (0 when none).
    async fn head_seq(&self) -> Result<i64, StoreError>;

    /// The position of the newest event whose commit was acknowledged to a
    /// caller, known without a query. It may be ahead of delivery (callers
    /// hear first); a new connection waits for delivery to catch up with it
    /// before joining rooms, so an event acknowledged before the connection
    /// began is never also delivered to it live.
    fn committed_head(&self) -> i64;

    /// Events of `scope` after position `after`, oldest first.
    async fn replay(&self, scope: Scope, after: i64, limit: usize) -> Result<ReplayPage, StoreError>;

    /// Removes events past retention, in small steps; returns how many.
    async fn prune(&self, retention: Retention) -> Result<usize, StoreError>;

    /// Whether this node is fenced: cut off from a shared database for long
    /// enough that its clients are better served by another node. `None`
    /// for an engine that is never shared (SQLite).
    fn fence(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        None
    }
}

/// Bookings, their participants and status changes.
#[async_trait]
pub(crate) trait BookingStore: Send + Sync + 'static {
    /// Registers a booking, or updates the participants and title of an
    /// existing one; an existing booking's status changes only through
    /// [`BookingStore::change_booking_status`]. Returns the booking as it was before.
    async fn upsert_booking(&self, booking: Booking) -> Result<Option<Booking>, StoreError>;

    /// Looks up a booking.
    async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError>;

    /// Moves a booking from `from` to `to` on behalf of `changed_by` and
    /// stores `events`, atomically. Returns `None` (and stores nothing) if
    /// the status was no longer `from`.
    async fn change_booking_status(
        &self,
        id: &str,
        from: BookingStatus,
        to: BookingStatus,
        changed_by: &str,
        events: Vec<NewEvent>,
    ) -> Result<Option<Vec<StoredEvent>>, StoreError>;

    /// A booking with its last change.
    async fn booking_record(&self, id: &str) -> Result<Option<BookingRecord>, StoreError>;

    /// A user's bookings, latest activity first.
    async fn bookings_of(&self, user_id: &str, query: BookingQuery)
        -> Result<Vec<BookingRecord>, StoreError>;

    /// A booking's status changes, newest first.
    async fn booking_changes(&self, id: &str, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;

    /// Whether two users are the host and the renter of some booking.
    async fn share_booking(&self, one: &str, other: &str) -> Result<bool, StoreError>;
}

/// Chats between two users and their messages.
#[async_trait]
pub(crate) trait ChatStore: Send + Sync + 'static {
    /// Looks up a chat.
    async fn chat(&self, id: &str) -> Result<Option<Chat>, StoreError>;

    /// Creates the chat if it does not exist; returns the chat as stored,
    /// which may have other participants than asked for.
    async fn create_chat(&self, chat: Chat) -> Result<Chat, StoreError>;

    /// Chats a user takes part in, most recently active first, after
    /// `after` (a previous page's last chat).
    async fn chats_of(
        &self,
        user_id: &str,
        after: Option<ChatCursor>,
        limit: usize,
    ) -> Result<Vec<ChatSummary>, StoreError>;

    /// Messages of a chat, newest first.
    async fn messages(
        &self,
        chat_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError>;
}

/// Which notifications a user has read, across devices, and their history.
#[async_trait]
pub(crate) trait ReadStateStore: Send + Sync + 'static {
    /// Unread notifications of `scope`.
    async fn unread_count(&self, scope: Scope) -> Result<i64, StoreError>;

    /// Unread message notifications of `scope`, per chat id.
    async fn unread_by_chat(&self, scope: Scope) -> Result<HashMap<String, i64>, StoreError>;

    /// Applies a read-state change for `scope`'s user.
    async fn change_read_state(&self, scope: Scope, change: ReadChange) -> Result<ReadOutcome, StoreError>;

    /// Notification history, newest first.
    async fn notifications(
        &self,
        scope: Scope,
        query: HistoryQuery,
    ) -> Result<Vec<NotificationRecord>, StoreError>;
}

/// Users' display names.
#[async_trait]
pub(crate) trait NameStore: Send + Sync + 'static {
    /// Records a user's display name from `source` and returns the name
    /// now recorded: a token's name does not replace the backend's.
    async fn set_display_name(
        &self,
        user_id: &str,
        name: &str,
        source: NameSource,
    ) -> Result<RecordedName, StoreError>;

    /// A user's recorded display name.
    async fn display_name(&self, user_id: &str) -> Result<Option<RecordedName>, StoreError>;
}
