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

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(address) => address.is_loopback(),
        Host::Ipv6(address) => address.is_loopback(),
    }
}

#[cfg(test)]
mod tests;
