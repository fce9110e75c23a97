-- Failed sign-ins per account email, in fixed windows, to slow password guessing.
-- Keyed by the normalised email whether or not an account exists, so the limit does not
-- reveal which emails are registered.
CREATE TABLE login_failures (
    email             TEXT PRIMARY KEY,
    window_started_at INTEGER NOT NULL,
    failures          INTEGER NOT NULL
);
