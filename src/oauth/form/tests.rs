use super::*;
use crate::oauth::test_fixtures::params as pairs;

#[test]
fn form_encoding_is_decoded_including_plus_as_space() {
    assert_eq!(
        parse("a=1&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&scope=mcp+x&empty="),
        pairs(&[
            ("a", "1"),
            ("redirect_uri", "http://127.0.0.1:8080/cb"),
            ("scope", "mcp x"),
            ("empty", ""),
        ])
    );
}

#[test]
fn malformed_escapes_decode_without_failing() {
    assert_eq!(
        parse("a=%zz&b=%ff"),
        pairs(&[("a", "%zz"), ("b", "\u{fffd}")])
    );
}

#[test]
fn encoding_escapes_everything_a_query_value_cannot_hold() {
    assert_eq!(
        encode(&[("state", "a b&c=d/é"), ("code", "abc")]),
        "state=a+b%26c%3Dd%2F%C3%A9&code=abc"
    );
}

#[test]
fn a_component_decodes_plus_and_escapes() {
    assert_eq!(decode_component("a+b%3Ac%25").as_deref(), Some("a b:c%"));
    assert_eq!(decode_component("%C3%A9").as_deref(), Some("é"));
    assert_eq!(decode_component("plain").as_deref(), Some("plain"));
}

#[test]
fn a_component_with_a_bad_escape_or_bad_utf8_does_not_decode() {
    for bad in ["%", "%4", "%zz", "%+1", "%ff", "a%C3"] {
        assert_eq!(decode_component(bad), None, "{bad}");
    }
}

#[test]
fn a_single_parameter_is_found() {
    let params = pairs(&[("a", "1"), ("b", "2")]);
    assert_eq!(single(&params, "b"), Ok(Some("2")));
    assert_eq!(single(&params, "c"), Ok(None));
}

#[test]
fn a_repeated_parameter_is_an_error() {
    let params = pairs(&[("a", "1"), ("a", "1")]);
    assert_eq!(single(&params, "a"), Err(Duplicated("a".into())));
}

#[test]
fn empty_values_count_as_omitted() {
    let params = pairs(&[("state", ""), ("scope", ""), ("scope", "mcp")]);
    assert_eq!(single(&params, "state"), Ok(None));
    assert_eq!(single(&params, "scope"), Ok(Some("mcp")));
}

#[test]
fn names_are_case_sensitive() {
    let params = pairs(&[("State", "x")]);
    assert_eq!(single(&params, "state"), Ok(None));
}
