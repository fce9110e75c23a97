use super::*;

const LIMIT: Limit = SIGN_IN_FAILURES_PER_ACCOUNT;

#[test]
fn attempts_up_to_the_limit_proceed() {
    for count in 1..=LIMIT.max {
        assert_eq!(LIMIT.retry_after(0, count, 1_000), None, "{count}");
    }
}

#[test]
fn the_attempt_past_the_limit_waits_until_the_window_ends() {
    let retry = LIMIT.retry_after(0, LIMIT.max + 1, 1_000).expect("refused");
    assert_eq!(retry, (LIMIT.window_ms - 1_000) / 1000);
    assert_eq!(
        LIMIT.retry_after(0, LIMIT.max + 1, LIMIT.window_ms - 1),
        Some(1)
    );
}

#[test]
fn an_old_window_no_longer_refuses() {
    assert_eq!(LIMIT.retry_after(0, LIMIT.max * 5, LIMIT.window_ms), None);
}

#[test]
fn extreme_stored_values_do_not_panic() {
    assert!(LIMIT
        .retry_after(i64::MAX, LIMIT.max + 1, i64::MIN)
        .is_some());
    assert_eq!(LIMIT.retry_after(i64::MIN, LIMIT.max + 1, i64::MAX), None);
}

#[test]
fn buckets_keep_limits_and_subjects_apart_and_hold_no_subject_in_the_clear() {
    let email = "ada@example.com";
    let bucket = SIGN_IN_FAILURES_PER_ACCOUNT.bucket(email);
    assert!(bucket.starts_with("signin-account:"));
    assert!(!bucket.contains("ada"));
    assert_eq!(bucket, SIGN_IN_FAILURES_PER_ACCOUNT.bucket(email));
    assert_ne!(bucket, SIGN_IN_FAILURES_PER_ADDRESS.bucket(email));
    assert_ne!(
        bucket,
        SIGN_IN_FAILURES_PER_ACCOUNT.bucket("bob@example.com")
    );
}

#[test]
fn every_limit_has_a_distinct_name() {
    let mut names: Vec<_> = ALL.iter().map(|limit| limit.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ALL.len());
}
