-- Users, portal sessions and personal API keys.
-- Times are Unix milliseconds (INTEGER); ids are random and opaque.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    -- Stored lowercased by the Worker; NOCASE makes uniqueness hold for any other writer.
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- argon2id PHC string: algorithm, parameters, salt and hash.
    password_hash TEXT NOT NULL,
    -- Permissions live here, never on a key: every request re-reads it.
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'org_admin')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token; the token itself is never stored.
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id, expires_at);

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the raw key, lowercase hex. The unique index is the /mcp lookup.
    key_hash        TEXT NOT NULL UNIQUE,
    last4           TEXT NOT NULL,
    label           TEXT,
    -- 'portal', 'oauth', or 'unknown'/NULL for a legacy or imported row (shown as Unknown).
    source          TEXT CHECK (source IN ('portal', 'oauth', 'unknown')),
    oauth_client_id TEXT,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
);

-- The key list: one user's keys, newest first.
CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at DESC);
