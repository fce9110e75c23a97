//! The authorization endpoint's rules (RFC 6749 §4.1.1–§4.1.2, PKCE, RFC 8707, RFC 9207):
//! which requests may proceed to the consent page, which errors go back to the client,
//! and which must never be redirected anywhere.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! The handler's order is:
//! 1. [`requested_client_id`] — a missing, repeated or malformed `client_id` is shown as
//!    an error page; so is an id no client is registered under (the caller's lookup).
//! 2. [`validate_authorize_request`] with that client's registered redirect URIs.
//!    [`AuthorizeError::NotRedirectable`] is an error page; [`AuthorizeError::Redirect`]
//!    sends the browser back to the client with [`AuthorizeError::redirect_url`].
//! 3. After consent, [`code_redirect_url`] or, on denial, [`error_redirect_url`] with
//!    [`AuthorizeErrorCode::AccessDenied`].

use url::Url;

use super::form::{self, Duplicated};
use super::metadata::MCP_SCOPE;
use super::metadata_document::DocumentUrl;
use super::pkce::{CodeChallenge, S256};
use super::redirect_uri;
use super::registration::ClientId;

/// The `error` values of RFC 6749 §4.1.2.1 (plus RFC 8707's `invalid_target`) that this
/// server sends to a redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizeErrorCode {
    InvalidRequest,
    UnsupportedResponseType,
    InvalidScope,
    InvalidTarget,
    AccessDenied,
    ServerError,
}

impl AuthorizeErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizeErrorCode::InvalidRequest => "invalid_request",
            AuthorizeErrorCode::UnsupportedResponseType => "unsupported_response_type",
            AuthorizeErrorCode::InvalidScope => "invalid_scope",
            AuthorizeErrorCode::InvalidTarget => "invalid_target",
            AuthorizeErrorCode::AccessDenied => "access_denied",
            AuthorizeErrorCode::ServerError => "server_error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The client or its redirect URI cannot be trusted, so the error is shown to the user
    /// and nobody is redirected: redirecting would make this endpoint an open redirector
    /// (RFC 6749 §4.1.2.1, §10.15).
    NotRedirectable { description: String },
    /// The redirect URI is one the client registered: the error goes back to it.
    Redirect {
        redirect_uri: String,
        error: AuthorizeErrorCode,
        description: String,
        state: Option<String>,
    },
}

impl AuthorizeError {
    /// Where to send the browser, for errors that are sent back to the client.
    pub fn redirect_url(&self, issuer: &str) -> Option<String> {
        match self {
            AuthorizeError::NotRedirectable { .. } => None,
            AuthorizeError::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => Some(error_redirect_url(
                redirect_uri,
                *error,
                Some(description),
                state.as_deref(),
                issuer,
            )),
        }
    }

    pub fn description(&self) -> &str {
        match self {
            AuthorizeError::NotRedirectable { description }
            | AuthorizeError::Redirect { description, .. } => description,
        }
    }
}

/// A request fit for the consent page. Everything the code will be bound to is here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub client_id: ClientId,
    /// The redirect URI as presented (with its own port, for loopback), or the only
    /// registered one when none was presented. The code goes here, and the token request
    /// must repeat it exactly.
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: CodeChallenge,
    /// Always [`MCP_SCOPE`].
    pub scope: String,
    /// The canonical resource, `<origin>/mcp`, whether or not the client named it.
    pub resource: String,
}

fn not_redirectable(description: impl Into<String>) -> AuthorizeError {
    AuthorizeError::NotRedirectable {
        description: description.into(),
    }
}

/// The client an authorization request names: one registered here (`dcr_…`), or one known
/// by the URL of its metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestedClient {
    Registered(ClientId),
    Document(DocumentUrl),
}

impl RequestedClient {
    /// The id its codes and keys are recorded under.
    pub fn internal_id(&self) -> ClientId {
        match self {
            RequestedClient::Registered(id) => id.clone(),
            RequestedClient::Document(url) => url.internal_id(),
        }
    }

