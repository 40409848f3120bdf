-- Who made a booking's last status change, so a late action can be told
-- "already cancelled by Jean"; and listing a user's bookings by activity.
ALTER TABLE bookings ADD COLUMN changed_by TEXT;
CREATE INDEX bookings_by_host_activity ON bookings (host_id, updated_at);
CREATE INDEX bookings_by_renter_activity ON bookings (renter_id, updated_at);
DROP INDEX bookings_by_host;
DROP INDEX bookings_by_renter;
