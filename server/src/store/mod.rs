//! Storage of bookings, chats and events behind [`Store`], so another
//! database can be added without touching the protocol code.
//!
//! - [`sqlite`]: the embedded default, one writer thread with group commit.

pub mod sqlite;

use async_trait::async_trait;
use serde_json::value::RawValue;
use urutibiz_protocol::BookingStatus;

pub use sqlite::SqliteStore;

/// A storage failure. The request may be retried.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database: {0}")]
    Database(String),
    /// The storage worker has stopped.
    #[error("storage is shut down")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// A booking and its two participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
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
    pub fn is_participant(&self, user_id: &str) -> bool {
        self.host_id == user_id || self.renter_id == user_id
    }
}

/// A chat between two users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Chat id.
    pub id: String,
    /// One participant.
    pub user_a: String,
    /// The other participant.
    pub user_b: String,
}

impl Chat {
    /// Whether `user_id` takes part in the chat.
    pub fn is_participant(&self, user_id: &str) -> bool {
        self.user_a == user_id || self.user_b == user_id
    }
}

/// An event to store. `id` and `created_at` are chosen by the caller so
/// that they can appear inside `data`; `seq` is assigned on insert.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Unique id (UUID v7).
    pub id: String,
    /// The room it is addressed to.
    pub audience: String,
    /// Event name.
    pub event: String,
    /// Wire payload.
    pub data: Box<RawValue>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// An event as stored, with its position.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// Position in the ordered stream.
    pub seq: i64,
    /// The event as given.
    pub event: NewEvent,
}

/// What the realtime server needs from a database.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Registers a booking, or updates the participants and title of an
    /// existing one; an existing booking's status changes only through
    /// [`Store::change_booking_status`]. Returns the booking as it was before.
    async fn upsert_booking(&self, booking: Booking) -> Result<Option<Booking>, StoreError>;

    /// Looks up a booking.
    async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError>;

    /// Moves a booking from `from` to `to` and stores `events`, atomically.
    /// Returns `None` (and stores nothing) if the status was no longer `from`.
    async fn change_booking_status(
        &self,
        id: &str,
        from: BookingStatus,
        to: BookingStatus,
        events: Vec<NewEvent>,
    ) -> Result<Option<Vec<StoredEvent>>, StoreError>;

    /// Looks up a chat.
    async fn chat(&self, id: &str) -> Result<Option<Chat>, StoreError>;

    /// Creates the chat if it does not exist; returns the chat as stored,
    /// which may have other participants than asked for.
    async fn create_chat(&self, chat: Chat) -> Result<Chat, StoreError>;

    /// Stores events in one transaction, in order.
    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError>;
}
