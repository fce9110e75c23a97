//! The token endpoint's rules (RFC 6749 §4.1.3, §5, RFC 7636 §4.6, RFC 8707): reading a
//! code exchange, authenticating the client, and checking that the code was issued for
//! exactly this exchange.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! The handler's order is:
//! 1. [`parse_token_request`] (form body + `Authorization` header).
//! 2. Look up the client by `request.client.client_id` (unknown → [`OAuthError::invalid_client`])
//!    and [`authenticate_client`] with its registered method and secret hash.
//! 3. Find the code by [`AuthorizationCode::hash`] *and this client*: a code issued to
//!    another client is `invalid_grant` and changes nothing.
//! 4. [`proves_possession`]: only a presenter that also holds the PKCE verifier (and the
//!    redirect URI) goes on; anyone else — who may have read the code in a browser history
//!    or a log — gets `invalid_grant` and changes nothing.
//! 5. Count the exchange atomically. A second exchange by the code's own client with its
//!    verifier is a replay: the key the first one minted is revoked (RFC 6749 §4.1.2),
//!    and the answer is `invalid_grant`.
//! 6. [`check_code_binding`] (expiry, resource), then mint the key — revoking the client's
//!    earlier key for the same user in the same batch — and answer [`token_response`].

use std::fmt;

use serde_json::{json, Value};

use super::authorize::{is_resource, AuthorizeRequest};
use super::base64::decode_standard;
use super::error::{OAuthError, OAuthErrorCode};
use super::form::{self, Duplicated};
use super::metadata_document::DocumentUrl;
use super::pkce::{verify_s256, CodeChallenge, CodeVerifier};
use super::registration::{client_secret_matches, ClientId, TokenEndpointAuthMethod};
use crate::crypto::{is_lower_hex, random_hex, Sha256Hex};

/// How long a code may wait for its exchange. RFC 6749 §4.1.2 recommends at most ten
/// minutes; a client exchanges its code within seconds of the redirect.
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
const _: () = assert!(CODE_TTL_MS > 0 && CODE_TTL_MS <= 10 * 60 * 1000);

/// Response headers for every token endpoint answer that carries a token (RFC 6749 §5.1).
pub const TOKEN_RESPONSE_HEADERS: [(&str, &str); 2] =
    [("Cache-Control", "no-store"), ("Pragma", "no-cache")];

impl From<Duplicated> for OAuthError {
    fn from(Duplicated(name): Duplicated) -> Self {
        OAuthError::invalid_request(format!("The {name} parameter was sent more than once."))
    }
}

/// An authorization code: 32 random bytes as hex. It exists in memory between consent and
/// the redirect, and again at the token endpoint; the database holds only its SHA-256.
pub struct AuthorizationCode(String);

/// What D1 holds of an authorization code.
pub type CodeHash = Sha256Hex<AuthorizationCode>;

impl AuthorizationCode {
    pub fn generate() -> Self {
        AuthorizationCode(random_hex::<32>())
    }

    pub fn parse(candidate: &str) -> Option<Self> {
        is_lower_hex(candidate, 64).then(|| AuthorizationCode(candidate.to_owned()))
    }

    pub fn hash(&self) -> CodeHash {
        Sha256Hex::of(self.0.as_bytes())
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
    /// The id it is recorded under: as presented, or derived from its document URL.
    pub client_id: ClientId,
    /// Presented as the URL of a Client ID Metadata Document rather than a `dcr_` id.
    pub by_document: bool,
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
            .field("by_document", &self.by_document)
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
    let unknown = || OAuthError::invalid_client("Unknown client.");
    let (client_id, by_document) = if DocumentUrl::looks_like_url(&raw_id) {
        // Lenient about loopback documents: only a URL the authorization endpoint accepted
        // (and stored) can be a known client here.
        let url = DocumentUrl::parse(&raw_id, true).map_err(|_| unknown())?;
        (url.internal_id(), true)
    } else {
        (ClientId::parse(&raw_id).ok_or_else(unknown)?, false)
    };
    Ok(PresentedClient {
        client_id,
        by_document,
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

/// True when the presenter is the code's own client and holds what only that client has:
/// the PKCE verifier (and the redirect URI, when it sends one). Only such a presenter may
/// count as an exchange — and so only it can trigger replay protection.
pub fn proves_possession(stored: &StoredCode, request: &TokenRequest) -> bool {
    stored.client_id == request.client.client_id
        && request
            .redirect_uri
            .as_ref()
            .is_none_or(|presented| *presented == stored.redirect_uri)
        && verify_s256(&request.code_verifier, &stored.code_challenge)
}

/// Checks that `stored` (the code the request's code hashes to) was issued for this very
/// exchange and is still valid. Every mismatch is `invalid_grant` — a code issued to
/// another client included (RFC 6749 §5.2) — with one message, so the response does not
/// tell an attacker which part was wrong; a resource other than the one the code was
/// issued for is RFC 8707's `invalid_target`.
pub fn check_code_binding(
    stored: &StoredCode,
    request: &TokenRequest,
    now_ms: i64,
) -> Result<(), OAuthError> {
    if !(now_ms < stored.expires_at_ms && proves_possession(stored, request)) {
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
mod tests;
