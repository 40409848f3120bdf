-- Bookings known to the realtime layer, registered by the backend.
CREATE TABLE bookings (
    id         TEXT PRIMARY KEY,
    host_id    TEXT NOT NULL,
    renter_id  TEXT NOT NULL,
    status     TEXT NOT NULL,
    title      TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX bookings_by_host ON bookings (host_id);
CREATE INDEX bookings_by_renter ON bookings (renter_id);

-- A chat between exactly two users, created by its first message.
CREATE TABLE chats (
    id         TEXT PRIMARY KEY,
    user_a     TEXT NOT NULL,
    user_b     TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX chats_by_user_a ON chats (user_a);
CREATE INDEX chats_by_user_b ON chats (user_b);

-- Every stored event, once, addressed to a room (its audience).
-- seq is the position in the server's ordered stream; data is the JSON
-- payload exactly as sent on the wire.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    audience   TEXT NOT NULL,
    event      TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_audience ON events (audience, seq);
