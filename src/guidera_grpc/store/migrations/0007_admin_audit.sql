-- Every change an operator makes through AdminService: who, what, on what, and when.
-- Details hold names and fingerprints only, never a secret.
CREATE TABLE admin_audit (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL CHECK (length(actor) <= 200),
    action   text NOT NULL CHECK (length(action) <= 100),
    target   text NOT NULL CHECK (length(target) <= 200),
    details  jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX admin_audit_at ON admin_audit (at DESC);
