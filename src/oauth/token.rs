//! The token endpoint's rules (RFC 6749 §4.1.3, §5, RFC 7636 §4.6, RFC 8707): reading a
//! code exchange, authenticating the client, and checking that the code was issued for
//! exactly this exchange.
//!
//! The handler's order is:
//! 1. [`parse_token_request`] (form body + `Authorization` header).
//! 2. Look up the client by `request.client.client_id` (unknown → [`OAuthError::invalid_client`])
//!    and [`authenticate_client`] with its registered method and secret hash.
//! 3. Find the code by [`AuthorizationCode::hash`] and delete it in the same step, so it
//!    is single-use even when the exchange then fails (unknown → `invalid_grant`).
//! 4. [`check_code_binding`], then mint the key and answer [`token_response`].

use std::fmt;

use serde_json::{json, Value};

use super::authorize::{is_resource, AuthorizeRequest};
use super::base64::decode_standard;
use super::form::{self, Duplicated};
use super::pkce::{verify_s256, CodeChallenge, CodeVerifier};
use super::registration::{client_secret_matches, ClientId, TokenEndpointAuthMethod};
use crate::crypto::{is_lower_hex, random_hex, sha256_hex};

/// How long a code may wait for its exchange. RFC 6749 §4.1.2 recommends at most ten
/// minutes; a client exchanges its code within seconds of the redirect.
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
const _: () = assert!(CODE_TTL_MS > 0 && CODE_TTL_MS <= 10 * 60 * 1000);

/// Response headers for every token endpoint answer that carries a token (RFC 6749 §5.1).
pub const TOKEN_RESPONSE_HEADERS: [(&str, &str); 2] =
    [("Cache-Control", "no-store"), ("Pragma", "no-cache")];

/// The `error` values of RFC 6749 §5.2, plus RFC 8707's `invalid_target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    InvalidTarget,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::InvalidTarget => "invalid_target",
        }
    }
}

/// An error of the token or revocation endpoint, answered as RFC 6749 §5.2 JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    /// Printable ASCII without `"` or `\`, as RFC 6749 §5.2 requires.
    pub description: String,
}

impl OAuthError {
    pub fn new(error: OAuthErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidClient, description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidGrant, description)
    }

    /// 401 for a failed client authentication, 400 for everything else (RFC 6749 §5.2).
    pub fn status(&self) -> u16 {
        match self.error {
            OAuthErrorCode::InvalidClient => 401,
            _ => 400,
        }
    }

    /// The `WWW-Authenticate` header a 401 must carry. We always challenge with Basic,
    /// the header scheme a client may authenticate with here.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        (self.error == OAuthErrorCode::InvalidClient).then_some("Basic realm=\"oauth\"")
    }

    pub fn to_json(&self) -> Value {
        json!({ "error": self.error.as_str(), "error_description": self.description })
    }
}

impl From<Duplicated> for OAuthError {
    fn from(Duplicated(name): Duplicated) -> Self {
        OAuthError::invalid_request(format!("The {name} parameter was sent more than once."))
    }
}

/// An authorization code: 32 random bytes as hex. It exists in memory between consent and
/// the redirect, and again at the token endpoint; the database holds only its SHA-256.
pub struct AuthorizationCode(String);

impl AuthorizationCode {
    pub fn generate() -> Self {
        AuthorizationCode(random_hex::<32>())
    }

    pub fn parse(candidate: &str) -> Option<Self> {
        is_lower_hex(candidate, 64).then(|| AuthorizationCode(candidate.to_owned()))
    }

    pub fn hash(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }

    /// The raw value, for the redirect that hands it to the client.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationCode(<redacted>)")
    }
}

/// What a code is bound to, as stored next to its hash (with the user it was issued for,
/// which is the caller's business).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub client_id: ClientId,
    pub redirect_uri: String,
    pub code_challenge: CodeChallenge,
    pub scope: String,
    pub resource: String,
    pub expires_at_ms: i64,
}

impl StoredCode {
    /// The binding of a code issued now for an approved request.
    pub fn for_request(request: &AuthorizeRequest, issued_at_ms: i64) -> Self {
        StoredCode {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            scope: request.scope.clone(),
            resource: request.resource.clone(),
            expires_at_ms: issued_at_ms + CODE_TTL_MS,
        }
    }
}