    /// The `client_id` exactly as the client sends it.
    pub fn as_presented(&self) -> &str {
        match self {
            RequestedClient::Registered(id) => id.as_str(),
            RequestedClient::Document(url) => url.as_str(),
        }
    }
}

/// The client the request claims to come from. Any problem here is shown, not redirected:
/// without a known client there is no trusted redirect URI. `allow_insecure_loopback` is
/// [`DocumentUrl::parse`]'s switch for local document servers.
pub fn requested_client_id(
    params: &[(String, String)],
    allow_insecure_loopback: bool,
) -> Result<RequestedClient, AuthorizeError> {
    match form::single(params, "client_id") {
        Err(Duplicated(_)) => Err(not_redirectable(
            "The client_id parameter was sent more than once.",
        )),
        Ok(None) => Err(not_redirectable("The request has no client_id.")),
        Ok(Some(raw)) if DocumentUrl::looks_like_url(raw) => {
            DocumentUrl::parse(raw, allow_insecure_loopback)
                .map(RequestedClient::Document)
                .map_err(|error| not_redirectable(error.to_string()))
        }
        Ok(Some(raw)) => ClientId::parse(raw)
            .map(RequestedClient::Registered)
            .ok_or_else(|| not_redirectable("The client_id is not one this server issued.")),
    }
}

/// Checks an authorization request of `client` (as [`requested_client_id`] read it), whose
/// registered redirect URIs are `registered_redirect_uris`. `expected_resource` is
/// [`super::metadata::mcp_resource`] of this origin.
pub fn validate_authorize_request(
    params: &[(String, String)],
    client: &RequestedClient,
    registered_redirect_uris: &[String],
    expected_resource: &str,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let client_id = client.internal_id();
    let redirect_uri = trusted_redirect_uri(params, registered_redirect_uris)?;

    // From here on every error goes back to the client, with its state when we have one.
    let redirect_error = |error, description: &str, state: Option<&str>| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: state.map(str::to_owned),
    };
    let invalid_request = |description: &str, state| {
        redirect_error(AuthorizeErrorCode::InvalidRequest, description, state)
    };
    let state = form::single(params, "state")
        .map_err(|_| invalid_request("The state parameter was sent more than once.", None))?;
    let single = |name: &str| {
        form::single(params, name).map_err(|_| {
            invalid_request(
                &format!("The {name} parameter was sent more than once."),
                state,
            )
        })
    };

    match single("response_type")? {
        None => return Err(invalid_request("The request has no response_type.", state)),
        Some("code") => {}
        Some(_) => {
            return Err(redirect_error(
                AuthorizeErrorCode::UnsupportedResponseType,
                "Only response_type=code is supported.",
                state,
            ))
        }
    }

    let Some(raw_challenge) = single("code_challenge")? else {
        return Err(invalid_request(
            "PKCE is required: send a code_challenge with code_challenge_method=S256.",
            state,
        ));
    };
    if single("code_challenge_method")? != Some(S256) {
        // RFC 7636 §4.4.1 names this error; an absent method would mean `plain`.
        return Err(invalid_request(
            "Transform algorithm not supported: code_challenge_method must be S256.",
            state,
        ));
    }
    let Some(code_challenge) = CodeChallenge::parse(raw_challenge) else {
        return Err(invalid_request(
            "The code_challenge must be the 43-character base64url SHA-256 of the code_verifier.",
            state,
        ));
    };

    let scope = granted_scope(single("scope")?).ok_or_else(|| {
        redirect_error(
            AuthorizeErrorCode::InvalidScope,
            "The only scope offered is mcp.",
            state,
        )
    })?;

    let resources = form::values(params, "resource");
    if !resources
        .iter()
        .all(|resource| is_resource(expected_resource, resource))
    {
        return Err(redirect_error(
            AuthorizeErrorCode::InvalidTarget,
            &format!("The only resource served here is {expected_resource}."),
            state,
        ));
    }

    Ok(AuthorizeRequest {
        client_id,
        redirect_uri,
        state: state.map(str::to_owned),
        code_challenge,
        scope: scope.to_owned(),
        resource: expected_resource.to_owned(),
    })
}

