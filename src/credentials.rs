//! Reading credentials out of request headers: the bearer token of `/mcp` and the portal's
//! session cookie. Pure string rules with no `worker`
//! import, unit-tested on the host.

use crate::crypto::{is_lower_hex, random_hex, Sha256Hex};

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

/// The session cookie over plain http (`make dev`).
pub const SESSION_COOKIE: &str = "hadron_session";
/// The session cookie over https: the `__Host-` prefix makes the browser refuse it unless
/// it is `Secure`, `Path=/` and has no `Domain`, so no sibling subdomain can plant or
/// overwrite it (cookie tossing).
pub const SECURE_SESSION_COOKIE: &str = "__Host-hadron_session";

/// The session cookie's name for a site reached over https or not.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// How long a portal session lasts without signing in again.
pub const SESSION_TTL_SECONDS: i64 = 30 * 24 * 60 * 60;

/// A portal session token: 32 random bytes as hex, kept only in the browser's cookie.
/// The database stores its SHA-256.
pub struct SessionToken(String);

/// What D1 holds of a session token.
pub type SessionHash = Sha256Hex<SessionToken>;

impl SessionToken {
    pub fn generate() -> Self {
        SessionToken(random_hex::<32>())
    }

    /// Finds our cookie (by its name for `https` or not) in a `Cookie` header and checks
    /// its shape. A header that carries it twice is treated as signed out: which copy is
    /// the real one cannot be told, and a second copy means someone planted one.
    pub fn from_cookie_header(header: Option<&str>, https: bool) -> Option<Self> {
        let name = session_cookie_name(https);
        let mut values = header?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(candidate, _)| *candidate == name)
            .map(|(_, value)| value.trim());
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        is_lower_hex(value, 64).then(|| SessionToken(value.to_owned()))
    }

    pub fn hash(&self) -> SessionHash {
        Sha256Hex::of(self.0.as_bytes())
    }

    /// The `Set-Cookie` value that stores this session in the browser.
    pub fn set_cookie(&self, https: bool) -> String {
        format!(
            "{}={}; Path=/; Max-Age={SESSION_TTL_SECONDS}; HttpOnly; SameSite=Lax{}",
            session_cookie_name(https),
            self.0,
            if https { "; Secure" } else { "" }
        )
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(https: bool) -> String {
    format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        session_cookie_name(https),
        if https { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests;