/// What an `Authorization: Basic` header offers.
#[derive(PartialEq, Eq)]
pub enum BasicCredentials {
    /// No header, or another scheme: no client authentication through the header.
    Absent,
    /// `Basic` with something that is not `base64(id:secret)`.
    Malformed,
    Present {
        client_id: String,
        secret: String,
    },
}

impl fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BasicCredentials::Absent => f.write_str("Absent"),
            BasicCredentials::Malformed => f.write_str("Malformed"),
            BasicCredentials::Present { client_id, .. } => {
                write!(
                    f,
                    "Present {{ client_id: {client_id:?}, secret: <redacted> }}"
                )
            }
        }
    }
}

/// Reads `Authorization: Basic base64(id:secret)` (RFC 7617), where id and secret are
/// each form-urlencoded first (RFC 6749 §2.3.1).
pub fn parse_basic_credentials(header: Option<&str>) -> BasicCredentials {
    let Some(header) = header else {
        return BasicCredentials::Absent;
    };
    let header = header.trim_matches([' ', '\t']);
    let (scheme, rest) = header.split_once([' ', '\t']).unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return BasicCredentials::Absent;
    }
    let decoded = decode_standard(rest.trim_start_matches([' ', '\t']))
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some((raw_id, raw_secret)) = decoded.as_deref().and_then(|text| text.split_once(':'))
    else {
        return BasicCredentials::Malformed;
    };
    match (
        form::decode_component(raw_id),
        form::decode_component(raw_secret),
    ) {
        (Some(client_id), Some(secret)) if !client_id.is_empty() => {
            BasicCredentials::Present { client_id, secret }
        }
        _ => BasicCredentials::Malformed,
    }
}

/// The client making a token or revocation request, and the secret it presented, if any.
pub struct PresentedClient {
    pub client_id: ClientId,
    secret: Option<String>,
}

impl PresentedClient {
    pub fn has_secret(&self) -> bool {
        self.secret.is_some()
    }
}

impl fmt::Debug for PresentedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedClient")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Who the request says it comes from: the Basic header, or `client_id` (and
/// `client_secret`) in the body (RFC 6749 §2.3.1). Using both header and body secret is an
/// error (§2.3: one method per request); a body `client_id` beside the header must agree.
pub fn presented_client(
    params: &[(String, String)],
    authorization_header: Option<&str>,
) -> Result<PresentedClient, OAuthError> {
    let body_id = form::single(params, "client_id")?;
    let body_secret = form::single(params, "client_secret")?;
    let (raw_id, secret) = match parse_basic_credentials(authorization_header) {
        BasicCredentials::Malformed => {
            return Err(OAuthError::invalid_client(
                "The Authorization header is not valid Basic client authentication.",
            ))
        }
        BasicCredentials::Present { client_id, secret } => {
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "Authenticate with the Authorization header or with client_secret, not both.",
                ));
            }
            if body_id.is_some_and(|id| id != client_id) {
                return Err(OAuthError::invalid_client(
                    "The client_id does not match the Authorization header.",
                ));
            }
            (client_id, Some(secret))
        }
        BasicCredentials::Absent => {
            let Some(id) = body_id else {
                return Err(OAuthError::invalid_client(
                    "No client identification: send client_id.",
                ));
            };
            (id.to_owned(), body_secret.map(str::to_owned))
        }
    };
    let client_id =
        ClientId::parse(&raw_id).ok_or_else(|| OAuthError::invalid_client("Unknown client."))?;
    Ok(PresentedClient {
        client_id,
        // An empty secret (`id:` in Basic) is no secret, as an empty parameter is none.
        secret: secret.filter(|secret| !secret.is_empty()),
    })
}

