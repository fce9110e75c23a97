//! RFC 7591 dynamic client registration: reading a registration request into a
//! validated [`ClientRegistration`], the client id and secret formats, and the response.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! What we register is narrower than what RFC 7591 can express: the authorization code
//! flow with PKCE, the one `mcp` scope, no refresh tokens. Where a client asks for
//! something harmless we do not offer (`refresh_token` in `grant_types`, other scopes) the
//! registration succeeds with our value, which the response states (RFC 7591 §3.2.1 lets
//! the server replace requested metadata). Where it asks for a flow we do not run, or for
//! a redirect URI we would not send a code to, it fails with the RFC 7591 §3.2.2 error.

use std::fmt;

use serde_json::{json, Map, Value};
use url::Url;

use super::metadata::MCP_SCOPE;
use super::redirect_uri::{is_rfc3986_text, RedirectUri};
use crate::crypto::{constant_time_eq, is_lower_hex, random_hex, sha256_hex, Sha256Hex};
use crate::text::check_visible;

pub const CLIENT_ID_PREFIX: &str = "dcr_";
const CLIENT_ID_HEX_LEN: usize = 32;

/// A dynamically registered client's id: `dcr_` + 32 random lowercase hex characters.
/// Random, so ids cannot be enumerated; fixed-format, so a malformed one is refused
/// before any lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn generate() -> Self {
        ClientId(format!("{CLIENT_ID_PREFIX}{}", random_hex::<16>()))
    }

    pub fn parse(candidate: &str) -> Option<Self> {
        let hex_part = candidate.strip_prefix(CLIENT_ID_PREFIX)?;
        is_lower_hex(hex_part, CLIENT_ID_HEX_LEN).then(|| ClientId(candidate.to_owned()))
    }

    /// The stable id of a client known by a URL (a metadata document): derived, so it is
    /// the same on every fetch and needs no lookup table.
    pub fn derived_from(url: &str) -> Self {
        let digest = sha256_hex(url.as_bytes());
        ClientId(format!(
            "{CLIENT_ID_PREFIX}{}",
            &digest[..CLIENT_ID_HEX_LEN]
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client secret, issued once in the registration response to clients that asked for
/// `client_secret_post` or `client_secret_basic`. Only its SHA-256 is stored, like a key.
pub struct ClientSecret(String);

/// What D1 holds of a client secret.
pub type ClientSecretHash = Sha256Hex<ClientSecret>;

impl ClientSecret {
    /// 32 bytes from the platform CSPRNG, as hex.
    pub fn generate() -> Self {
        ClientSecret(random_hex::<32>())
    }

    /// The form stored with the client.
    pub fn hash(&self) -> ClientSecretHash {
        Sha256Hex::of(self.0.as_bytes())
    }

    /// The raw value, for the registration response only.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// True when `presented` is the secret whose hash is `stored_hash`. Hashing first makes
/// the comparison independent of the presented length; comparing in constant time keeps
/// the stored hash from leaking a byte at a time.
pub fn client_secret_matches(presented: &str, stored_hash: &str) -> bool {
    constant_time_eq(
        sha256_hex(presented.as_bytes()).as_bytes(),
        stored_hash.as_bytes(),
    )
}

/// How a client authenticates at the token and revocation endpoints (RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenEndpointAuthMethod {
    /// A public client: no secret; PKCE alone binds the code to it.
    None,
    ClientSecretPost,
    ClientSecretBasic,
}

impl TokenEndpointAuthMethod {
    pub const ALL: [TokenEndpointAuthMethod; 3] = [
        TokenEndpointAuthMethod::None,
        TokenEndpointAuthMethod::ClientSecretPost,
        TokenEndpointAuthMethod::ClientSecretBasic,
    ];

    pub fn parse(candidate: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|method| method.as_str() == candidate)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenEndpointAuthMethod::None => "none",
            TokenEndpointAuthMethod::ClientSecretPost => "client_secret_post",
            TokenEndpointAuthMethod::ClientSecretBasic => "client_secret_basic",
        }
    }

    /// Whether registering with this method issues a [`ClientSecret`].
    pub fn issues_secret(self) -> bool {
        self != TokenEndpointAuthMethod::None
    }
}

pub const DEFAULT_CLIENT_NAME: &str = "Unnamed client";
pub const MAX_CLIENT_NAME_CHARS: usize = 100;
pub const MAX_REDIRECT_URIS: usize = 10;
const MAX_CLIENT_URI_LEN: usize = 2000;

/// The only grant and response types a client is ever registered for.
pub const GRANT_TYPES: [&str; 1] = ["authorization_code"];
pub const RESPONSE_TYPES: [&str; 1] = ["code"];

/// A registration that passed every rule: what the caller stores and echoes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    /// Trimmed, 1–100 characters, no control characters; shown on the consent page and
    /// used in the label of the keys this client mints.
    pub client_name: String,
    /// 1–10, in the order sent, duplicates dropped.
    pub redirect_uris: Vec<RedirectUri>,
    /// When it [`issues_secret`](TokenEndpointAuthMethod::issues_secret), the caller
    /// generates a [`ClientSecret`], stores its hash and returns it once.
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// An `http(s)` page about the client, safe to link from the consent page.
    pub client_uri: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationErrorCode {
    InvalidRedirectUri,
    InvalidClientMetadata,
}

impl RegistrationErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
            RegistrationErrorCode::InvalidClientMetadata => "invalid_client_metadata",
        }
    }
}

