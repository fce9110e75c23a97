//! Which host this server answers for, and so the origin it names itself by.
//!
//! A page on another site can make a browser send requests to a server on the user's
//! own machine by pointing its own DNS name at 127.0.0.1 (DNS rebinding). Those requests
//! carry the attacker's host name in `Host` and the attacker's origin in `Origin`, which
//! therefore match each other: an Origin check alone lets them through. So the `Host`
//! is checked first, against the one host the server is configured for:
//! - `PUBLIC_ORIGIN` set (deployed, or behind a proxy): exactly its host and port;
//! - not set (`make dev`): a loopback name only — `127.0.0.1`, `localhost`, `[::1]` —
//!   with any port, and the origin is the request's own.
//!
//! Pure: the Worker passes the configured value and the request URL (whose host is the
//! `Host` header).

use std::fmt;

use url::{Host, Url};

/// The validated public origin of a request: `https://keys.example.com`, no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    origin: String,
    https: bool,
}

/// Why a request's host is not this server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRefused {
    /// `PUBLIC_ORIGIN` names another host.
    NotTheConfiguredHost,
    /// No `PUBLIC_ORIGIN`, and the host is not a loopback name.
    NotLoopback,
    /// `PUBLIC_ORIGIN` itself is not an `http(s)://host[:port]` origin.
    MisconfiguredOrigin,
}

impl fmt::Display for HostRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HostRefused::NotTheConfiguredHost => {
                "This server does not answer for this host name."
            }
            HostRefused::NotLoopback => {
                "This server answers only for 127.0.0.1 and localhost until PUBLIC_ORIGIN names its public origin."
            }
            HostRefused::MisconfiguredOrigin => {
                "PUBLIC_ORIGIN is not an origin such as https://keys.example.com."
            }
        })
    }
}

impl PublicOrigin {
    /// The origin for a request to `request_url`, or why its host is refused.
    /// `configured` is `PUBLIC_ORIGIN` (blank means unset).
    pub fn for_request(configured: Option<&str>, request_url: &Url) -> Result<Self, HostRefused> {
        let configured = configured
            .map(|value| value.trim().trim_end_matches('/'))
            .filter(|value| !value.is_empty());
        match configured {
            Some(configured) => {
                let public =
                    Url::parse(configured).map_err(|_| HostRefused::MisconfiguredOrigin)?;
                let is_origin = matches!(public.scheme(), "http" | "https")
                    && public.host().is_some()
                    && public.path() == "/"
                    && public.query().is_none()
                    && public.fragment().is_none()
                    && public.username().is_empty()
                    && public.password().is_none();
                if !is_origin {
                    return Err(HostRefused::MisconfiguredOrigin);
                }
                // The scheme is not compared: a proxy in front may speak plain http to us.
                if public.host() != request_url.host() || public.port() != request_url.port() {
                    return Err(HostRefused::NotTheConfiguredHost);
                }
                Ok(PublicOrigin::of(&public))
            }
            None if request_url.host().is_some_and(|host| is_loopback(&host)) => {
                Ok(PublicOrigin::of(request_url))
            }
            None => Err(HostRefused::NotLoopback),
        }
    }

    /// The same decision as [`PublicOrigin::for_request`] for the request URL as the
    /// runtime serialises it (`request.url`), without parsing it in full when it need not:
    /// a serialised URL is canonical, so a plain `http(s)://host[:port]/…` whose host is
    /// accepted can be cut out of the string. Anything else, and every refusal, goes
    /// through the full parse.
    pub fn for_request_url(
        configured: Option<&str>,
        request_url: &str,
    ) -> Result<Self, HostRefused> {
        if let Some(origin) = Self::accepted_without_parsing(configured, request_url) {
            return Ok(origin);
        }
        let url = Url::parse(request_url).map_err(|_| HostRefused::NotLoopback)?;
        Self::for_request(configured, &url)
    }

    fn accepted_without_parsing(configured: Option<&str>, request_url: &str) -> Option<Self> {
        let request = SerialisedOrigin::cut(request_url)?;
        let configured = configured
            .map(|value| value.trim().trim_end_matches('/'))
            .filter(|value| !value.is_empty());
        match configured {
            None if is_loopback_name(request.host) => Some(PublicOrigin {
                origin: request.origin.to_owned(),
                https: request.https,
            }),
            None => None,
            Some(configured) => {
                let public = SerialisedOrigin::cut(configured)?;
                // `configured` must be exactly an origin: nothing after the port.
                let same = public.origin.len() == configured.len()
                    && public.host == request.host
                    && public.port == request.port;
                same.then(|| PublicOrigin {
                    origin: public.origin.to_owned(),
                    https: public.https,
                })
            }
        }
    }

    fn of(url: &Url) -> Self {
        PublicOrigin {
            origin: url.origin().ascii_serialization(),
            https: url.scheme() == "https",
        }
    }

    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// Whether users reach us over https: cookies are then `Secure` and `__Host-`, and
    /// responses carry HSTS.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

/// `http(s)://host[:port]` at the start of a URL already in canonical form: a lower-case
/// ASCII host name or dotted IPv4 address (or `[::1]`), a port that is not the scheme's
/// default and has no leading zero, no user info. `None` for anything else, which is then
/// left to the full parse.
struct SerialisedOrigin<'a> {
    origin: &'a str,
    https: bool,
    host: &'a str,
    port: Option<u16>,
}

impl<'a> SerialisedOrigin<'a> {
    fn cut(url: &'a str) -> Option<Self> {
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else {
            (false, url.strip_prefix("http://")?)
        };
        let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let (host, port) = match authority.strip_prefix("[::1]") {
            Some("") => ("[::1]", None),
            Some(after) => ("[::1]", Some(after.strip_prefix(':')?)),
            None => match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let canonical_name = |host: &str| {
            !host.is_empty()
                && !host.ends_with('.')
                && !host.contains("xn--")
                && host
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        };
        if host != "[::1]" && !canonical_name(host) {
            return None;
        }
        // A host that looks numeric must be a dotted IPv4 address in canonical form.
        if host.bytes().last().is_some_and(|b| b.is_ascii_digit()) && !is_dotted_quad(host) {
            return None;
        }
        let port = match port {
            None => None,
            Some(digits) => {
                let default = if https { 443 } else { 80 };
                if digits.is_empty()
                    || digits.starts_with('0')
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                let port = digits.parse::<u16>().ok()?;
                if port == default {
                    return None;
                }
                Some(port)
            }
        };
        let scheme_len = if https {
            "https://".len()
        } else {
            "http://".len()
        };
        Some(SerialisedOrigin {
            origin: &url[..scheme_len + authority_end],
            https,
            host,
            port,
        })
    }
}

/// Four decimal numbers of at most 255, without leading zeros, as a URL serialises an
/// IPv4 address.
fn is_dotted_quad(host: &str) -> bool {
    let mut parts = 0;
    for part in host.split('.') {
        parts += 1;
        let canonical = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
            && part.parse::<u16>().is_ok_and(|n| n <= 255);
        if !canonical {
            return false;
        }
    }
    parts == 4
}

fn is_loopback_name(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || (host.starts_with("127.") && is_dotted_quad(host))
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(address) => address.is_loopback(),
        Host::Ipv6(address) => address.is_loopback(),
    }
}

#[cfg(test)]
mod tests;
