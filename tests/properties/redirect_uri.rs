//! `oauth::redirect_uri`: which redirect URIs are accepted and which match. Its strategies
//! serve the registration and authorization properties too.

use crate::common::*;
use proptest::option;
use proptest::prelude::*;

use hadron_keys::oauth::redirect_uri::{
    matches, RedirectKind, RedirectUri, RedirectUriError, KNOWN_APP_SCHEMES, MAX_REDIRECT_URI_LEN,
};

fn loopback_host() -> impl Strategy<Value = String> {
    prop_oneof![
        strings(&["127.0.0.1", "localhost", "LocalHost", "[::1]"]),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| format!("127.{a}.{b}.{c}")),
    ]
}

fn port() -> impl Strategy<Value = String> {
    option::of(0u32..=65_535).prop_map(|port| port.map(|p| format!(":{p}")).unwrap_or_default())
}

fn uri_path() -> impl Strategy<Value = String> {
    "(/[A-Za-z0-9._~!$&'()*+,;=:@-]{0,8}){1,4}"
}

fn uri_query() -> impl Strategy<Value = String> {
    option::of("[A-Za-z0-9=&._~/?-]{0,12}")
        .prop_map(|q| q.map(|q| format!("?{q}")).unwrap_or_default())
}

/// Host, `:port` or nothing, a path or nothing, `?query` or nothing.
type LoopbackParts = (String, String, String, String);

fn loopback_parts() -> impl Strategy<Value = LoopbackParts> {
    (
        loopback_host(),
        port(),
        prop_oneof![Just(String::new()), uri_path()],
        uri_query(),
    )
}

pub(crate) fn loopback_uri() -> impl Strategy<Value = String> {
    loopback_parts()
        .prop_map(|(host, port, path, query)| format!("http://{host}{port}{path}{query}"))
}

pub(crate) fn https_uri() -> impl Strategy<Value = String> {
    // Hosts start with a letter: an all-digit host is read as an IPv4 number, and some
    // (`09`, `4294967296`) are not valid ones.
    concat!(
        "(https|HTTPS)://[a-z][a-z0-9]{0,9}(\\.[a-z]{2,6}){0,2}(:[0-9]{1,4})?",
        "(/[A-Za-z0-9._~-]{0,8}){0,3}(\\?[A-Za-z0-9=&]{0,10})?",
    )
}

fn private_use_uri() -> impl Strategy<Value = String> {
    prop_oneof![
        "(com|io|org)\\.[a-z]{1,8}(\\.[a-z]{1,8}){0,2}:/[A-Za-z0-9/._~-]{0,20}",
        "(cursor|vscode|vscode-insiders)://[a-z.-]{1,20}/[A-Za-z0-9/._~-]{0,20}",
    ]
}

pub(crate) fn valid_redirect_uri() -> impl Strategy<Value = String> {
    prop_oneof![loopback_uri(), https_uri(), private_use_uri()]
}

/// Hosts that are not loopback in any spelling our rule accepts.
fn non_loopback_host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,10}(\\.[a-z]{2,6}){0,2}".prop_filter("not localhost", |h| h != "localhost"),
        (
            any::<u8>().prop_filter("not 127", |a| *a != 127),
            any::<u8>(),
            any::<u8>(),
            any::<u8>()
        )
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        "localhost\\.[a-z]{1,6}",
        "127\\.[1-9]\\.[1-9]",
        strings(&["[::2]", "[::]", "[0:0:0:0:0:0:0:1]", "127.1", "0x7f.0.0.1"]),
    ]
}

pub(crate) fn uri_like() -> impl Strategy<Value = String> {
    prop_oneof![
        valid_redirect_uri(),
        (non_loopback_host(), port(), uri_path())
            .prop_map(|(h, p, path)| format!("http://{h}{p}{path}")),
        (valid_redirect_uri(), edit()).prop_map(|(uri, edit)| edit.apply(&uri)),
        "[a-zA-Z][a-zA-Z0-9+.-]{0,8}:[!-~]{0,40}",
        text(),
    ]
}