/// Checks the presented credentials against the client's registration. A public client
/// must not present a secret (it has none, so any secret is wrong); a secret client must
/// present its secret, by header or body — either is accepted, whichever it registered,
/// since both prove the same thing.
pub fn authenticate_client(
    client: &PresentedClient,
    registered_method: TokenEndpointAuthMethod,
    stored_secret_hash: Option<&str>,
) -> Result<(), OAuthError> {
    let authenticated = match (registered_method.issues_secret(), &client.secret) {
        (false, None) => true,
        (false, Some(_)) => false,
        (true, None) => false,
        (true, Some(secret)) => {
            stored_secret_hash.is_some_and(|stored| client_secret_matches(secret, stored))
        }
    };
    if authenticated {
        Ok(())
    } else {
        Err(OAuthError::invalid_client("Client authentication failed."))
    }
}

/// An authorization code exchange, well-formed but not yet checked against anything.
#[derive(Debug)]
pub struct TokenRequest {
    pub client: PresentedClient,
    pub code: AuthorizationCode,
    /// `None` when the client left it out; otherwise it must match the code's.
    pub redirect_uri: Option<String>,
    pub code_verifier: CodeVerifier,
    /// RFC 8707 `resource` values, possibly none.
    pub resources: Vec<String>,
}

/// Reads a token request body (`application/x-www-form-urlencoded`) and the
/// `Authorization` header. Only `grant_type=authorization_code` exists here: there are no
/// refresh tokens and no client-only grants.
pub fn parse_token_request(
    params: &[(String, String)],
    authorization_header: Option<&str>,
) -> Result<TokenRequest, OAuthError> {
    match form::single(params, "grant_type")? {
        None => {
            return Err(OAuthError::invalid_request(
                "The request has no grant_type.",
            ))
        }
        Some("authorization_code") => {}
        Some(_) => {
            return Err(OAuthError::new(
                OAuthErrorCode::UnsupportedGrantType,
                "Only grant_type=authorization_code is supported.",
            ))
        }
    }
    let client = presented_client(params, authorization_header)?;
    let Some(raw_code) = form::single(params, "code")? else {
        return Err(OAuthError::invalid_request("The request has no code."));
    };
    // Wrong shape can only mean a code we never issued.
    let code = AuthorizationCode::parse(raw_code).ok_or_else(|| {
        OAuthError::invalid_grant("The code is invalid, expired or already used.")
    })?;
    // Optional: OAuth 2.1 drops it from the token request, since PKCE already binds the
    // code to the client that asked for it. When a client sends it (RFC 6749 clients do),
    // it must be exactly the one the code was issued for.
    let redirect_uri = form::single(params, "redirect_uri")?.map(str::to_owned);
    let Some(raw_verifier) = form::single(params, "code_verifier")? else {
        return Err(OAuthError::invalid_request(
            "The request has no code_verifier: PKCE is required.",
        ));
    };
    let code_verifier = CodeVerifier::parse(raw_verifier).ok_or_else(|| {
        OAuthError::invalid_request(
            "The code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        )
    })?;
    Ok(TokenRequest {
        client,
        code,
        redirect_uri,
        code_verifier,
        resources: form::values(params, "resource")
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

/// Checks that `stored` (the code the request's code hashes to) was issued for this very
/// exchange. Every mismatch is `invalid_grant` — a code issued to another client included
/// (RFC 6749 §5.2) — with one message, so the response does not tell an attacker which
/// part was wrong; a resource other than the one the code was issued for is RFC 8707's
/// `invalid_target`.
pub fn check_code_binding(
    stored: &StoredCode,
    request: &TokenRequest,
    now_ms: i64,
) -> Result<(), OAuthError> {
    let bound = now_ms < stored.expires_at_ms
        && stored.client_id == request.client.client_id
        && request
            .redirect_uri
            .as_ref()
            .is_none_or(|presented| *presented == stored.redirect_uri)
        && verify_s256(&request.code_verifier, &stored.code_challenge);
    if !bound {
        return Err(OAuthError::invalid_grant(
            "The code is invalid, expired or already used, or was issued for another client, redirect_uri or code_verifier.",
        ));
    }
    if !request
        .resources
        .iter()
        .all(|resource| is_resource(&stored.resource, resource))
    {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidTarget,
            format!("The code was issued for the resource {}.", stored.resource),
        ));
    }
    Ok(())
}

/// The successful token response (RFC 6749 §5.1): a bearer key that never expires, so no
/// `expires_in`, and no refresh token. Send it with [`TOKEN_RESPONSE_HEADERS`].
pub fn token_response(access_token: &str, scope: &str) -> Value {
    json!({ "access_token": access_token, "token_type": "Bearer", "scope": scope })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::registration::ClientSecret;

    const CLIENT: &str = "dcr_0123456789abcdef0123456789abcdef";
    const OTHER_CLIENT: &str = "dcr_fedcba9876543210fedcba9876543210";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const REDIRECT: &str = "http://127.0.0.1:51004/callback";
    const RESOURCE: &str = "https://keys.example.com/mcp";
    const NOW: i64 = 1_795_847_984_123;

    fn code() -> String {
        "ab".repeat(32)
    }

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn good_body() -> Vec<(String, String)> {
        params(&[
            ("grant_type", "authorization_code"),
            ("code", &code()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", CLIENT),
            ("resource", RESOURCE),
        ])
    }

    fn with(name: &str, value: &str) -> Vec<(String, String)> {
        let mut body: Vec<_> = good_body().into_iter().filter(|(k, _)| k != name).collect();
        body.push((name.to_owned(), value.to_owned()));
        body
    }

    fn without(name: &str) -> Vec<(String, String)> {
        good_body().into_iter().filter(|(k, _)| k != name).collect()
    }

    fn error_of(body: &[(String, String)], header: Option<&str>) -> OAuthErrorCode {
        parse_token_request(body, header)
            .expect_err("request should fail")
            .error
    }

    fn stored() -> StoredCode {
        StoredCode {
            client_id: ClientId::parse(CLIENT).unwrap(),
            redirect_uri: REDIRECT.to_owned(),
            code_challenge: CodeChallenge::parse(CHALLENGE).unwrap(),
            scope: "mcp".to_owned(),
            resource: RESOURCE.to_owned(),
            expires_at_ms: NOW + CODE_TTL_MS,
        }
    }

    fn basic(id: &str, secret: &str) -> String {
        format!(
            "Basic {}",
            encode_standard(format!("{id}:{secret}").as_bytes())
        )
    }

    /// Test-only standard Base64 encoder, to build Basic headers.
    fn encode_standard(bytes: &[u8]) -> String {
        super::super::base64::encode_url_no_pad(bytes)
            .replace('-', "+")
            .replace('_', "/")
            + &"=".repeat((3 - bytes.len() % 3) % 3)
    }

    #[test]
    fn a_public_client_exchange_parses() {
        let request = parse_token_request(&good_body(), None).expect("valid request");
        assert_eq!(request.client.client_id.as_str(), CLIENT);
        assert!(!request.client.has_secret());
        assert_eq!(request.code.expose_secret(), code());
        assert_eq!(request.redirect_uri.as_deref(), Some(REDIRECT));
        assert_eq!(request.resources, [RESOURCE]);
    }

    #[test]
    fn the_resource_is_optional() {
        assert!(parse_token_request(&without("resource"), None)
            .unwrap()
            .resources
            .is_empty());
    }

    #[test]
    fn the_grant_type_must_be_authorization_code() {
        assert_eq!(
            error_of(&without("grant_type"), None),
            OAuthErrorCode::InvalidRequest
        );
        for grant in [
            "refresh_token",
            "client_credentials",
            "password",
            "AUTHORIZATION_CODE",
        ] {
            assert_eq!(
                error_of(&with("grant_type", grant), None),
                OAuthErrorCode::UnsupportedGrantType,
                "{grant}"
            );
        }
    }

    #[test]
    fn missing_parameters_are_invalid_requests() {
        for name in ["code", "code_verifier"] {
            assert_eq!(
                error_of(&without(name), None),
                OAuthErrorCode::InvalidRequest,
                "{name}"
            );
            assert_eq!(
                error_of(&with(name, ""), None),
                OAuthErrorCode::InvalidRequest,
                "{name}"
            );
        }
    }

    #[test]
    fn repeated_parameters_are_invalid_requests() {
        for name in [
            "grant_type",
            "code",
            "redirect_uri",
            "code_verifier",
            "client_id",
        ] {
            let mut body = good_body();
            let value = body.iter().find(|(k, _)| k == name).unwrap().1.clone();
            body.push((name.to_owned(), value));
            assert_eq!(
                error_of(&body, None),
                OAuthErrorCode::InvalidRequest,
                "{name}"
            );
        }
    }

    #[test]
    fn a_code_of_the_wrong_shape_is_an_invalid_grant() {
        for bad in ["abc", &"AB".repeat(32), &"ab".repeat(33)] {
            assert_eq!(
                error_of(&with("code", bad), None),
                OAuthErrorCode::InvalidGrant,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_malformed_code_verifier_is_an_invalid_request() {
        for bad in ["short", &"a".repeat(129), &format!("{}+", "a".repeat(43))] {
            assert_eq!(
                error_of(&with("code_verifier", bad), None),
                OAuthErrorCode::InvalidRequest
            );
        }
    }

    #[test]
    fn a_request_without_any_client_identification_is_an_invalid_client() {
        let error = parse_token_request(&without("client_id"), None).unwrap_err();
        assert_eq!(error.error, OAuthErrorCode::InvalidClient);
        assert_eq!(error.status(), 401);
        assert!(error.www_authenticate().is_some());
    }

    #[test]
    fn a_malformed_client_id_is_an_invalid_client() {
        assert_eq!(
            error_of(&with("client_id", "claude"), None),
            OAuthErrorCode::InvalidClient
        );
    }

    #[test]
    fn a_secret_in_the_body_is_read() {
        let request = parse_token_request(&with("client_secret", "s3cret"), None).unwrap();
        assert!(request.client.has_secret());
    }

    #[test]
    fn basic_credentials_identify_the_client() {
        let header = basic(CLIENT, "s3cret");
        let request = parse_token_request(&without("client_id"), Some(&header)).unwrap();
        assert_eq!(request.client.client_id.as_str(), CLIENT);
        assert!(request.client.has_secret());
        // The same client_id in the body is fine.
        assert!(parse_token_request(&good_body(), Some(&header)).is_ok());
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = basic(CLIENT, "a%3Ab+c");
        assert_eq!(
            parse_basic_credentials(Some(&header)),
            BasicCredentials::Present {
                client_id: CLIENT.to_owned(),
                secret: "a:b c".to_owned()
            }
        );
    }

    #[test]
    fn the_basic_scheme_is_case_insensitive_and_other_schemes_are_ignored() {
        let encoded = encode_standard(format!("{CLIENT}:x").as_bytes());
        assert!(matches!(
            parse_basic_credentials(Some(&format!("bAsIc {encoded}"))),
            BasicCredentials::Present { .. }
        ));
        assert_eq!(
            parse_basic_credentials(Some("Bearer abc")),
            BasicCredentials::Absent
        );
        assert_eq!(parse_basic_credentials(None), BasicCredentials::Absent);
    }

    #[test]
    fn malformed_basic_credentials_are_an_invalid_client() {
        for header in [
            "Basic".to_owned(),
            "Basic !!!".to_owned(),
            format!("Basic {}", encode_standard(b"no-colon")),
            format!("Basic {}", encode_standard(b":secret")),
            format!("Basic {}", encode_standard(b"id:%zz")),
            format!("Basic {}", encode_standard(&[0xff, b':', b'x'])),
        ] {
            assert_eq!(
                error_of(&without("client_id"), Some(&header)),
                OAuthErrorCode::InvalidClient,
                "{header}"
            );
        }
    }

    #[test]
    fn basic_credentials_and_a_body_secret_together_are_refused() {
        let header = basic(CLIENT, "s3cret");
        assert_eq!(
            error_of(&with("client_secret", "s3cret"), Some(&header)),
            OAuthErrorCode::InvalidRequest
        );
    }

    #[test]
    fn a_body_client_id_that_contradicts_the_header_is_refused() {
        let header = basic(CLIENT, "s3cret");
        assert_eq!(
            error_of(&with("client_id", OTHER_CLIENT), Some(&header)),
            OAuthErrorCode::InvalidClient
        );
    }

    #[test]
    fn an_empty_basic_secret_is_no_secret() {
        let header = basic(CLIENT, "");
        let request = parse_token_request(&without("client_id"), Some(&header)).unwrap();
        assert!(!request.client.has_secret());
    }

    #[test]
    fn public_clients_authenticate_without_a_secret_and_fail_with_one() {
        let public = presented_client(&good_body(), None).unwrap();
        assert!(authenticate_client(&public, TokenEndpointAuthMethod::None, None).is_ok());
        let with_secret = presented_client(&with("client_secret", "x"), None).unwrap();
        let error =
            authenticate_client(&with_secret, TokenEndpointAuthMethod::None, None).unwrap_err();
        assert_eq!(error.error, OAuthErrorCode::InvalidClient);
    }

    #[test]
    fn secret_clients_must_present_the_right_secret_by_header_or_body() {
        let secret = ClientSecret::generate();
        let hash = secret.hash();
        for method in [
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost,
        ] {
            let by_body =
                presented_client(&with("client_secret", secret.expose_secret()), None).unwrap();
            assert!(authenticate_client(&by_body, method, Some(&hash)).is_ok());
            let header = basic(CLIENT, secret.expose_secret());
            let by_header = presented_client(&without("client_id"), Some(&header)).unwrap();
            assert!(authenticate_client(&by_header, method, Some(&hash)).is_ok());

            let wrong = presented_client(&with("client_secret", "wrong"), None).unwrap();
            assert!(authenticate_client(&wrong, method, Some(&hash)).is_err());
            let none = presented_client(&good_body(), None).unwrap();
            assert!(authenticate_client(&none, method, Some(&hash)).is_err());
            assert!(authenticate_client(&by_body, method, None).is_err());
        }
    }

    #[test]
    fn a_code_bound_to_this_exchange_passes() {
        let request = parse_token_request(&good_body(), None).unwrap();
        assert_eq!(check_code_binding(&stored(), &request, NOW), Ok(()));
        let without_resource = parse_token_request(&without("resource"), None).unwrap();
        assert_eq!(
            check_code_binding(&stored(), &without_resource, NOW),
            Ok(())
        );
    }

    #[test]
    fn an_expired_code_is_an_invalid_grant() {
        let request = parse_token_request(&good_body(), None).unwrap();
        let expires = stored().expires_at_ms;
        assert!(check_code_binding(&stored(), &request, expires - 1).is_ok());
        assert_eq!(
            check_code_binding(&stored(), &request, expires)
                .unwrap_err()
                .error,
            OAuthErrorCode::InvalidGrant
        );
    }

    #[test]
    fn a_code_issued_to_another_client_is_an_invalid_grant() {
        let request = parse_token_request(&with("client_id", OTHER_CLIENT), None).unwrap();
        let error = check_code_binding(&stored(), &request, NOW).unwrap_err();
        assert_eq!(error.error, OAuthErrorCode::InvalidGrant);
        assert_eq!(error.status(), 400);
    }

    #[test]
    fn a_left_out_redirect_uri_is_fine_since_pkce_binds_the_code() {
        for body in [without("redirect_uri"), with("redirect_uri", "")] {
            let request = parse_token_request(&body, None).expect("valid without redirect_uri");
            assert_eq!(request.redirect_uri, None);
            assert!(check_code_binding(&stored(), &request, NOW).is_ok());
        }
    }

    #[test]
    fn a_different_redirect_uri_is_an_invalid_grant() {
        for uri in [
            "http://127.0.0.1:51005/callback",
            "http://127.0.0.1:51004/callback/",
            "http://127.0.0.1/callback",
        ] {
            let request = parse_token_request(&with("redirect_uri", uri), None).unwrap();
            assert_eq!(
                check_code_binding(&stored(), &request, NOW)
                    .unwrap_err()
                    .error,
                OAuthErrorCode::InvalidGrant,
                "{uri}"
            );
        }
    }

    #[test]
    fn a_wrong_code_verifier_is_an_invalid_grant() {
        let request = parse_token_request(&with("code_verifier", &"a".repeat(43)), None).unwrap();
        assert_eq!(
            check_code_binding(&stored(), &request, NOW)
                .unwrap_err()
                .error,
            OAuthErrorCode::InvalidGrant
        );
    }

    #[test]
    fn every_binding_failure_reads_the_same() {
        let wrong_client = parse_token_request(&with("client_id", OTHER_CLIENT), None).unwrap();
        let wrong_verifier =
            parse_token_request(&with("code_verifier", &"a".repeat(43)), None).unwrap();
        assert_eq!(
            check_code_binding(&stored(), &wrong_client, NOW),
            check_code_binding(&stored(), &wrong_verifier, NOW)
        );
    }

    #[test]
    fn another_resource_is_an_invalid_target() {
        let request =
            parse_token_request(&with("resource", "https://evil.example/mcp"), None).unwrap();
        assert_eq!(
            check_code_binding(&stored(), &request, NOW)
                .unwrap_err()
                .error,
            OAuthErrorCode::InvalidTarget
        );
        let slash = parse_token_request(&with("resource", &format!("{RESOURCE}/")), None).unwrap();
        assert!(check_code_binding(&stored(), &slash, NOW).is_ok());
    }

    #[test]
    fn codes_are_64_hex_characters_stored_as_their_hash() {
        let code = AuthorizationCode::generate();
        assert!(is_lower_hex(code.expose_secret(), 64));
        let parsed = AuthorizationCode::parse(code.expose_secret()).unwrap();
        assert_eq!(parsed.hash(), code.hash());
        assert_eq!(code.hash(), sha256_hex(code.expose_secret().as_bytes()));
        assert_ne!(AuthorizationCode::generate().hash(), code.hash());
        assert!(!format!("{code:?}").contains(code.expose_secret()));
    }

    #[test]
    fn a_stored_code_carries_the_approved_request_and_its_expiry() {
        let request = AuthorizeRequest {
            client_id: ClientId::parse(CLIENT).unwrap(),
            redirect_uri: REDIRECT.to_owned(),
            state: Some("s".to_owned()),
            code_challenge: CodeChallenge::parse(CHALLENGE).unwrap(),
            scope: "mcp".to_owned(),
            resource: RESOURCE.to_owned(),
        };
        assert_eq!(StoredCode::for_request(&request, NOW), stored());
    }

    #[test]
    fn the_token_response_is_a_bearer_key_without_expiry_or_refresh_token() {
        let body = token_response("hdr_user_abc", "mcp");
        assert_eq!(
            body,
            json!({ "access_token": "hdr_user_abc", "token_type": "Bearer", "scope": "mcp" })
        );
        assert!(TOKEN_RESPONSE_HEADERS.contains(&("Cache-Control", "no-store")));
    }

    #[test]
    fn errors_serialise_as_rfc_6749_bodies() {
        let error = OAuthError::invalid_grant("nope");
        assert_eq!(
            error.to_json(),
            json!({ "error": "invalid_grant", "error_description": "nope" })
        );
        assert_eq!(error.status(), 400);
        assert_eq!(error.www_authenticate(), None);
        assert_eq!(OAuthError::invalid_client("x").status(), 401);
    }

    #[test]
    fn every_error_code_has_its_rfc_name() {
        let names: Vec<&str> = [
            OAuthErrorCode::InvalidRequest,
            OAuthErrorCode::InvalidClient,
            OAuthErrorCode::InvalidGrant,
            OAuthErrorCode::UnauthorizedClient,
            OAuthErrorCode::UnsupportedGrantType,
            OAuthErrorCode::InvalidScope,
            OAuthErrorCode::InvalidTarget,
        ]
        .into_iter()
        .map(OAuthErrorCode::as_str)
        .collect();
        assert_eq!(
            names,
            [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "unauthorized_client",
                "unsupported_grant_type",
                "invalid_scope",
                "invalid_target"
            ]
        );
    }

    #[test]
    fn debug_output_never_contains_presented_secrets() {
        let request = parse_token_request(&with("client_secret", "topsecretvalue"), None).unwrap();
        let printed = format!("{request:?}");
        assert!(!printed.contains("topsecretvalue"));
        assert!(!printed.contains(VERIFIER));
        assert!(!printed.contains(&code()));
        let header = basic(CLIENT, "topsecretvalue");
        assert!(!format!("{:?}", parse_basic_credentials(Some(&header))).contains("topsecretvalue"));
    }
}
