//! Reading credentials out of request headers: the bearer token of `/mcp` and the portal's
//! session cookie. Pure string rules, unit-tested on the host.

use crate::crypto::{is_lower_hex, random_hex, sha256_hex};

/// What an `Authorization` header holds, as far as bearer authentication is concerned.
#[derive(Debug, PartialEq, Eq)]
pub enum Bearer<'a> {
    /// No header, or a scheme other than Bearer: no token was offered.
    Absent,
    /// `Bearer` with something that cannot be a token (empty, two tokens, non-ASCII).
    Malformed,
    /// One token, not yet checked against the key format.
    Token(&'a str),
}

/// RFC 6750 §2.1: `Bearer` (any case), one or more spaces, then one token of visible
/// ASCII characters.
pub fn parse_bearer(header: Option<&str>) -> Bearer<'_> {
    let Some(header) = header else {
        return Bearer::Absent;
    };
    let header = header.trim_matches(|c| c == ' ' || c == '\t');
    let (scheme, rest) = match header.split_once([' ', '\t']) {
        Some(parts) => parts,
        None => (header, ""),
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Bearer::Absent;
    }
    let token = rest.trim_start_matches([' ', '\t']);
    let is_one_visible_ascii_token =
        !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
    if is_one_visible_ascii_token {
        Bearer::Token(token)
    } else {
        Bearer::Malformed
    }
}

pub const SESSION_COOKIE: &str = "hadron_session";
/// How long a portal session lasts without signing in again.
pub const SESSION_TTL_SECONDS: i64 = 30 * 24 * 60 * 60;

/// A portal session token: 32 random bytes as hex, kept only in the browser's cookie.
/// The database stores its SHA-256.
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate() -> Self {
        SessionToken(random_hex::<32>())
    }

    /// Finds our cookie in a `Cookie` header and checks its shape.
    pub fn from_cookie_header(header: Option<&str>) -> Option<Self> {
        header?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == SESSION_COOKIE)
            .map(|(_, value)| value.trim())
            .filter(|value| is_lower_hex(value, 64))
            .map(|value| SessionToken(value.to_owned()))
    }

    pub fn hash(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }

    /// The `Set-Cookie` value that stores this session in the browser.
    pub fn set_cookie(&self, secure: bool) -> String {
        format!(
            "{SESSION_COOKIE}={}; Path=/; Max-Age={SESSION_TTL_SECONDS}; HttpOnly; SameSite=Lax{}",
            self.0,
            if secure { "; Secure" } else { "" }
        )
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
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
        let found = SessionToken::from_cookie_header(Some(&header)).expect("cookie found");
        assert_eq!(found.hash(), sha256_hex(token.as_bytes()));
    }

    #[test]
    fn a_malformed_session_cookie_is_ignored() {
        assert!(SessionToken::from_cookie_header(None).is_none());
        assert!(SessionToken::from_cookie_header(Some("hadron_session=short")).is_none());
        assert!(SessionToken::from_cookie_header(Some("xhadron_session=00")).is_none());
        let upper = format!("{SESSION_COOKIE}={}", "AB".repeat(32));
        assert!(SessionToken::from_cookie_header(Some(&upper)).is_none());
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
}
