//! Wire protocol of the UrutiBiz realtime server, defined once for the
//! server, the desktop client and the generated TypeScript types.
//!
//! Every WebSocket frame is a JSON text frame `{"event", "data", "ref"?}`;
//! events the server stores also carry `id` and `seq`.
//!
//! - [`frame`]: the envelope, how to parse a client frame and encode a
//!   server frame.
//! - [`event`]: the event names, client to server and server to client.
//! - [`client`]: payloads a client sends.
//! - [`server`]: payloads the server sends.
//! - [`server_event`]: a server frame as a typed event, for clients.
//! - [`api`]: the HTTP API's answers (pages of notifications, messages,
//!   chats and bookings).
//! - [`booking`]: booking statuses.
//! - [`notification_data`]: a notification's `data`, by its type.
//! - [`codes`]: error codes and WebSocket close codes.
//! - [`room`]: room names and how they parse.
//! - [`name`]: display names cleaned of what could make one pose as another.
#![deny(missing_docs)]

pub mod api;
pub mod booking;
pub mod client;
pub mod codes;
pub mod event;
pub mod frame;
pub mod name;
pub mod notification_data;
pub mod room;
pub mod server;
pub mod server_event;

pub use booking::BookingStatus;
pub use codes::{close, ErrorCode};
pub use frame::{ClientFrame, FrameError, ServerFrame};
pub use notification_data::NotificationData;
pub use room::Room;
pub use server_event::{ServerEvent, ServerMessage};