/// RFC 3986 characters: unreserved, reserved, and `%` with two hex digits.
fn is_uri_text(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b.is_ascii_alphanumeric()
            || b"-._~:/?#[]@!$&'()*+,;=".contains(&b)
            || (b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

proptest! {
    #[test]
    fn an_accepted_redirect_uri_is_kept_verbatim_and_clean(raw in uri_like()) {
        if let Ok(uri) = RedirectUri::parse(&raw) {
            prop_assert_eq!(uri.as_str(), raw.as_str());
            prop_assert!(raw.len() <= MAX_REDIRECT_URI_LEN);
            prop_assert!(!raw.contains('#'));
            prop_assert!(is_uri_text(&raw));
            let scheme = raw.split_once(':').unwrap().0.to_ascii_lowercase();
            match uri.kind() {
                RedirectKind::Https => {
                    prop_assert!(raw.to_ascii_lowercase().starts_with("https://"));
                }
                RedirectKind::Loopback => prop_assert!(raw.starts_with("http://")),
                RedirectKind::PrivateUse => prop_assert!(
                    scheme.contains('.') || KNOWN_APP_SCHEMES.contains(&scheme.as_str())
                ),
            }
            prop_assert!(matches(&raw, &raw));
        }
    }

    #[test]
    fn the_valid_shapes_are_accepted_as_their_kind(
        loopback in loopback_uri(),
        https in https_uri(),
        private in private_use_uri(),
    ) {
        let kind = |raw: &str| RedirectUri::parse(raw).map(|uri| uri.kind());
        prop_assert_eq!(kind(&loopback), Ok(RedirectKind::Loopback));
        prop_assert_eq!(kind(&https), Ok(RedirectKind::Https));
        prop_assert_eq!(kind(&private), Ok(RedirectKind::PrivateUse));
    }

    #[test]
    fn anything_with_a_fragment_is_refused(uri in uri_like(), fragment in text()) {
        let with_fragment = format!("{uri}#{fragment}");
        prop_assert!(RedirectUri::parse(&with_fragment).is_err(), "{:?}", with_fragment);
    }

    #[test]
    fn http_on_a_host_that_is_not_loopback_is_refused(
        host in non_loopback_host(),
        port in port(),
        path in prop_oneof![Just(String::new()), uri_path()],
    ) {
        let uri = format!("http://{host}{port}{path}");
        prop_assert_eq!(RedirectUri::parse(&uri), Err(RedirectUriError::HttpNotLoopback));
    }

    #[test]
    fn userinfo_is_refused(
        uri in prop_oneof![https_uri(), loopback_uri()],
        user in "[a-z0-9]{1,8}(:[a-z0-9]{0,8})?",
    ) {
        let (scheme, rest) = uri.split_once("://").unwrap();
        let with_user = format!("{scheme}://{user}@{rest}");
        prop_assert_eq!(RedirectUri::parse(&with_user), Err(RedirectUriError::Userinfo));
    }

    #[test]
    fn a_loopback_redirect_matches_on_any_port(
        host in loopback_host(),
        registered_port in port(),
        presented_port in port(),
        path in prop_oneof![Just(String::new()), uri_path()],
        query in uri_query(),
    ) {
        let registered = format!("http://{host}{registered_port}{path}{query}");
        let presented = format!("http://{host}{presented_port}{path}{query}");
        prop_assert!(matches(&registered, &presented));
    }

    #[test]
    fn two_loopback_redirects_match_when_only_their_ports_differ(
        registered in loopback_parts(),
        presented in loopback_parts(),
    ) {
        // An empty path is the root path (RFC 3986 §6.2.3).
        let place = |(host, _, path, query): &LoopbackParts| {
            let path = if path.is_empty() { "/" } else { path.as_str() };
            (host.clone(), format!("{path}{query}"))
        };
        let uri = |(host, port, path, query): &LoopbackParts| {
            format!("http://{host}{port}{path}{query}")
        };
        prop_assert_eq!(
            matches(&uri(&registered), &uri(&presented)),
            place(&registered) == place(&presented),
            "{} vs {}", uri(&registered), uri(&presented)
        );
    }

    #[test]
    fn a_loopback_redirect_with_another_path_does_not_match(
        host in loopback_host(),
        registered_port in port(),
        presented_port in port(),
        (registered_path, presented_path) in (uri_path(), uri_path())
            .prop_filter("different", |(a, b)| a != b),
        query in uri_query(),
    ) {
        let registered = format!("http://{host}{registered_port}{registered_path}{query}");
        let presented = format!("http://{host}{presented_port}{presented_path}{query}");
        prop_assert!(!matches(&registered, &presented));
    }

    #[test]
    fn other_redirects_match_only_character_for_character(
        registered in prop_oneof![https_uri(), private_use_uri()],
        edit in edit(),
    ) {
        let presented = edit.apply(&registered);
        prop_assert_eq!(matches(&registered, &presented), registered == presented);
    }
}
