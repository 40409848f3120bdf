-- Display names, from users' tokens or the backend, so what the server
-- sends says "Amina" rather than "host-amina".
CREATE TABLE users (
    user_id      TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
