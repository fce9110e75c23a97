//! Limits on failure paths: repeated failed sign-ins for one account. Successful requests
//! never pay for these.

/// Failed sign-ins allowed for one email per window before sign-in is refused.
pub const LOGIN_FAILURE_LIMIT: i64 = 10;
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Seconds to wait before the next sign-in attempt for an email, or `None` when attempts
/// are allowed. `window_started_at` and `failures` come from the stored counter.
pub fn login_retry_after(window_started_at: i64, failures: i64, now: i64) -> Option<i64> {
    // Saturating: the stored values come from Date.now(), but a corrupt row must not panic.
    let window_ends_at = window_started_at.saturating_add(LOGIN_WINDOW_MS);
    (failures >= LOGIN_FAILURE_LIMIT && now < window_ends_at)
        .then(|| window_ends_at.saturating_sub(now).saturating_add(999) / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_is_allowed_below_the_limit() {
        assert_eq!(login_retry_after(0, LOGIN_FAILURE_LIMIT - 1, 1_000), None);
    }

    #[test]
    fn sign_in_is_refused_at_the_limit_until_the_window_ends() {
        let retry = login_retry_after(0, LOGIN_FAILURE_LIMIT, 1_000).expect("refused");
        assert_eq!(retry, (LOGIN_WINDOW_MS - 1_000) / 1000);
        assert_eq!(
            login_retry_after(0, LOGIN_FAILURE_LIMIT, LOGIN_WINDOW_MS - 1),
            Some(1)
        );
    }

    #[test]
    fn extreme_stored_values_do_not_panic() {
        assert!(login_retry_after(i64::MAX, LOGIN_FAILURE_LIMIT, i64::MIN).is_some());
        assert_eq!(
            login_retry_after(i64::MIN, LOGIN_FAILURE_LIMIT, i64::MAX),
            None
        );
    }

    #[test]
    fn an_old_window_no_longer_refuses() {
        assert_eq!(
            login_retry_after(0, LOGIN_FAILURE_LIMIT * 5, LOGIN_WINDOW_MS),
            None
        );
    }
}
