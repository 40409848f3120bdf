-- Per-user read state. Notifications addressed to a role are stored once,
-- so read state is a watermark per user plus individual reads above it.
CREATE TABLE read_marks (
    user_id      TEXT PRIMARY KEY,
    read_upto    INTEGER NOT NULL DEFAULT 0,
    cleared_upto INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE notification_reads (
    user_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (user_id, seq)
) STRICT, WITHOUT ROWID;

-- Highest seq removed by retention, per room: a client resuming from below
-- it has missed events that no longer exist and must resync.
CREATE TABLE pruned (
    audience TEXT PRIMARY KEY,
    upto_seq INTEGER NOT NULL
) STRICT;

CREATE INDEX events_by_time ON events (created_at);
