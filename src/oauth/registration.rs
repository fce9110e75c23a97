//! RFC 7591 dynamic client registration: reading a registration request into a
//! validated [`ClientRegistration`], the client id and secret formats, and the response.
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
use crate::crypto::{constant_time_eq, is_lower_hex, random_hex, sha256_hex};

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

impl ClientSecret {
    /// 32 bytes from the platform CSPRNG, as hex.
    pub fn generate() -> Self {
        ClientSecret(random_hex::<32>())
    }

    /// The form stored with the client.
    pub fn hash(&self) -> String {
        sha256_hex(self.0.as_bytes())
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

    fn metadata(description: impl Into<String>) -> Self {
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
    let client_name = parse_client_name(fields)?;
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

fn optional_string<'a>(
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

fn parse_redirect_uris(fields: &Map<String, Value>) -> Result<Vec<RedirectUri>, RegistrationError> {
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

fn parse_client_name(fields: &Map<String, Value>) -> Result<String, RegistrationError> {
    let Some(raw) = optional_string(fields, "client_name")? else {
        return Ok(DEFAULT_CLIENT_NAME.to_owned());
    };
    let name = raw.trim();
    if name.chars().any(char::is_control) {
        return Err(RegistrationError::metadata(
            "`client_name` must not contain control characters.",
        ));
    }
    if name.chars().count() > MAX_CLIENT_NAME_CHARS {
        return Err(RegistrationError::metadata(format!(
            "`client_name` must be at most {MAX_CLIENT_NAME_CHARS} characters."
        )));
    }
    Ok(if name.is_empty() {
        DEFAULT_CLIENT_NAME.to_owned()
    } else {
        name.to_owned()
    })
}

/// Omitted means a public client. RFC 7591 §2 defaults to `client_secret_basic`, but MCP
/// clients are public native apps that send `none`; a client that omits the field learns
/// the registered method from the response (§3.2.1) and has no secret to misuse.
fn parse_auth_method(
    fields: &Map<String, Value>,
) -> Result<TokenEndpointAuthMethod, RegistrationError> {
    match optional_string(fields, "token_endpoint_auth_method")? {
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
fn check_grant_types(fields: &Map<String, Value>) -> Result<(), RegistrationError> {
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

fn check_response_types(fields: &Map<String, Value>) -> Result<(), RegistrationError> {
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
    optional_string(fields, "scope").map(|_| ())
}

/// The consent page may link to it, so only an absolute `http(s)` URL without userinfo
/// is kept.
fn parse_client_uri(fields: &Map<String, Value>) -> Result<Option<String>, RegistrationError> {
    let Some(raw) = optional_string(fields, "client_uri")? else {
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
mod tests {
    use super::*;
    use crate::oauth::redirect_uri::RedirectKind;

    fn register(body: Value) -> Result<ClientRegistration, RegistrationError> {
        parse_registration(&body)
    }

    fn error_of(body: Value) -> (RegistrationErrorCode, String) {
        let error = register(body).expect_err("registration should fail");
        (error.error, error.description)
    }

    #[test]
    fn client_ids_round_trip_and_reject_anything_else() {
        let id = ClientId::generate();
        assert!(id.as_str().starts_with("dcr_"));
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(ClientId::parse(id.as_str()), Some(id.clone()));
        assert_ne!(ClientId::generate(), id);
        for bad in [
            "",
            "dcr_",
            "dcr_0123456789abcdef0123456789abcde",
            "dcr_0123456789abcdef0123456789abcdef0",
            "dcr_0123456789ABCDEF0123456789ABCDEF",
            "DCR_0123456789abcdef0123456789abcdef",
            "key_0123456789abcdef0123456789abcdef",
            " dcr_0123456789abcdef0123456789abcdef",
        ] {
            assert!(ClientId::parse(bad).is_none(), "accepted {bad:?}");
        }
    }

    #[test]
    fn client_secrets_are_checked_against_their_hash_only() {
        let secret = ClientSecret::generate();
        assert_eq!(secret.expose_secret().len(), 64);
        let stored = secret.hash();
        assert!(client_secret_matches(secret.expose_secret(), &stored));
        assert!(!client_secret_matches("wrong", &stored));
        assert!(!client_secret_matches("", &stored));
        assert!(!format!("{secret:?}").contains(secret.expose_secret()));
    }

    #[test]
    fn a_typical_mcp_client_registration_is_accepted_with_our_defaults() {
        let registration = register(json!({
            "client_name": "Claude Code (hadron)",
            "redirect_uris": ["http://localhost:54321/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            "scope": "mcp offline_access",
            "software_id": "ignored",
        }))
        .expect("registration accepted");
        assert_eq!(registration.client_name, "Claude Code (hadron)");
        assert_eq!(registration.redirect_uris.len(), 1);
        assert_eq!(registration.redirect_uris[0].kind(), RedirectKind::Loopback);
        assert_eq!(
            registration.token_endpoint_auth_method,
            TokenEndpointAuthMethod::None
        );
        assert!(!registration.token_endpoint_auth_method.issues_secret());
    }

    #[test]
    fn only_redirect_uris_is_required() {
        let registration = register(json!({ "redirect_uris": ["https://vscode.dev/redirect"] }))
            .expect("minimal registration accepted");
        assert_eq!(registration.client_name, DEFAULT_CLIENT_NAME);
        assert_eq!(
            registration.token_endpoint_auth_method,
            TokenEndpointAuthMethod::None
        );
        assert_eq!(registration.client_uri, None);
    }

    #[test]
    fn null_fields_count_as_absent() {
        let registration = register(json!({
            "redirect_uris": ["https://vscode.dev/redirect"],
            "client_name": null,
            "grant_types": null,
            "token_endpoint_auth_method": null,
            "client_uri": null,
        }))
        .expect("nulls accepted");
        assert_eq!(registration.client_name, DEFAULT_CLIENT_NAME);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_invalid_metadata() {
        for body in [json!([]), json!("x"), json!(null), json!(1)] {
            assert_eq!(
                error_of(body).0,
                RegistrationErrorCode::InvalidClientMetadata
            );
        }
    }

    #[test]
    fn missing_or_empty_redirect_uris_are_an_invalid_redirect_uri() {
        for body in [
            json!({}),
            json!({ "redirect_uris": [] }),
            json!({ "redirect_uris": null }),
            json!({ "redirect_uris": "https://example.com/cb" }),
            json!({ "redirect_uris": [1] }),
        ] {
            assert_eq!(
                error_of(body.clone()).0,
                RegistrationErrorCode::InvalidRedirectUri,
                "{body}"
            );
        }
    }

    #[test]
    fn one_bad_redirect_uri_fails_the_registration_and_is_named_by_index() {
        let (code, description) = error_of(json!({
            "redirect_uris": ["https://example.com/cb", "http://example.com/cb"]
        }));
        assert_eq!(code, RegistrationErrorCode::InvalidRedirectUri);
        assert!(
            description.starts_with("redirect_uris[1] "),
            "{description}"
        );
        assert!(description.contains("loopback"), "{description}");
    }

    #[test]
    fn dangerous_redirect_uris_are_refused() {
        for uri in [
            "javascript:alert(1)",
            "data:text/html,x",
            "https://example.com/#x",
        ] {
            assert_eq!(
                error_of(json!({ "redirect_uris": [uri] })).0,
                RegistrationErrorCode::InvalidRedirectUri,
                "{uri}"
            );
        }
    }

    #[test]
    fn at_most_ten_redirect_uris_are_registered() {
        let ten: Vec<String> = (0..10)
            .map(|i| format!("https://example.com/{i}"))
            .collect();
        assert_eq!(
            register(json!({ "redirect_uris": ten }))
                .unwrap()
                .redirect_uris
                .len(),
            10
        );
        let eleven: Vec<String> = (0..11)
            .map(|i| format!("https://example.com/{i}"))
            .collect();
        assert_eq!(
            error_of(json!({ "redirect_uris": eleven })).0,
            RegistrationErrorCode::InvalidRedirectUri
        );
    }

    #[test]
    fn duplicate_redirect_uris_are_registered_once() {
        let registration = register(json!({
            "redirect_uris": ["https://a.example/cb", "https://a.example/cb", "https://b.example/cb"]
        }))
        .unwrap();
        let uris: Vec<&str> = registration
            .redirect_uris
            .iter()
            .map(RedirectUri::as_str)
            .collect();
        assert_eq!(uris, ["https://a.example/cb", "https://b.example/cb"]);
    }

    #[test]
    fn client_names_are_trimmed_and_blank_names_get_the_default() {
        let named = |name: &str| {
            register(json!({ "redirect_uris": ["https://e.example/cb"], "client_name": name }))
        };
        assert_eq!(
            named("  Visual Studio Code  ").unwrap().client_name,
            "Visual Studio Code"
        );
        assert_eq!(named("   ").unwrap().client_name, DEFAULT_CLIENT_NAME);
        assert_eq!(
            named(&"é".repeat(100)).unwrap().client_name.chars().count(),
            100
        );
        assert_eq!(
            named("<b>Evil</b>").unwrap().client_name,
            "<b>Evil</b>",
            "kept verbatim; the consent page renders it as text"
        );
    }

    #[test]
    fn client_names_that_are_too_long_or_hold_control_characters_are_refused() {
        for name in [
            "é".repeat(101),
            "a\nb".to_owned(),
            "a\u{0}b".to_owned(),
            "a\u{7f}".to_owned(),
        ] {
            let body = json!({ "redirect_uris": ["https://e.example/cb"], "client_name": name });
            assert_eq!(
                error_of(body).0,
                RegistrationErrorCode::InvalidClientMetadata,
                "{name:?}"
            );
        }
        let body = json!({ "redirect_uris": ["https://e.example/cb"], "client_name": 7 });
        assert_eq!(
            error_of(body).0,
            RegistrationErrorCode::InvalidClientMetadata
        );
    }

    #[test]
    fn secret_based_auth_methods_are_accepted_and_issue_a_secret() {
        for (method, expected) in [
            (
                "client_secret_post",
                TokenEndpointAuthMethod::ClientSecretPost,
            ),
            (
                "client_secret_basic",
                TokenEndpointAuthMethod::ClientSecretBasic,
            ),
        ] {
            let registration = register(json!({
                "redirect_uris": ["https://e.example/cb"],
                "token_endpoint_auth_method": method,
            }))
            .unwrap();
            assert_eq!(registration.token_endpoint_auth_method, expected);
            assert!(expected.issues_secret());
        }
    }

    #[test]
    fn other_auth_methods_are_refused() {
        for method in [
            "private_key_jwt",
            "client_secret_jwt",
            "tls_client_auth",
            "NONE",
            "",
        ] {
            let body = json!({ "redirect_uris": ["https://e.example/cb"], "token_endpoint_auth_method": method });
            assert_eq!(
                error_of(body).0,
                RegistrationErrorCode::InvalidClientMetadata,
                "{method}"
            );
        }
    }

    #[test]
    fn grant_types_beyond_the_code_flow_are_refused() {
        for grants in [
            json!(["client_credentials"]),
            json!(["authorization_code", "password"]),
            json!(["implicit"]),
            json!(["refresh_token"]),
            json!([]),
            json!("authorization_code"),
        ] {
            let body = json!({ "redirect_uris": ["https://e.example/cb"], "grant_types": grants });
            assert_eq!(
                error_of(body).0,
                RegistrationErrorCode::InvalidClientMetadata,
                "{grants}"
            );
        }
    }

    #[test]
    fn response_types_other_than_code_are_refused() {
        for kinds in [json!(["token"]), json!(["code", "id_token"]), json!([])] {
            let body =
                json!({ "redirect_uris": ["https://e.example/cb"], "response_types": kinds });
            assert_eq!(
                error_of(body).0,
                RegistrationErrorCode::InvalidClientMetadata,
                "{kinds}"
            );
        }
    }

    #[test]
    fn a_scope_that_is_not_a_string_is_refused() {
        let body = json!({ "redirect_uris": ["https://e.example/cb"], "scope": ["mcp"] });
        assert_eq!(
            error_of(body).0,
            RegistrationErrorCode::InvalidClientMetadata
        );
    }

    #[test]
    fn client_uri_must_be_a_plain_web_url() {
        let with_uri = |uri: &str| {
            register(json!({ "redirect_uris": ["https://e.example/cb"], "client_uri": uri }))
        };
        assert_eq!(
            with_uri("https://code.visualstudio.com")
                .unwrap()
                .client_uri
                .as_deref(),
            Some("https://code.visualstudio.com")
        );
        assert_eq!(with_uri("").unwrap().client_uri, None);
        for bad in [
            "javascript:alert(1)",
            "https://u:p@e.example",
            "ftp://e.example",
            "/relative",
            "https:e.example",
        ] {
            assert_eq!(
                with_uri(bad).unwrap_err().error,
                RegistrationErrorCode::InvalidClientMetadata,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_response_of_a_public_client_has_no_secret() {
        let registration = register(json!({
            "client_name": "VS Code",
            "redirect_uris": ["http://127.0.0.1:33418/", "https://vscode.dev/redirect"],
            "grant_types": ["authorization_code", "refresh_token"],
        }))
        .unwrap();
        let id = ClientId::parse("dcr_0123456789abcdef0123456789abcdef").unwrap();
        let response = registration.response_json(&id, 1_795_847_984_123, None);
        assert_eq!(
            response,
            json!({
                "client_id": "dcr_0123456789abcdef0123456789abcdef",
                "client_id_issued_at": 1_795_847_984,
                "client_name": "VS Code",
                "redirect_uris": ["http://127.0.0.1:33418/", "https://vscode.dev/redirect"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                "scope": "mcp",
            })
        );
    }

    #[test]
    fn the_response_of_a_secret_client_carries_a_secret_that_never_expires() {
        let registration = register(json!({
            "redirect_uris": ["https://e.example/cb"],
            "token_endpoint_auth_method": "client_secret_basic",
            "client_uri": "https://e.example",
        }))
        .unwrap();
        let secret = ClientSecret::generate();
        let response = registration.response_json(&ClientId::generate(), 0, Some(&secret));
        assert_eq!(response["client_secret"], secret.expose_secret());
        assert_eq!(response["client_secret_expires_at"], 0);
        assert_eq!(
            response["token_endpoint_auth_method"],
            "client_secret_basic"
        );
        assert_eq!(response["client_uri"], "https://e.example");
    }

    #[test]
    fn every_error_description_is_printable_ascii_without_quotes_or_backslashes() {
        let uris = [
            "myapp://cb",
            "javascript:x",
            "http://example.com/",
            "https://e.example/#",
            "/cb",
            "https://u@e.example/",
            "com.example.app:cb",
            "https:/e.example",
            "https://e.example/ x",
        ];
        let mut bodies: Vec<Value> = uris
            .iter()
            .map(|uri| json!({ "redirect_uris": [uri] }))
            .collect();
        bodies.extend([
            json!({}),
            json!([]),
            json!({ "redirect_uris": ["https://e.example/cb"], "client_name": "a\nb" }),
            json!({ "redirect_uris": ["https://e.example/cb"], "grant_types": ["password"] }),
            json!({ "redirect_uris": ["https://e.example/cb"], "token_endpoint_auth_method": "x" }),
        ]);
        for body in bodies {
            let error = register(body.clone()).unwrap_err();
            let allowed = error
                .description
                .bytes()
                .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e));
            assert!(allowed, "{body}: {:?}", error.description);
        }
    }

    #[test]
    fn errors_serialise_as_rfc_7591_bodies() {
        let error = register(json!({})).unwrap_err();
        assert_eq!(error.status(), 400);
        let body = error.to_json();
        assert_eq!(body["error"], "invalid_redirect_uri");
        assert!(body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()));
    }
}
