//! OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the
//! registration MCP 2025-11-25 prefers): a client names itself by an `https` URL, and the
//! JSON document at that URL is its registration. The host serving the document vouches
//! for the client, so the consent page can name that host instead of a self-chosen name.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! These are the pure rules: which URLs may be a client id, what a document must hold, and
//! how long it may be cached. The handler fetches (GET, no redirects, a short timeout, at
//! most [`MAX_DOCUMENT_BYTES`], public addresses only) and stores the result.
//!
//! Each document client gets a stable internal id, [`DocumentUrl::internal_id`] (`dcr_` +
//! the first 32 hex digits of the URL's SHA-256), so its keys carry the same badge
//! (`OAuth: dcr_…`) as those of a registered client.

use std::fmt;

use serde_json::{Map, Value};
use url::{Host, Url};

use super::redirect_uri::{is_rfc3986_text, RedirectUri, MAX_REDIRECT_URI_LEN};
use super::registration::{
    check_grant_types, check_response_types, parse_client_name, parse_client_uri,
    parse_redirect_uris, string_field, ClientId, RegistrationError,
};

/// Documents are a few hundred bytes; anything larger is refused rather than read on.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// How long the fetch (connect, headers and body) may take.
pub const FETCH_TIMEOUT_MS: u64 = 3_000;
/// Cache bounds: a document is kept at least this long whatever its `Cache-Control` says,
/// so one authorization (authorize, consent page, decision) fetches it once…
pub const MIN_CACHE_MS: i64 = 5 * 60 * 1000;
/// …and at most this long, so a client that changes its redirect URIs is seen within a day.
pub const MAX_CACHE_MS: i64 = 24 * 60 * 60 * 1000;
/// Without a `max-age`.
pub const DEFAULT_CACHE_MS: i64 = 60 * 60 * 1000;

/// A `client_id` that names a metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentUrl {
    url: String,
    /// Who vouches for the client: the host, with its port when it is not the default.
    host: String,
}

/// Why a URL cannot be a metadata document's client id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentUrlError {
    /// Not an absolute https URL in canonical form (lowercase host, no default port, no dot
    /// segments, no `%`-escapes the parser would rewrite).
    NotCanonicalHttps,
    /// `https://host` or `https://host/`: the draft requires a path.
    NoPath,
    /// User name, password, query or fragment.
    ExtraParts,
    /// An IP address, `localhost`, or a name without a dot: not a public web host.
    NotPublicHost,
}

impl fmt::Display for DocumentUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DocumentUrlError::NotCanonicalHttps => {
                "The client_id URL must be an https URL in its canonical form."
            }
            DocumentUrlError::NoPath => "The client_id URL must have a path.",
            DocumentUrlError::ExtraParts => {
                "The client_id URL must not contain a user name, password, query or fragment."
            }
            DocumentUrlError::NotPublicHost => {
                "The client_id URL must name a public web host, not an address or a local name."
            }
        })
    }
}

impl DocumentUrl {
    /// True when `client_id` is meant as a document URL rather than a registered id.
    pub fn looks_like_url(client_id: &str) -> bool {
        client_id.starts_with("https://") || client_id.starts_with("http://")
    }