/// An RFC 7591 §3.2.2 error: always HTTP 400 with this JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationError {
    pub error: RegistrationErrorCode,
    pub description: String,
}

impl RegistrationError {
    fn redirect_uri(description: impl Into<String>) -> Self {
        RegistrationError {
            error: RegistrationErrorCode::InvalidRedirectUri,
            description: description.into(),
        }
    }

    pub fn metadata(description: impl Into<String>) -> Self {
        RegistrationError {
            error: RegistrationErrorCode::InvalidClientMetadata,
            description: description.into(),
        }
    }

    pub fn status(&self) -> u16 {
        400
    }

    pub fn to_json(&self) -> Value {
        json!({ "error": self.error.as_str(), "error_description": self.description })
    }
}

/// Reads a registration request body. Unknown fields are ignored (RFC 7591 §2); a field
/// sent as `null` counts as absent.
pub fn parse_registration(body: &Value) -> Result<ClientRegistration, RegistrationError> {
    let Value::Object(fields) = body else {
        return Err(RegistrationError::metadata(
            "The registration request must be a JSON object.",
        ));
    };
    let redirect_uris = parse_redirect_uris(fields)?;
    let client_name = parse_client_name(fields)?.unwrap_or_else(|| DEFAULT_CLIENT_NAME.to_owned());
    let token_endpoint_auth_method = parse_auth_method(fields)?;
    check_grant_types(fields)?;
    check_response_types(fields)?;
    check_scope(fields)?;
    let client_uri = parse_client_uri(fields)?;
    Ok(ClientRegistration {
        client_name,
        redirect_uris,
        token_endpoint_auth_method,
        client_uri,
    })
}

fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields.get(name).filter(|value| !value.is_null())
}

fn string_array<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<&'a str>>, RegistrationError> {
    let Some(value) = field(fields, name) else {
        return Ok(None);
    };
    let not_strings =
        || RegistrationError::metadata(format!("`{name}` must be an array of strings."));
    let items = value.as_array().ok_or_else(not_strings)?;
    items
        .iter()
        .map(|item| item.as_str().ok_or_else(not_strings))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A metadata field that must be a string when present.
pub(super) fn string_field<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, RegistrationError> {
    match field(fields, name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(RegistrationError::metadata(format!(
            "`{name}` must be a string."
        ))),
    }
}

pub(super) fn parse_redirect_uris(
    fields: &Map<String, Value>,
) -> Result<Vec<RedirectUri>, RegistrationError> {
    let raw = match string_array(fields, "redirect_uris") {
        Ok(Some(raw)) if !raw.is_empty() => raw,
        Ok(_) => {
            return Err(RegistrationError::redirect_uri(
                "`redirect_uris` is required and must list at least one redirect URI.",
            ))
        }
        Err(_) => {
            return Err(RegistrationError::redirect_uri(
                "`redirect_uris` must be an array of strings.",
            ))
        }
    };
    if raw.len() > MAX_REDIRECT_URIS {
        return Err(RegistrationError::redirect_uri(format!(
            "At most {MAX_REDIRECT_URIS} redirect URIs may be registered."
        )));
    }
    let mut accepted: Vec<RedirectUri> = Vec::with_capacity(raw.len());
    for (index, uri) in raw.iter().enumerate() {
        // The index, not the URI, goes in the message: it is short and needs no escaping.
        let uri = RedirectUri::parse(uri).map_err(|reason| {
            RegistrationError::redirect_uri(format!("redirect_uris[{index}] {reason}."))
        })?;
        if !accepted.contains(&uri) {
            accepted.push(uri);
        }
    }
    Ok(accepted)
}

