//! `time` and `throttle`: RFC 3339 timestamps and retry-after windows.

use proptest::prelude::*;
use proptest::sample::select;

use hadron_keys::throttle::{self, Limit};
use hadron_keys::time::rfc3339;

/// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in Unix milliseconds.
const YEAR_0_MS: i64 = -62_167_219_200_000;
const YEAR_10000_MS: i64 = 253_402_300_800_000;

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since the epoch of a civil UTC time in years 0..=9999, counted directly: the
/// leap years before `year` (year 0 is one), then the months and days.
fn unix_seconds(year: i64, month: i64, day: i64, hms: (i64, i64, i64)) -> i64 {
    let days_before_year = 365 * year + (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
    let days_before_month: i64 = (1..month).map(|m| days_in_month(year, m)).sum();
    let days = days_before_year + days_before_month + day - 1 - 719_528;
    days * 86_400 + hms.0 * 3600 + hms.1 * 60 + hms.2
}

/// Every gap from "same second" to "thousands of years".
fn time_gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..2_000,
        0i64..200_000_000,
        0i64..(YEAR_10000_MS - YEAR_0_MS)
    ]
}

proptest! {
    #[test]
    fn rfc3339_has_the_fixed_shape_and_names_the_same_second(ms in YEAR_0_MS..YEAR_10000_MS) {
        let text = rfc3339(ms);
        let b = text.as_bytes();
        // ^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$
        let shape_ok = b.len() == 20
            && b.iter().enumerate().all(|(i, &c)| match i {
                4 | 7 => c == b'-',
                10 => c == b'T',
                13 | 16 => c == b':',
                19 => c == b'Z',
                _ => c.is_ascii_digit(),
            });
        prop_assert!(shape_ok, "{}", text);
        let number = |range: std::ops::Range<usize>| text[range].parse::<i64>().unwrap();
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
        prop_assert!((1..=12).contains(&month), "{}", text);
        prop_assert!((1..=days_in_month(year, month)).contains(&day), "{}", text);
        prop_assert!(hour < 24 && minute < 60 && second < 60, "{}", text);
        let seconds = unix_seconds(year, month, day, (hour, minute, second));
        prop_assert_eq!(seconds, ms.div_euclid(1000));
    }

    #[test]
    fn rfc3339_is_monotonic_and_changes_exactly_when_the_second_does(
        earlier in YEAR_0_MS..YEAR_10000_MS,
        gap in time_gap(),
    ) {
        let later = earlier.saturating_add(gap).min(YEAR_10000_MS - 1);
        let (a, b) = (rfc3339(earlier), rfc3339(later));
        prop_assert!(a <= b, "{} > {}", a, b);
        prop_assert_eq!(a == b, earlier.div_euclid(1000) == later.div_euclid(1000));
    }

    #[test]
    fn rfc3339_is_total_on_any_instant(ms in any::<i64>()) {
        prop_assert!(rfc3339(ms).ends_with('Z'));
    }

    #[test]
    fn a_retry_after_is_given_only_within_the_window_and_is_just_long_enough(
        limit in select(throttle::ALL.to_vec()),
        // Stored times come from Date.now(): Unix milliseconds, well inside 2^53.
        window_started_at in 0i64..(1 << 53),
        count in 0i64..200,
        // Anywhere around the window, and often within two seconds of either end.
        offset_seed in prop_oneof![
            (-1.0f64..2.0).prop_map(|f| (f, 0)),
            (-2_000i64..2_000).prop_map(|ms| (0.0, ms)),
            (-2_000i64..2_000).prop_map(|ms| (1.0, ms)),
            select(vec![(0.0, 0), (1.0, -1_000), (1.0, -1), (1.0, 0)]),
        ],
    ) {
        let limit: Limit = limit;
        let (fraction, extra) = offset_seed;
        let offset = (limit.window_ms as f64 * fraction) as i64 + extra;
        let now = window_started_at + offset;
        let window_ends_at = window_started_at + limit.window_ms;
        let refused = count > limit.max && now < window_ends_at;
        match limit.retry_after(window_started_at, count, now) {
            None => prop_assert!(!refused),
            Some(seconds) => {
                prop_assert!(refused);
                prop_assert!(seconds >= 1);
                let remaining_ms = window_ends_at - now;
                prop_assert!(seconds * 1000 >= remaining_ms && (seconds - 1) * 1000 < remaining_ms);
                if now >= window_started_at {
                    prop_assert!(seconds <= limit.window_ms / 1000);
                }
            }
        }
    }
}
