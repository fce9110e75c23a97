-- Clients known by a Client ID Metadata Document (MCP 2025-11-25), and why each key was
-- revoked.

-- A document client's row is keyed by its derived dcr_ id; metadata_url is the https URL
-- it names itself by, and the row is a cache of that document until metadata_expires_at.
-- Both are NULL for a dynamically registered client.
ALTER TABLE oauth_clients ADD COLUMN metadata_url TEXT;
ALTER TABLE oauth_clients ADD COLUMN metadata_expires_at INTEGER;

-- Who or what revoked a key: the user, the OAuth client (RFC 7009), a newer connection of
-- the same client ('replaced'), code-replay protection, or a leak report. NULL for active
-- keys and for keys revoked before this column existed.
ALTER TABLE api_keys ADD COLUMN revoked_reason TEXT
    CHECK (revoked_reason IN ('user', 'client', 'replaced', 'code_replay', 'leaked'));
-- For a leak report: the URL where the key was found.
ALTER TABLE api_keys ADD COLUMN revoked_detail TEXT;

-- One key per connected app: a new connection finds the client's active key for the user.
CREATE INDEX api_keys_active_by_client ON api_keys (oauth_client_id, user_id)
    WHERE revoked_at IS NULL;
