use super::*;

#[test]
fn a_missing_header_offers_no_token() {
    assert_eq!(parse_bearer(None), Bearer::Absent);
}

#[test]
fn other_schemes_offer_no_bearer_token() {
    assert_eq!(parse_bearer(Some("Basic dXNlcjpwYXNz")), Bearer::Absent);
    assert_eq!(parse_bearer(Some("hdr_user_abc")), Bearer::Absent);
    assert_eq!(parse_bearer(Some("")), Bearer::Absent);
    assert_eq!(parse_bearer(Some("Bearerx token")), Bearer::Absent);
}

#[test]
fn the_scheme_is_case_insensitive() {
    for header in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR abc"] {
        assert_eq!(parse_bearer(Some(header)), Bearer::Token("abc"), "{header}");
    }
}

#[test]
fn extra_spaces_around_the_token_are_tolerated() {
    assert_eq!(parse_bearer(Some("Bearer    abc")), Bearer::Token("abc"));
    assert_eq!(parse_bearer(Some("  Bearer abc  ")), Bearer::Token("abc"));
    assert_eq!(parse_bearer(Some("Bearer\tabc")), Bearer::Token("abc"));
}

#[test]
fn an_empty_token_is_malformed() {
    assert_eq!(parse_bearer(Some("Bearer")), Bearer::Malformed);
    assert_eq!(parse_bearer(Some("Bearer ")), Bearer::Malformed);
    assert_eq!(parse_bearer(Some("Bearer    ")), Bearer::Malformed);
}

#[test]
fn two_tokens_are_malformed() {
    assert_eq!(parse_bearer(Some("Bearer abc def")), Bearer::Malformed);
    assert_eq!(
        parse_bearer(Some("Bearer abc, Bearer def")),
        Bearer::Malformed
    );
}

#[test]
fn non_ascii_tokens_are_malformed() {
    assert_eq!(parse_bearer(Some("Bearer abcé")), Bearer::Malformed);
    assert_eq!(parse_bearer(Some("Bearer \u{0}abc")), Bearer::Malformed);
}

#[test]
fn the_session_cookie_is_found_among_others() {
    let token = "ab".repeat(32);
    let header = format!("theme=dark; {SESSION_COOKIE}={token}; other=1");
    let found = SessionToken::from_cookie_header(Some(&header), false).expect("cookie found");
    assert_eq!(
        found.hash().as_str(),
        crate::crypto::sha256_hex(token.as_bytes())
    );
}

#[test]
fn a_malformed_session_cookie_is_ignored() {
    assert!(SessionToken::from_cookie_header(None, false).is_none());
    assert!(SessionToken::from_cookie_header(Some("hadron_session=short"), false).is_none());
    assert!(SessionToken::from_cookie_header(Some("xhadron_session=00"), false).is_none());
    let upper = format!("{SESSION_COOKIE}={}", "AB".repeat(32));
    assert!(SessionToken::from_cookie_header(Some(&upper), false).is_none());
}

#[test]
fn session_cookies_are_http_only_lax_and_secure_on_https() {
    let token = SessionToken::generate();
    let insecure = token.set_cookie(false);
    assert!(insecure.contains("HttpOnly") && insecure.contains("SameSite=Lax"));
    assert!(!insecure.contains("Secure"));
    assert!(token.set_cookie(true).ends_with("; Secure"));
    assert!(clear_session_cookie(true).contains("Max-Age=0"));
}

#[test]
fn over_https_the_cookie_is_host_prefixed_and_secure() {
    let token = SessionToken::generate();
    let cookie = token.set_cookie(true);
    assert!(cookie.starts_with("__Host-hadron_session="));
    assert!(cookie.contains("; Path=/;") && cookie.ends_with("; Secure"));
    assert!(!cookie.contains("Domain"));
    assert!(clear_session_cookie(true).starts_with("__Host-hadron_session=;"));
    assert!(token.set_cookie(false).starts_with("hadron_session="));
}

#[test]
fn each_scheme_reads_only_its_own_cookie_name() {
    let value = "cd".repeat(32);
    let plain = format!("hadron_session={value}");
    let prefixed = format!("__Host-hadron_session={value}");
    assert!(SessionToken::from_cookie_header(Some(&plain), false).is_some());
    assert!(SessionToken::from_cookie_header(Some(&plain), true).is_none());
    assert!(SessionToken::from_cookie_header(Some(&prefixed), true).is_some());
    assert!(SessionToken::from_cookie_header(Some(&prefixed), false).is_none());
}

#[test]
fn a_session_cookie_sent_twice_is_no_session() {
    let header = format!(
        "hadron_session={}; theme=dark; hadron_session={}",
        "ab".repeat(32),
        "cd".repeat(32)
    );
    assert!(SessionToken::from_cookie_header(Some(&header), false).is_none());
    let same_twice = format!("hadron_session={0}; hadron_session={0}", "ab".repeat(32));
    assert!(SessionToken::from_cookie_header(Some(&same_twice), false).is_none());
}
