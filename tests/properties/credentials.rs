//! `credentials`: bearer headers and the session cookie.

use crate::common::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::Index;

use hadron_keys::credentials::{
    parse_bearer, session_cookie_name, Bearer, SessionToken, SESSION_COOKIE,
};
use hadron_keys::crypto::sha256_hex;

/// `bearer` in any mix of upper and lower case.
fn bearer_scheme() -> impl Strategy<Value = String> {
    vec(any::<bool>(), 6).prop_map(|upper| {
        "bearer"
            .chars()
            .zip(upper)
            .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

proptest! {
    #[test]
    fn a_bearer_token_is_always_one_visible_ascii_word(header in option::of(prop_oneof![
        text(),
        "[ \t]{0,2}(bearer|Bearer|BEARER|Basic)[ \t]{0,2}[!-~ \t\x00\u{e9}]{0,20}",
    ])) {
        match parse_bearer(header.as_deref()) {
            Bearer::Token(token) => {
                prop_assert!(!token.is_empty());
                prop_assert!(token.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{:?}", token);
                let header = header.as_deref().unwrap_or_default().trim_matches([' ', '\t']);
                prop_assert!(header.ends_with(token));
                prop_assert!(header[..6].eq_ignore_ascii_case("bearer"));
            }
            Bearer::Absent | Bearer::Malformed => {}
        }
    }

    #[test]
    fn a_bearer_header_yields_its_token_whatever_the_case_and_blanks(
        leading in "[ \t]{0,3}",
        scheme in bearer_scheme(),
        separator in "[ \t]{1,4}",
        token in "[!-~]{1,80}",
        trailing in "[ \t]{0,3}",
    ) {
        let header = format!("{leading}{scheme}{separator}{token}{trailing}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Token(&token));
    }

    #[test]
    fn a_bearer_token_with_a_blank_or_invisible_character_inside_is_malformed(
        scheme in bearer_scheme(),
        before in "[!-~]{1,20}",
        inside in prop_oneof![
            "[ \t]{1,3}",
            any::<char>()
                .prop_filter("not visible ASCII", |c| !c.is_ascii_graphic())
                .prop_map(String::from),
        ],
        after in "[!-~]{1,20}",
    ) {
        let header = format!("{scheme} {before}{inside}{after}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Malformed);
    }

    #[test]
    fn bearer_with_no_token_is_malformed(scheme in bearer_scheme(), blanks in "[ \t]{0,4}") {
        let header = format!("{scheme}{blanks}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Malformed);
    }

    #[test]
    fn any_other_scheme_offers_no_bearer_token(
        scheme in "[!-~]{1,12}".prop_filter("not bearer", |s| !s.eq_ignore_ascii_case("bearer")),
        rest in text(),
    ) {
        let header = format!("{scheme} {rest}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Absent);
    }

    #[test]
    fn the_session_cookie_is_found_among_any_other_cookies(
        https in any::<bool>(),
        others in vec(
            (
                "[a-z_]{1,16}".prop_filter("another cookie", |n| n != SESSION_COOKIE),
                "[A-Za-z0-9%._=-]{0,20}",
            ),
            0..5,
        ),
        position in any::<Index>(),
        value in "[0-9a-f]{64}",
        blanks in "[ ]{0,2}",
    ) {
        let name = session_cookie_name(https);
        let mut cookies: Vec<String> = others.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let ours = format!("{name}={blanks}{value}");
        cookies.insert(position.index(cookies.len() + 1), ours);
        let header = cookies.join("; ");
        let found = SessionToken::from_cookie_header(Some(&header), https);
        prop_assert_eq!(
            found.map(|token| token.hash().as_str().to_owned()),
            Some(sha256_hex(value.as_bytes()))
        );
        // Read under the other scheme's name, it is not there.
        prop_assert!(SessionToken::from_cookie_header(Some(&header), !https).is_none());
    }

    #[test]
    fn a_session_cookie_sent_twice_signs_the_request_out(
        https in any::<bool>(),
        first in "[0-9a-f]{64}",
        second in "[0-9a-f]{64}",
        between in vec("[a-z]{1,8}=[a-z0-9]{0,8}", 0..3),
    ) {
        let name = session_cookie_name(https);
        let mut cookies = vec![format!("{name}={first}")];
        cookies.extend(between);
        cookies.push(format!("{name}={second}"));
        prop_assert!(SessionToken::from_cookie_header(Some(&cookies.join("; ")), https).is_none());
    }

    #[test]
    fn a_session_cookie_that_is_not_64_lower_hex_is_ignored(
        value in prop_oneof![text(), "[0-9a-fA-F]{60,68}"]
            .prop_filter("not a session token", |v| {
                !v.contains(';') && !is_prefixed_lower_hex(v.trim(), "", 64)
            }),
    ) {
        let header = format!("{SESSION_COOKIE}={value}");
        prop_assert!(SessionToken::from_cookie_header(Some(&header), false).is_none());
    }
}
