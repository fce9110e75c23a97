use serde_json::Value;

use super::*;

/// The inputs the portal's `next-path.js` is tested on too.
fn fixture() -> Value {
    serde_json::from_str(include_str!("../../tests/fixtures/next-paths.json"))
        .expect("tests/fixtures/next-paths.json is JSON")
}

#[test]
fn same_site_paths_are_kept_normalised_with_their_query_and_fragment() {
    let fixture = fixture();
    let kept = fixture["kept"].as_array().expect("a list");
    assert!(!kept.is_empty());
    for pair in kept {
        let (raw, expected) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        assert_eq!(safe_next_path(raw).as_deref(), Some(expected), "{raw:?}");
    }
}

#[test]
fn anything_that_could_leave_the_site_or_loop_back_to_sign_in_is_refused() {
    let fixture = fixture();
    let refused = fixture["refused"].as_array().expect("a list");
    assert!(refused.len() > 20);
    for raw in refused {
        let raw = raw.as_str().unwrap();
        assert_eq!(safe_next_path(raw), None, "{raw:?}");
    }
}
