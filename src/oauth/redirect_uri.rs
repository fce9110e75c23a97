//! Which redirect URIs a client may register, and when a redirect URI presented at the
//! authorization endpoint is one the client registered.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! Registration accepts three kinds (RFC 8252 for native apps, OAuth 2.1 §7.5):
//! - `https://host/…` — web clients (`https://claude.ai/api/mcp/auth_callback`,
//!   `https://vscode.dev/redirect`).
//! - `http://` on a loopback host — desktop clients listening on an ephemeral port
//!   (`http://127.0.0.1:33418/`, `http://localhost:54321/callback`), RFC 8252 §7.3.
//! - a private-use scheme — `com.example.app:/callback` (RFC 8252 §7.1), or one of the few
//!   well-known editor schemes real MCP clients register (see [`KNOWN_APP_SCHEMES`]).
//!
//! Matching is exact string comparison (RFC 6749 §3.1.2.3), except that a loopback
//! redirect may name any port (RFC 8252 §7.3).

use std::fmt;

use url::Url;

/// Longer redirect URIs are refused at registration: real ones are short, and every one
/// is stored and shown on the consent page.
pub const MAX_REDIRECT_URI_LEN: usize = 2000;

/// Private-use schemes without a dot that are still accepted. RFC 8252 §8.4 says schemes
/// without a period SHOULD be rejected, because any app could claim them; these are the
/// exceptions real MCP clients need (Cursor registers `cursor://anysphere.cursor-mcp/…`;
/// VS Code has its `vscode:` URI handler). Interception of such a redirect yields only a
/// code, which is useless without the client's PKCE verifier.
pub const KNOWN_APP_SCHEMES: &[&str] = &["cursor", "vscode", "vscode-insiders"];

/// Schemes a browser or the operating system would execute or read locally, or that do
/// not return to an app. Refused by name so the error says why.
const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "vbscript",
    "data",
    "file",
    "blob",
    "filesystem",
    "about",
    "view-source",
    "ftp",
    "ws",
    "wss",
    "mailto",
    "tel",
    "sms",
];

/// What a registered redirect URI points at; the consent page can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    Https,
    Loopback,
    PrivateUse,
}

/// A redirect URI that passed the registration rules. Stored exactly as the client sent
/// it, because authorization requests are compared with it character for character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    uri: String,
    kind: RedirectKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectUriError {
    TooLong,
    /// Spaces, control characters, non-ASCII, backslashes, or anything else RFC 3986 does
    /// not allow in a URI, including a `%` not followed by two hex digits.
    InvalidCharacters,
    NotAbsolute,
    Fragment,
    Userinfo,
    ForbiddenScheme(String),
    HttpNotLoopback,
    HttpsWithoutHost,
    /// A private-use scheme without a dot that is not on [`KNOWN_APP_SCHEMES`].
    UnrecognisedScheme(String),
    /// `com.example.app:callback`: no path starting with `/`, so nothing to return to.
    NoPath,
}

impl fmt::Display for RedirectUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectUriError::TooLong => {
                write!(f, "is longer than {MAX_REDIRECT_URI_LEN} characters")
            }
            RedirectUriError::InvalidCharacters => {
                f.write_str("contains characters a URI cannot hold (spaces, controls, non-ASCII, backslashes or a bad %-escape)")
            }
            RedirectUriError::NotAbsolute => f.write_str("is not an absolute URI"),
            RedirectUriError::Fragment => f.write_str("must not contain a fragment (#)"),
            RedirectUriError::Userinfo => f.write_str("must not contain a user name or password"),
            RedirectUriError::ForbiddenScheme(scheme) => {
                write!(f, "uses the `{scheme}` scheme, which is never allowed")
            }
            RedirectUriError::HttpNotLoopback => f.write_str(
                "uses http on a host other than loopback; use https, or http://127.0.0.1, http://[::1] or http://localhost",
            ),
            RedirectUriError::HttpsWithoutHost => f.write_str("uses https without a host"),
            RedirectUriError::UnrecognisedScheme(scheme) => write!(
                f,
                "uses the private-use scheme `{scheme}`; native apps must use a reverse-domain scheme such as com.example.app (RFC 8252 section 7.1)"
            ),
            RedirectUriError::NoPath => f.write_str(
                "must have a path starting with `/`, such as com.example.app:/callback",
            ),
        }
    }
}

