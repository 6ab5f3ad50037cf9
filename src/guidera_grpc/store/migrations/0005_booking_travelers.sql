-- Bookings are listed per customer of the app; the reference is the app's own, not personal.
ALTER TABLE bookings ADD COLUMN traveler_ref text NOT NULL DEFAULT ''
    CHECK (length(traveler_ref) <= 128);
ALTER TABLE bookings ADD COLUMN offer bytea;
COMMENT ON COLUMN bookings.offer IS
    'The offer as booked (serialized guidera.v1.Offer), for reconciliation and cancellation.';
CREATE INDEX bookings_by_traveler ON bookings (traveler_ref, created_at DESC)
    WHERE traveler_ref <> '';
