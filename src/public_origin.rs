//! Which host this server answers for, and so the origin it names itself by.
//! Pure: no `worker` import, so it unit-tests on the host.
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

/// The Host rule for one isolate, with `PUBLIC_ORIGIN` as it was read once, remembering
/// its last answer. Requests to a Worker nearly always name the same host, so a request
/// to the same scheme and authority as the one before costs a comparison instead of two
/// URL parses and an origin's serialisation.
#[derive(Debug)]
pub struct OriginMemo {
    configured: Option<String>,
    /// The last scheme and authority asked about, and the answer.
    last: Option<(String, Result<PublicOrigin, HostRefused>)>,
}

impl OriginMemo {
    /// `configured` is `PUBLIC_ORIGIN` (blank means unset).
    pub fn new(configured: Option<String>) -> Self {
        OriginMemo {
            configured,
            last: None,
        }
    }

    /// What [`PublicOrigin::for_request`] answers for the absolute URL `url`.
    pub fn for_request(&mut self, url: &str) -> Result<PublicOrigin, HostRefused> {
        let site = site_of(url);
        if let Some((last_site, answer)) = &self.last {
            if last_site == site {
                return answer.clone();
            }
        }
        let configured = self.configured.as_deref();
        let answer = match Url::parse(site) {
            Ok(url) => PublicOrigin::for_request(configured, &url),
            // Not from the runtime, which hands over a parsed URL; no host is ours then.
            Err(_) if configured.is_some_and(|value| !value.trim().is_empty()) => {
                Err(HostRefused::NotTheConfiguredHost)
            }
            Err(_) => Err(HostRefused::NotLoopback),
        };
        self.last = Some((site.to_owned(), answer.clone()));
        answer
    }
}

/// An absolute URL's scheme and authority (`http://127.0.0.1:8787` of
/// `http://127.0.0.1:8787/mcp?x`): everything before the path, query or fragment, which
/// is all the Host rule reads.
pub fn site_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#', '\\'])
        .map_or(url.len(), |at| after_scheme + at);
    &url[..end]
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