    /// Applies the draft's rules to a `client_id`. With `allow_insecure_loopback` (the
    /// `CIMD_ALLOW_INSECURE_LOOPBACK` variable, for local runs and tests) it also accepts
    /// `http://127.0.0.1:<port>/…` and `http://localhost:<port>/…`.
    pub fn parse(raw: &str, allow_insecure_loopback: bool) -> Result<Self, DocumentUrlError> {
        if raw.len() > MAX_REDIRECT_URI_LEN || !is_rfc3986_text(raw) {
            return Err(DocumentUrlError::NotCanonicalHttps);
        }
        if raw.contains(['?', '#']) {
            return Err(DocumentUrlError::ExtraParts);
        }
        let url = Url::parse(raw).map_err(|_| DocumentUrlError::NotCanonicalHttps)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(DocumentUrlError::ExtraParts);
        }
        if url.path() == "/" {
            return Err(DocumentUrlError::NoPath);
        }
        // The id is compared as a string (draft §3), and the internal id is derived from it:
        // only the canonical spelling is accepted, so one document has one id.
        if url.as_str() != raw {
            return Err(DocumentUrlError::NotCanonicalHttps);
        }
        let host = url.host().ok_or(DocumentUrlError::NotCanonicalHttps)?;
        let loopback = allow_insecure_loopback
            && url.scheme() == "http"
            && url.port().is_some()
            && is_loopback(&host);
        if url.scheme() != "https" && !loopback {
            return Err(DocumentUrlError::NotCanonicalHttps);
        }
        if !loopback && !is_public_name(&host) {
            return Err(DocumentUrlError::NotPublicHost);
        }
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        Ok(DocumentUrl {
            url: raw.to_owned(),
            host,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The host that serves the document, and so vouches for the client.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The stable `dcr_…` id this client's codes and keys are recorded under.
    pub fn internal_id(&self) -> ClientId {
        ClientId::derived_from(&self.url)
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(address) => address.octets() == [127, 0, 0, 1],
        Host::Ipv6(_) => false,
    }
}

/// A DNS name with at least one dot that is not a local or special-use name. IP literals
/// are refused outright: no real client names itself by an address, and an address is
/// the easy way to point the fetch at something internal. (Names that resolve to private
/// addresses are stopped by the platform: `global_fetch_strictly_public`.)
fn is_public_name(host: &Host<&str>) -> bool {
    let Host::Domain(name) = host else {
        return false;
    };
    let name = name.trim_end_matches('.');
    const LOCAL_SUFFIXES: [&str; 6] = [
        "localhost",
        ".local",
        ".internal",
        ".home.arpa",
        ".localdomain",
        ".test",
    ];
    name.contains('.')
        && !LOCAL_SUFFIXES
            .iter()
            .any(|suffix| name == suffix.trim_start_matches('.') || name.ends_with(suffix))
}

/// A metadata document that passed every rule: what the authorization endpoint needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDocument {
    /// From the document (same rules as a registration), or the host when it has none.
    pub client_name: String,
    pub redirect_uris: Vec<RedirectUri>,
    pub client_uri: Option<String>,
}

/// Why a fetched document was refused. Each is shown to the user on Hadron's error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// Network failure, timeout, or a redirect (never followed).
    Unreachable,
    Status(u16),
    NotJson,
    TooLarge,
    ClientIdMismatch,
    /// The document asks for client authentication with a secret, which a public document
    /// cannot hold, or for a method this server does not offer.
    NotPublicClient,
    Invalid(String),
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentError::Unreachable => f.write_str(
                "The app's client metadata document could not be fetched (no answer in time, or a redirect).",
            ),
            DocumentError::Status(status) => write!(
                f,
                "The app's client metadata document could not be fetched: its server answered HTTP {status}."
            ),
            DocumentError::NotJson => f.write_str(
                "The app's client metadata document is not a JSON object served as application/json.",
            ),
            DocumentError::TooLarge => write!(
                f,
                "The app's client metadata document is larger than {MAX_DOCUMENT_BYTES} bytes."
            ),
            DocumentError::ClientIdMismatch => f.write_str(
                "The app's client metadata document names a different client_id than its own URL.",
            ),
            DocumentError::NotPublicClient => f.write_str(
                "The app's client metadata document must describe a public client (token_endpoint_auth_method none).",
            ),
            DocumentError::Invalid(reason) => {
                write!(f, "The app's client metadata document is not valid: {reason}")
            }
        }
    }
}

impl From<RegistrationError> for DocumentError {
    fn from(error: RegistrationError) -> Self {
        DocumentError::Invalid(error.description)
    }
}

/// Reads a fetched document: a 200 answer, JSON by its content type, a JSON object naming
/// `url` as its `client_id` exactly, a public client, and valid registration metadata.
pub fn parse_document(
    url: &DocumentUrl,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<ClientDocument, DocumentError> {
    if status != 200 {
        return Err(DocumentError::Status(status));
    }
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(DocumentError::TooLarge);
    }
    if !content_type.is_some_and(is_json_media_type) {
        return Err(DocumentError::NotJson);
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(DocumentError::NotJson);
    };
    if fields.get("client_id").and_then(Value::as_str) != Some(url.as_str()) {
        return Err(DocumentError::ClientIdMismatch);
    }
    check_public_client(&fields)?;
    check_grant_types(&fields)?;
    check_response_types(&fields)?;
    let redirect_uris = parse_redirect_uris(&fields)?;
    let client_name = parse_client_name(&fields)?.unwrap_or_else(|| url.host().to_owned());
    let client_uri = parse_client_uri(&fields)?;
    Ok(ClientDocument {
        client_name,
        redirect_uris,
        client_uri,
    })
}

/// `application/json` or `application/<something>+json`, with any parameters.
fn is_json_media_type(content_type: &str) -> bool {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media_type == "application/json"
        || media_type
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json") && subtype.len() > "+json".len())
}

/// Absent means public here: a document is public, so no secret can exist for it.
fn check_public_client(fields: &Map<String, Value>) -> Result<(), DocumentError> {
    match string_field(fields, "token_endpoint_auth_method")? {
        None | Some("none") => Ok(()),
        Some(_) => Err(DocumentError::NotPublicClient),
    }
}

/// How long a document may be served from D1: its `Cache-Control` `max-age` (or
/// `s-maxage`, which a shared cache like ours prefers), within [`MIN_CACHE_MS`] and
/// [`MAX_CACHE_MS`]; `no-store` and `no-cache` mean the minimum.
pub fn cache_ttl_ms(cache_control: Option<&str>) -> i64 {
    let Some(header) = cache_control else {
        return DEFAULT_CACHE_MS;
    };
    let mut max_age = None;
    let mut shared_max_age = None;
    for directive in header.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        let (name, value) = directive
            .split_once('=')
            .map_or((directive.as_str(), None), |(name, value)| {
                (name.trim(), Some(value.trim().trim_matches('"')))
            });
        match name {
            "no-store" | "no-cache" => return MIN_CACHE_MS,
            "max-age" => max_age = value.and_then(|v| v.parse::<i64>().ok()),
            "s-maxage" => shared_max_age = value.and_then(|v| v.parse::<i64>().ok()),
            _ => {}
        }
    }
    shared_max_age
        .or(max_age)
        .map_or(DEFAULT_CACHE_MS, |seconds| {
            seconds
                .saturating_mul(1000)
                .clamp(MIN_CACHE_MS, MAX_CACHE_MS)
        })
}

#[cfg(test)]
mod tests;
