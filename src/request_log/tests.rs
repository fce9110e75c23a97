use proptest::prelude::*;

use super::*;

/// The line as it was written before: a `serde_json::Value`, serialised.
fn oracle(log: &RequestLog<'_>) -> String {
    serde_json::json!({
        "method": log.method,
        "route": log.route,
        "status": log.status,
        "duration_ms": log.duration_ms,
        "key_id": log.key_id,
    })
    .to_string()
}

#[test]
fn an_accepted_request_names_its_key() {
    let log = RequestLog {
        method: "POST",
        route: "/mcp",
        status: 200,
        duration_ms: 3,
        key_id: Some("key_0123"),
    };
    assert_eq!(
        log.to_line(),
        r#"{"duration_ms":3,"key_id":"key_0123","method":"POST","route":"/mcp","status":200}"#
    );
}

#[test]
fn a_request_without_a_key_logs_null() {
    let log = RequestLog {
        method: "GET",
        route: "(unmatched)",
        status: 404,
        duration_ms: 0,
        key_id: None,
    };
    assert_eq!(log.to_line(), oracle(&log));
    assert!(log.to_line().contains(r#""key_id":null"#));
}

#[test]
fn quotes_backslashes_and_control_characters_are_escaped_like_serde_json() {
    for value in [
        "a\"b",
        "back\\slash",
        "line\nbreak\r\t",
        "\u{0}\u{1f}\u{7f}",
        "\u{8}\u{c}",
        "é ✓ 🦀",
    ] {
        let mut line = String::new();
        push_json_string(&mut line, value);
        assert_eq!(line, serde_json::to_string(value).unwrap(), "{value:?}");
    }
}

proptest! {
    #[test]
    fn the_line_is_the_one_serde_json_wrote(
        method in any::<String>(),
        route in any::<String>(),
        status in any::<u16>(),
        duration_ms in any::<i64>(),
        key_id in proptest::option::of(any::<String>()),
    ) {
        let log = RequestLog { method: &method, route: &route, status, duration_ms, key_id: key_id.as_deref() };
        prop_assert_eq!(log.to_line(), oracle(&log));
    }
}
