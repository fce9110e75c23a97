-- The account activity log, where and by what each key was last used, the notice of keys
-- revoked automatically, and the addresses each account has signed in from.
-- Client addresses are kept for 90 days at most (the scheduled cleanup, src/store.rs).

-- Where the latest accepted /mcp request of a key came from: written together with
-- last_used_at, at most once a minute, after the response. Cleared 90 days after that use.
ALTER TABLE api_keys ADD COLUMN last_used_ip TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_country TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_user_agent TEXT;

-- When the owner dismissed the page's notice of this key's automatic revocation (any
-- reason but 'user'). Stored on the server so the notice stays dismissed on every device.
ALTER TABLE api_keys ADD COLUMN revocation_seen_at INTEGER;

-- The notice's lookup: one user's automatic revocations not yet dismissed.
CREATE INDEX api_keys_unseen_revocations ON api_keys (user_id, revoked_at)
    WHERE revoked_reason <> 'user' AND revocation_seen_at IS NULL;

-- One row per event of an account, newest first on its page. `kind` is one of
-- key_minted, key_revoked, consent_approved, consent_denied, role_changed, leak_reported,
-- new_address_sign_in; no CHECK, so that a new kind needs no table rebuild (the Worker
-- writes only the kinds it knows, src/activity.rs). `detail` is a JSON object: the
-- revocation reason, the OAuth client, the roles, the leak's URL. `ip`, `country` and
-- `user_agent` describe the request that caused the event; all three are NULL for a change
-- made straight in the database (a role set by scripts/set-role.mjs).
CREATE TABLE activity (
    -- 'act_' + 32 random hex.
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    key_id     TEXT,
    detail     TEXT,
    ip         TEXT,
    country    TEXT,
    user_agent TEXT,
    created_at INTEGER NOT NULL
);

-- The activity page (keyset on created_at, id) and the cleanup's scan.
CREATE INDEX activity_by_user ON activity (user_id, created_at DESC, id DESC);
CREATE INDEX activity_by_time ON activity (created_at);

-- The addresses an account signed in from, to tell a sign-in from a new one. Only a hash of
-- the user and the address (an IPv6 address by its /64), forgotten 90 days after its last use.
CREATE TABLE sign_in_addresses (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address_hash TEXT NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, address_hash)
) WITHOUT ROWID;
CREATE INDEX sign_in_addresses_by_time ON sign_in_addresses (last_seen_at);

-- Roles change outside the Worker (scripts/set-role.mjs runs SQL against D1): a trigger
-- records every change, whoever makes it.
CREATE TRIGGER activity_on_role_change AFTER UPDATE OF role ON users
WHEN OLD.role IS NOT NEW.role
BEGIN
    INSERT INTO activity (id, user_id, kind, detail, created_at)
    VALUES ('act_' || lower(hex(randomblob(16))), NEW.id, 'role_changed',
            json_object('from', OLD.role, 'to', NEW.role),
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
