-- The clustered schema: the SQLite schema's tables as they stand after its
-- migrations, plus what several nodes need. Versioned like SQLite's:
-- append new files, never edit this one.

-- The one place positions come from. Each writing transaction takes this
-- row last and holds it until COMMIT, so positions become visible in
-- commit order: a reader that sees position 11 has seen 10 (a SEQUENCE
-- hands out 10 and 11 to transactions that may commit in either order).
CREATE TABLE rt_sequencer (
    one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    head BIGINT NOT NULL
);
INSERT INTO rt_sequencer (one, head) VALUES (TRUE, 0);

CREATE TABLE bookings (
    id         TEXT PRIMARY KEY,
    host_id    TEXT NOT NULL,
    renter_id  TEXT NOT NULL,
    status     TEXT NOT NULL,
    title      TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    changed_by TEXT
);
CREATE INDEX bookings_by_host_activity ON bookings (host_id, updated_at);
CREATE INDEX bookings_by_renter_activity ON bookings (renter_id, updated_at);

CREATE TABLE chats (
    id         TEXT PRIMARY KEY,
    user_a     TEXT NOT NULL,
    user_b     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX chats_by_user_a ON chats (user_a);
CREATE INDEX chats_by_user_b ON chats (user_b);

-- Every stored event, once. `data` is the payload exactly as sent on the
-- wire. The route says where it goes live: rooms as a JSON array (NULL:
-- its own audience), and the sending connection to skip, named by the
-- node it is on.
CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    audience    TEXT NOT NULL,
    event       TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    route_rooms TEXT,
    except_node TEXT,
    except_conn BIGINT
);
CREATE INDEX events_by_audience ON events (audience, seq);

CREATE TABLE read_marks (
    user_id      TEXT PRIMARY KEY,
    read_upto    BIGINT NOT NULL DEFAULT 0,
    cleared_upto BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE notification_reads (
    user_id TEXT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE pruned (
    audience TEXT PRIMARY KEY,
    upto_seq BIGINT NOT NULL
);

CREATE TABLE users (
    user_id        TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    set_by_backend BOOLEAN NOT NULL DEFAULT FALSE
);