/// The trimmed `client_name`; `None` when absent or blank.
pub(super) fn parse_client_name(
    fields: &Map<String, Value>,
) -> Result<Option<String>, RegistrationError> {
    let Some(raw) = string_field(fields, "client_name")? else {
        return Ok(None);
    };
    let name = raw.trim();
    if check_visible(name).is_err() {
        return Err(RegistrationError::metadata(
            "`client_name` must not contain control characters or invisible formatting characters (direction overrides, zero-width spaces).",
        ));
    }
    if name.chars().count() > MAX_CLIENT_NAME_CHARS {
        return Err(RegistrationError::metadata(format!(
            "`client_name` must be at most {MAX_CLIENT_NAME_CHARS} characters."
        )));
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// Omitted means a public client. RFC 7591 §2 defaults to `client_secret_basic`, but MCP
/// clients are public native apps that send `none`; a client that omits the field learns
/// the registered method from the response (§3.2.1) and has no secret to misuse.
fn parse_auth_method(
    fields: &Map<String, Value>,
) -> Result<TokenEndpointAuthMethod, RegistrationError> {
    match string_field(fields, "token_endpoint_auth_method")? {
        None => Ok(TokenEndpointAuthMethod::None),
        Some(method) => TokenEndpointAuthMethod::parse(method).ok_or_else(|| {
            RegistrationError::metadata(
                "`token_endpoint_auth_method` must be one of none, client_secret_post, client_secret_basic.",
            )
        }),
    }
}

/// `authorization_code` is required; `refresh_token` is tolerated because real clients
/// ask for it (the registration then simply lists no refresh grant); anything else is a
/// flow this server does not run.
pub(super) fn check_grant_types(fields: &Map<String, Value>) -> Result<(), RegistrationError> {
    let Some(grant_types) = string_array(fields, "grant_types")? else {
        return Ok(());
    };
    let only_known = grant_types
        .iter()
        .all(|grant| matches!(*grant, "authorization_code" | "refresh_token"));
    if !only_known || !grant_types.contains(&"authorization_code") {
        return Err(RegistrationError::metadata(
            "`grant_types` must include authorization_code and may add only refresh_token.",
        ));
    }
    Ok(())
}

pub(super) fn check_response_types(fields: &Map<String, Value>) -> Result<(), RegistrationError> {
    let Some(response_types) = string_array(fields, "response_types")? else {
        return Ok(());
    };
    if response_types.is_empty() || response_types.iter().any(|kind| *kind != "code") {
        return Err(RegistrationError::metadata(
            "`response_types` may contain only code.",
        ));
    }
    Ok(())
}

/// Any requested scope string is accepted and replaced by `mcp`, the only scope there is;
/// the authorization request is where an unknown scope is refused.
fn check_scope(fields: &Map<String, Value>) -> Result<(), RegistrationError> {
    string_field(fields, "scope").map(|_| ())
}

/// The consent page may link to it, so only an absolute `http(s)` URL without userinfo
/// is kept.
pub(super) fn parse_client_uri(
    fields: &Map<String, Value>,
) -> Result<Option<String>, RegistrationError> {
    let Some(raw) = string_field(fields, "client_uri")? else {
        return Ok(None);
    };
    let invalid = || RegistrationError::metadata("`client_uri` must be an http or https URL.");
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.len() > MAX_CLIENT_URI_LEN || !is_rfc3986_text(raw) {
        return Err(invalid());
    }
    let url = Url::parse(raw).map_err(|_| invalid())?;
    let safe = matches!(url.scheme(), "http" | "https")
        && raw
            .split_once(':')
            .is_some_and(|(_, rest)| rest.starts_with("//"))
        && url.username().is_empty()
        && url.password().is_none();
    if safe {
        Ok(Some(raw.to_owned()))
    } else {
        Err(invalid())
    }
}

impl ClientRegistration {
    /// The RFC 7591 §3.2.1 response body (sent with status 201 and `Cache-Control:
    /// no-store`): the client's id, when it was issued (in seconds, as the RFC wants;
    /// `issued_at_ms` is our usual milliseconds), the secret when one was issued — it never
    /// expires, hence `client_secret_expires_at: 0` — and the metadata as registered.
    pub fn response_json(
        &self,
        client_id: &ClientId,
        issued_at_ms: i64,
        client_secret: Option<&ClientSecret>,
    ) -> Value {
        let mut body = json!({
            "client_id": client_id.as_str(),
            "client_id_issued_at": issued_at_ms.div_euclid(1000),
            "client_name": self.client_name,
            "redirect_uris": self.redirect_uris.iter().map(RedirectUri::as_str).collect::<Vec<_>>(),
            "grant_types": GRANT_TYPES,
            "response_types": RESPONSE_TYPES,
            "token_endpoint_auth_method": self.token_endpoint_auth_method.as_str(),
            "scope": MCP_SCOPE,
        });
        if let Some(secret) = client_secret {
            body["client_secret"] = json!(secret.expose_secret());
            body["client_secret_expires_at"] = json!(0);
        }
        if let Some(client_uri) = &self.client_uri {
            body["client_uri"] = json!(client_uri);
        }
        body
    }
}

#[cfg(test)]
mod tests;
