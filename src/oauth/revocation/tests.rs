use super::*;
use crate::oauth::error::OAuthErrorCode;
use crate::oauth::test_fixtures::params;

#[test]
fn the_token_and_hint_are_read() {
    let request = parse_revocation_request(&params(&[
        ("token", "hdr_user_abc"),
        ("token_type_hint", "access_token"),
    ]))
    .unwrap();
    assert_eq!(request.token, "hdr_user_abc");
    assert_eq!(request.token_type_hint.as_deref(), Some("access_token"));
}

#[test]
fn the_hint_is_optional_and_any_value_is_tolerated() {
    let plain = parse_revocation_request(&params(&[("token", "t")])).unwrap();
    assert_eq!(plain.token_type_hint, None);
    assert!(parse_revocation_request(&params(&[
        ("token", "t"),
        ("token_type_hint", "refresh_token")
    ]))
    .is_ok());
}

#[test]
fn a_missing_or_repeated_token_is_an_invalid_request() {
    for body in [
        params(&[]),
        params(&[("token", "")]),
        params(&[("token", "a"), ("token", "b")]),
    ] {
        assert_eq!(
            parse_revocation_request(&body).unwrap_err().error,
            OAuthErrorCode::InvalidRequest
        );
    }
}

#[test]
fn debug_output_never_contains_the_token() {
    let request = parse_revocation_request(&params(&[("token", "hdr_user_secret")])).unwrap();
    assert!(!format!("{request:?}").contains("hdr_user_secret"));
}