impl RedirectUri {
    /// Applies the registration rules to one redirect URI.
    pub fn parse(raw: &str) -> Result<Self, RedirectUriError> {
        if raw.len() > MAX_REDIRECT_URI_LEN {
            return Err(RedirectUriError::TooLong);
        }
        // Checked on the raw text, before the WHATWG parser, which would silently strip
        // tabs and newlines and read `\` as `/` — the stored string and the URL a browser
        // follows must not disagree.
        if !is_rfc3986_text(raw) {
            return Err(RedirectUriError::InvalidCharacters);
        }
        if raw.contains('#') {
            return Err(RedirectUriError::Fragment);
        }
        let parsed = Url::parse(raw).map_err(|_| RedirectUriError::NotAbsolute)?;
        let scheme = parsed.scheme();
        if FORBIDDEN_SCHEMES.contains(&scheme) {
            return Err(RedirectUriError::ForbiddenScheme(scheme.to_owned()));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(RedirectUriError::Userinfo);
        }
        let kind = match scheme {
            "https" => {
                // The WHATWG parser reads `https:/host` and `https:host` as
                // `https://host`; only the spelled-out form is accepted.
                if !has_authority(raw) || parsed.host_str().is_none_or(str::is_empty) {
                    return Err(RedirectUriError::HttpsWithoutHost);
                }
                RedirectKind::Https
            }
            "http" => {
                if LoopbackParts::split(raw).is_none() {
                    return Err(RedirectUriError::HttpNotLoopback);
                }
                RedirectKind::Loopback
            }
            private => {
                if !private.contains('.') && !KNOWN_APP_SCHEMES.contains(&private) {
                    return Err(RedirectUriError::UnrecognisedScheme(private.to_owned()));
                }
                if parsed.cannot_be_a_base() {
                    return Err(RedirectUriError::NoPath);
                }
                RedirectKind::PrivateUse
            }
        };
        Ok(RedirectUri {
            uri: raw.to_owned(),
            kind,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.uri
    }

    pub fn kind(&self) -> RedirectKind {
        self.kind
    }
}

/// True when `presented` (from an authorization request) names the same redirect as
/// `registered`: the same string, or — for loopback redirects only — the same string but
/// for the port, which a native app picks when it starts listening (RFC 8252 §7.3).
/// Scheme, host literal, path and query must still be identical; `localhost` never
/// matches `127.0.0.1`.
pub fn matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    match (
        LoopbackParts::split(registered),
        LoopbackParts::split(presented),
    ) {
        (Some(registered), Some(presented)) => {
            registered.host == presented.host
                && registered.path_and_query() == presented.path_and_query()
        }
        _ => false,
    }
}

/// A loopback redirect taken apart on its raw text: `http://<host>[:<port>]<rest>`.
struct LoopbackParts<'a> {
    host: &'a str,
    rest: &'a str,
}

impl<'a> LoopbackParts<'a> {
    /// `None` unless `uri` is `http://` (lowercase, as registered clients send it) on a
    /// loopback host literal with an optional numeric port, and has no fragment.
    fn split(uri: &'a str) -> Option<Self> {
        let after_scheme = uri.strip_prefix("http://")?;
        if uri.contains('#') {
            return None;
        }
        let authority_end = after_scheme.find(['/', '?']).unwrap_or(after_scheme.len());
        let (authority, rest) = after_scheme.split_at(authority_end);
        let (host, port) = split_host_port(authority)?;
        let port_ok = port.is_none_or(|port| {
            (1..=5).contains(&port.len())
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u32>().is_ok_and(|n| n <= 65_535)
        });
        (port_ok && is_loopback_host(host)).then_some(LoopbackParts { host, rest })
    }

    /// The path and query, with an empty path read as `/` (RFC 3986 §6.2.3), so
    /// `http://127.0.0.1:33418` and `http://127.0.0.1:5000/` name the same place.
    fn path_and_query(&self) -> String {
        if self.rest.starts_with('/') {
            self.rest.to_owned()
        } else {
            format!("/{}", self.rest)
        }
    }
}

fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, after) = authority.split_at(close + 1);
        match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => Some((host, Some(port))),
            None => Some((authority, None)),
        }
    }
}

/// `localhost`, `[::1]`, or `127.x.y.z` written as plain decimal. Other spellings the
/// WHATWG parser also maps to loopback (`127.1`, `0x7f.0.0.1`) are refused: a host
/// literal that reads as one address and resolves as another has no honest use.
fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "[::1]" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets.iter().all(|octet| {
            !octet.is_empty()
                && octet.len() <= 3
                && octet.bytes().all(|b| b.is_ascii_digit())
                && (octet.len() == 1 || !octet.starts_with('0'))
                && octet.parse::<u8>().is_ok()
        })
}

/// `scheme://` spelled out.
fn has_authority(raw: &str) -> bool {
    raw.split_once(':')
        .is_some_and(|(_, rest)| rest.starts_with("//"))
}

/// Only the characters RFC 3986 allows in a URI (unreserved, reserved, and `%` followed
/// by two hex digits).
pub(super) fn is_rfc3986_text(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let escape_ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !escape_ok {
                return false;
            }
            i += 3;
            continue;
        }
        let allowed = byte.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&byte);
        if !allowed {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests;
