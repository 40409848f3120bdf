-- A name the backend set (PUT /api/v1/users/{id}) wins over the name a
-- user's own token carries, so a user cannot rename themselves into
-- someone else by choosing what their provider profile says.
ALTER TABLE users ADD COLUMN set_by_backend INTEGER NOT NULL DEFAULT 0;
