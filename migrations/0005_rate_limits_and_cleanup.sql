-- Exact limits on every anonymous or failing path (src/throttle.rs), and what the
-- scheduled cleanup needs to find unused clients.

-- One counter per limit and subject, in fixed windows. The bucket is the limit's name and a
-- hash of the subject (a client address or an account email), never the subject itself.
CREATE TABLE rate_limits (
    bucket            TEXT PRIMARY KEY,
    window_started_at INTEGER NOT NULL,
    count             INTEGER NOT NULL
);
CREATE INDEX rate_limits_by_window ON rate_limits (window_started_at);

-- Replaced by the 'signin-account' counters in rate_limits.
DROP TABLE login_failures;

-- When a client last had a code issued; registered clients with no active key and no use
-- for 90 days are removed by the scheduled cleanup.
ALTER TABLE oauth_clients ADD COLUMN last_used_at INTEGER;

-- The cleanup's scans.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
