-- OAuth 2.1 for MCP clients: dynamically registered clients and authorization codes.
-- The tokens themselves are ordinary rows of api_keys (source 'oauth').

CREATE TABLE oauth_clients (
    -- 'dcr_' + 32 random hex.
    id                         TEXT PRIMARY KEY,
    -- Self-declared by the client at registration; shown on the consent page as such.
    client_name                TEXT NOT NULL,
    -- JSON array of the registered redirect URIs.
    redirect_uris              TEXT NOT NULL,
    token_endpoint_auth_method TEXT NOT NULL,
    -- SHA-256 of the client secret, for clients that asked for one; NULL for public clients.
    client_secret_hash         TEXT,
    -- The registration response's metadata, as JSON, returned again on request.
    metadata                   TEXT NOT NULL,
    created_at                 INTEGER NOT NULL
    -- No expiry: some desktop clients never register again.
);

CREATE TABLE oauth_codes (
    -- SHA-256 of the code; the code itself only travels in the redirect.
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    scope          TEXT NOT NULL,
    -- Always the canonical <origin>/mcp the code was issued for.
    resource       TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    -- Counted by the exchange itself (one atomic UPDATE): 1 is the first exchange, more
    -- is a replay, which revokes the key the first exchange minted.
    exchanges      INTEGER NOT NULL DEFAULT 0,
    key_id         TEXT REFERENCES api_keys (id)
);

CREATE INDEX oauth_codes_by_expiry ON oauth_codes (expires_at);
