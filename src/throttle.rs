//! Limits on every anonymous or failing path, per client address (`CF-Connecting-IP`), and
//! on sign-in per account.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! Each limit is an exact counter in D1 (`rate_limits`), in fixed windows. An attempt is
//! counted *before* the work it pays for, by one atomic upsert that returns the new count,
//! so concurrent attempts cannot all slip under the limit (and an argon2 hash is only
//! computed below it). Paths that limit only failures hand the count back when the
//! attempt succeeds. Why D1 and not the Workers Rate Limiting binding: these paths write
//! to D1 anyway, the binding's counters are per Cloudflare location and approximate (a
//! client spread over locations multiplies its budget), and an exact, global count is
//! what lets the README promise numbers. Volume floods are for a rate limiting rule in
//! front of the Worker (docs/security.md).

use crate::crypto::sha256_hex;

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// A budget of `max` attempts per `window_ms`, for one subject at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub name: &'static str,
    pub max: i64,
    pub window_ms: i64,
}

/// Sign-ups per client address: each costs an argon2 hash and a user row.
pub const SIGN_UPS_PER_ADDRESS: Limit = Limit {
    name: "signup",
    max: 10,
    window_ms: HOUR_MS,
};
/// Failed sign-ins per account email, whether or not the account exists.
pub const SIGN_IN_FAILURES_PER_ACCOUNT: Limit = Limit {
    name: "signin-account",
    max: 10,
    window_ms: 15 * MINUTE_MS,
};
/// Failed sign-ins per client address, across all accounts.
pub const SIGN_IN_FAILURES_PER_ADDRESS: Limit = Limit {
    name: "signin-address",
    max: 30,
    window_ms: 15 * MINUTE_MS,
};
/// Dynamic client registrations per client address: each is a stored client.
pub const REGISTRATIONS_PER_ADDRESS: Limit = Limit {
    name: "register",
    max: 20,
    window_ms: HOUR_MS,
};
/// Metadata documents fetched on behalf of one client address (cache misses only): each
/// is a request this Worker sends to a host the client chose.
pub const DOCUMENT_FETCHES_PER_ADDRESS: Limit = Limit {
    name: "document-fetch",
    max: 20,
    window_ms: 10 * MINUTE_MS,
};
/// Failed token and revocation requests per client address.
pub const TOKEN_FAILURES_PER_ADDRESS: Limit = Limit {
    name: "token",
    max: 30,
    window_ms: 10 * MINUTE_MS,
};
/// Failed consent decisions (stale form, request that no longer checks out) per address.
pub const CONSENT_FAILURES_PER_ADDRESS: Limit = Limit {
    name: "consent",
    max: 30,
    window_ms: 10 * MINUTE_MS,
};
/// Leak reports that fail verification (unsigned, forged, unknown key, malformed), per
/// address: each costs a signature check. GitHub's genuine reports hand theirs back.
pub const LEAK_REPORT_FAILURES_PER_ADDRESS: Limit = Limit {
    name: "leak-report",
    max: 30,
    window_ms: 10 * MINUTE_MS,
};
/// Keys a user mints on the page, so a signed-in loop cannot grow D1 at will.
pub const MINTS_PER_USER: Limit = Limit {
    name: "mint",
    max: 60,
    window_ms: HOUR_MS,
};

/// Every limit, for the README's list and the scheduled cleanup.
pub const ALL: [Limit; 9] = [
    SIGN_UPS_PER_ADDRESS,
    SIGN_IN_FAILURES_PER_ACCOUNT,
    SIGN_IN_FAILURES_PER_ADDRESS,
    REGISTRATIONS_PER_ADDRESS,
    DOCUMENT_FETCHES_PER_ADDRESS,
    TOKEN_FAILURES_PER_ADDRESS,
    CONSENT_FAILURES_PER_ADDRESS,
    LEAK_REPORT_FAILURES_PER_ADDRESS,
    MINTS_PER_USER,
];

/// Counter rows are kept this long after their window began, then removed by the
/// scheduled cleanup; longer than any window.
pub const COUNTER_RETENTION_MS: i64 = 24 * HOUR_MS;
const _: () = {
    let mut index = 0;
    while index < ALL.len() {
        assert!(ALL[index].window_ms < COUNTER_RETENTION_MS);
        index += 1;
    }
};

impl Limit {
    /// The counter's key: the limit's name and a hash of the subject, so the table holds
    /// no email or address in the clear.
    pub fn bucket(&self, subject: &str) -> String {
        let digest = sha256_hex(format!("{}\0{subject}", self.name).as_bytes());
        format!("{}:{}", self.name, &digest[..32])
    }

    /// Seconds to wait, when an attempt that brought the counter of the window that began
    /// at `window_started_at` to `count` is over the limit; `None` when it may proceed.
    pub fn retry_after(&self, window_started_at: i64, count: i64, now: i64) -> Option<i64> {
        // Saturating: the stored values come from Date.now(), but a corrupt row must not panic.
        let window_ends_at = window_started_at.saturating_add(self.window_ms);
        (count > self.max && now < window_ends_at)
            .then(|| window_ends_at.saturating_sub(now).saturating_add(999) / 1000)
    }
}

#[cfg(test)]
mod tests;