/// RFC 6749 §3.1.2.3 and OAuth 2.1: the redirect URI may be left out only when the client
/// registered exactly one; otherwise it must match a registered one.
fn trusted_redirect_uri(
    params: &[(String, String)],
    registered: &[String],
) -> Result<String, AuthorizeError> {
    let presented = form::single(params, "redirect_uri")
        .map_err(|_| not_redirectable("The redirect_uri parameter was sent more than once."))?;
    match (presented, registered) {
        (None, [only]) => Ok(only.clone()),
        (None, _) => Err(not_redirectable(
            "The request has no redirect_uri, and this client registered more than one.",
        )),
        (Some(presented), registered) => registered
            .iter()
            .any(|candidate| redirect_uri::matches(candidate, presented))
            .then(|| presented.to_owned())
            .ok_or_else(|| not_redirectable("The redirect_uri is not one this client registered.")),
    }
}

/// The scope granted for a requested `scope`: always `mcp`. Absent or blank means `mcp`.
/// `offline_access` is ignored rather than refused, because some MCP clients (Claude
/// Code) always ask for it; it would mean a refresh token, and keys never expire anyway.
/// The token response states the granted scope, as RFC 6749 §3.3 requires when it
/// differs. Any other scope gets `None`: `invalid_scope`.
pub fn granted_scope(requested: Option<&str>) -> Option<&'static str> {
    let understood = requested
        .unwrap_or_default()
        .split(' ')
        .filter(|token| !token.is_empty())
        .all(|token| token == MCP_SCOPE || token == "offline_access");
    understood.then_some(MCP_SCOPE)
}

/// True when a `resource` parameter (RFC 8707) names this server's MCP endpoint
/// (`expected`, `<origin>/mcp`) or the origin itself, which the path-less protected resource
/// metadata names (RFC 9728 §3.3). Compared as URLs: scheme and host in any case, the
/// default port written or not, one trailing slash tolerated (MCP clients derive the
/// value from the server URL the user typed). No query, fragment or user info.
pub fn is_resource(expected: &str, presented: &str) -> bool {
    let (Ok(expected), Ok(presented)) = (Url::parse(expected), Url::parse(presented)) else {
        return false;
    };
    let same_origin = presented.scheme() == expected.scheme()
        && presented.host() == expected.host()
        && presented.port_or_known_default() == expected.port_or_known_default();
    let clean = presented.query().is_none()
        && presented.fragment().is_none()
        && presented.username().is_empty()
        && presented.password().is_none();
    let path = presented.path();
    let path = path.strip_suffix('/').unwrap_or(path);
    same_origin && clean && (path.is_empty() || path == expected.path())
}

/// The successful authorization response (RFC 6749 §4.1.2 with RFC 9207's `iss`).
pub fn code_redirect_url(
    redirect_uri: &str,
    code: &str,
    state: Option<&str>,
    issuer: &str,
) -> String {
    let mut pairs = vec![("code", code)];
    pairs.extend(state.map(|state| ("state", state)));
    pairs.push(("iss", issuer));
    append_query(redirect_uri, &pairs)
}

/// An error response sent to the client's redirect URI (RFC 6749 §4.1.2.1 with `iss`).
pub fn error_redirect_url(
    redirect_uri: &str,
    error: AuthorizeErrorCode,
    description: Option<&str>,
    state: Option<&str>,
    issuer: &str,
) -> String {
    let mut pairs = vec![("error", error.as_str())];
    pairs.extend(description.map(|description| ("error_description", description)));
    pairs.extend(state.map(|state| ("state", state)));
    pairs.push(("iss", issuer));
    append_query(redirect_uri, &pairs)
}

/// Adds form-encoded parameters to a URI's query, keeping any query it already has
/// (RFC 6749 §3.1.2: "MUST retain the query component"). Registered redirect URIs carry no
/// fragment; if one did, the parameters still go before it.
fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match uri.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (uri, None),
    };
    let separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut url = format!("{base}{separator}{}", form::encode(pairs));
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

#[cfg(test)]
mod tests;
