//! The authorization endpoint's rules (RFC 6749 §4.1.1–§4.1.2, PKCE, RFC 8707, RFC 9207):
//! which requests may proceed to the consent page, which errors go back to the client,
//! and which must never be redirected anywhere.
//!
//! The handler's order is:
//! 1. [`requested_client_id`] — a missing, repeated or malformed `client_id` is shown as
//!    an error page; so is an id no client is registered under (the caller's lookup).
//! 2. [`validate_authorize_request`] with that client's registered redirect URIs.
//!    [`AuthorizeError::NotRedirectable`] is an error page; [`AuthorizeError::Redirect`]
//!    sends the browser back to the client with [`AuthorizeError::redirect_url`].
//! 3. After consent, [`code_redirect_url`] or, on denial, [`error_redirect_url`] with
//!    [`AuthorizeErrorCode::AccessDenied`].

use super::form::{self, Duplicated};
use super::metadata::MCP_SCOPE;
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

/// The client the request claims to come from. Any problem here is shown, not redirected:
/// without a known client there is no trusted redirect URI.
pub fn requested_client_id(params: &[(String, String)]) -> Result<ClientId, AuthorizeError> {
    match form::single(params, "client_id") {
        Err(Duplicated(_)) => Err(not_redirectable(
            "The client_id parameter was sent more than once.",
        )),
        Ok(None) => Err(not_redirectable("The request has no client_id.")),
        Ok(Some(raw)) => ClientId::parse(raw)
            .ok_or_else(|| not_redirectable("The client_id is not one this server issued.")),
    }
}

/// Checks an authorization request for a client whose registered redirect URIs are
/// `registered_redirect_uris`. `expected_resource` is [`super::metadata::mcp_resource`]
/// of this origin.
pub fn validate_authorize_request(
    params: &[(String, String)],
    registered_redirect_uris: &[String],
    expected_resource: &str,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let client_id = requested_client_id(params)?;
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

/// True when a `resource` parameter (RFC 8707) names this server's MCP endpoint. One
/// trailing slash is tolerated: `<origin>/mcp/` cannot name any other resource here, and
/// MCP clients derive the value from the server URL the user typed, which sometimes ends
/// in a slash. Nothing else is normalised.
pub fn is_resource(expected: &str, presented: &str) -> bool {
    presented == expected || presented.strip_suffix('/') == Some(expected)
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
mod tests {
    use super::*;

    const CLIENT: &str = "dcr_0123456789abcdef0123456789abcdef";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const RESOURCE: &str = "https://keys.example.com/mcp";
    const ISSUER: &str = "https://keys.example.com";
    const LOOPBACK: &str = "http://127.0.0.1/callback";
    const WEB: &str = "https://claude.ai/api/mcp/auth_callback";

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn good_request() -> Vec<(String, String)> {
        params(&[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "http://127.0.0.1:51004/callback"),
            ("state", "xyz"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("scope", "mcp"),
            ("resource", RESOURCE),
        ])
    }

    fn with(name: &str, value: &str) -> Vec<(String, String)> {
        let mut request: Vec<_> = good_request()
            .into_iter()
            .filter(|(k, _)| k != name)
            .collect();
        request.push((name.to_owned(), value.to_owned()));
        request
    }

    fn without(name: &str) -> Vec<(String, String)> {
        good_request()
            .into_iter()
            .filter(|(k, _)| k != name)
            .collect()
    }

    fn doubled(name: &str) -> Vec<(String, String)> {
        let mut request = good_request();
        let value = request.iter().find(|(k, _)| k == name).unwrap().1.clone();
        request.push((name.to_owned(), value));
        request
    }

    fn validate(request: &[(String, String)]) -> Result<AuthorizeRequest, AuthorizeError> {
        validate_authorize_request(request, &[LOOPBACK.to_owned(), WEB.to_owned()], RESOURCE)
    }

    fn redirected_error(request: &[(String, String)]) -> (AuthorizeErrorCode, Option<String>) {
        match validate(request) {
            Err(AuthorizeError::Redirect {
                error,
                state,
                redirect_uri,
                ..
            }) => {
                assert_eq!(redirect_uri, "http://127.0.0.1:51004/callback");
                (error, state)
            }
            other => panic!("expected a redirected error, got {other:?}"),
        }
    }

    fn is_not_redirectable(result: Result<AuthorizeRequest, AuthorizeError>) -> bool {
        matches!(result, Err(AuthorizeError::NotRedirectable { .. }))
    }

    #[test]
    fn a_complete_request_is_accepted_with_the_presented_redirect_uri() {
        let request = validate(&good_request()).expect("valid request");
        assert_eq!(request.client_id.as_str(), CLIENT);
        assert_eq!(request.redirect_uri, "http://127.0.0.1:51004/callback");
        assert_eq!(request.state.as_deref(), Some("xyz"));
        assert_eq!(request.code_challenge.as_str(), CHALLENGE);
        assert_eq!(request.scope, "mcp");
        assert_eq!(request.resource, RESOURCE);
    }

    #[test]
    fn unknown_parameters_are_ignored() {
        let mut request = good_request();
        request.push(("prompt".into(), "consent".into()));
        assert!(validate(&request).is_ok());
    }

    #[test]
    fn client_id_problems_are_never_redirected() {
        assert!(is_not_redirectable(validate(&without("client_id"))));
        assert!(is_not_redirectable(validate(&with("client_id", ""))));
        assert!(is_not_redirectable(validate(&doubled("client_id"))));
        assert!(is_not_redirectable(validate(&with(
            "client_id",
            "someone-else"
        ))));
        assert_eq!(
            requested_client_id(&good_request()).unwrap().as_str(),
            CLIENT
        );
    }

    #[test]
    fn an_unregistered_redirect_uri_is_never_redirected_to() {
        for uri in [
            "https://evil.example/cb",
            "http://127.0.0.1:51004/other",
            "http://localhost:51004/callback",
            "https://claude.ai/api/mcp/auth_callback/",
        ] {
            assert!(
                is_not_redirectable(validate(&with("redirect_uri", uri))),
                "{uri}"
            );
        }
    }

    #[test]
    fn a_repeated_redirect_uri_is_never_redirected_to() {
        assert!(is_not_redirectable(validate(&doubled("redirect_uri"))));
    }

    #[test]
    fn the_redirect_uri_may_be_left_out_only_when_one_is_registered() {
        let request = without("redirect_uri");
        assert!(is_not_redirectable(validate(&request)));
        let single = validate_authorize_request(&request, &[WEB.to_owned()], RESOURCE).unwrap();
        assert_eq!(single.redirect_uri, WEB);
    }

    #[test]
    fn a_client_with_no_registered_redirect_uri_cannot_be_redirected_to() {
        assert!(is_not_redirectable(validate_authorize_request(
            &good_request(),
            &[],
            RESOURCE
        )));
        assert!(is_not_redirectable(validate_authorize_request(
            &without("redirect_uri"),
            &[],
            RESOURCE
        )));
    }

    #[test]
    fn errors_after_the_redirect_uri_is_trusted_go_back_with_the_state() {
        let (error, state) = redirected_error(&with("response_type", "token"));
        assert_eq!(error, AuthorizeErrorCode::UnsupportedResponseType);
        assert_eq!(state.as_deref(), Some("xyz"));
    }

    #[test]
    fn the_response_type_must_be_code() {
        assert_eq!(
            redirected_error(&without("response_type")).0,
            AuthorizeErrorCode::InvalidRequest
        );
        for kind in ["token", "code id_token", "CODE", "id_token"] {
            assert_eq!(
                redirected_error(&with("response_type", kind)).0,
                AuthorizeErrorCode::UnsupportedResponseType,
                "{kind}"
            );
        }
    }

    #[test]
    fn repeated_parameters_are_invalid_requests() {
        for name in [
            "response_type",
            "code_challenge",
            "code_challenge_method",
            "scope",
        ] {
            assert_eq!(
                redirected_error(&doubled(name)).0,
                AuthorizeErrorCode::InvalidRequest,
                "{name}"
            );
        }
    }

    #[test]
    fn a_repeated_state_is_an_invalid_request_without_a_state() {
        assert_eq!(
            redirected_error(&doubled("state")),
            (AuthorizeErrorCode::InvalidRequest, None)
        );
    }

    #[test]
    fn state_is_optional_and_an_empty_state_is_no_state() {
        assert_eq!(validate(&without("state")).unwrap().state, None);
        assert_eq!(validate(&with("state", "")).unwrap().state, None);
    }

    #[test]
    fn pkce_is_required() {
        assert_eq!(
            redirected_error(&without("code_challenge")).0,
            AuthorizeErrorCode::InvalidRequest
        );
    }

    #[test]
    fn only_the_s256_method_is_accepted() {
        for method in ["plain", "s256", "S512"] {
            let request = with("code_challenge_method", method);
            let Err(error) = validate(&request) else {
                panic!("{method} accepted")
            };
            assert!(
                error
                    .description()
                    .contains("Transform algorithm not supported"),
                "{method}"
            );
        }
        let Err(error) = validate(&without("code_challenge_method")) else {
            panic!("a missing method means plain and must be refused")
        };
        assert!(matches!(
            error,
            AuthorizeError::Redirect {
                error: AuthorizeErrorCode::InvalidRequest,
                ..
            }
        ));
    }

    #[test]
    fn a_malformed_code_challenge_is_an_invalid_request() {
        for challenge in [
            &CHALLENGE[..42],
            "not a challenge",
            &format!("{CHALLENGE}="),
        ] {
            assert_eq!(
                redirected_error(&with("code_challenge", challenge)).0,
                AuthorizeErrorCode::InvalidRequest,
                "{challenge}"
            );
        }
    }

    #[test]
    fn the_scope_defaults_to_mcp() {
        assert_eq!(validate(&without("scope")).unwrap().scope, "mcp");
        assert_eq!(validate(&with("scope", "")).unwrap().scope, "mcp");
        assert_eq!(validate(&with("scope", " ")).unwrap().scope, "mcp");
    }

    #[test]
    fn offline_access_is_tolerated_but_not_granted() {
        assert_eq!(
            validate(&with("scope", "mcp offline_access"))
                .unwrap()
                .scope,
            "mcp"
        );
        assert_eq!(
            validate(&with("scope", "offline_access")).unwrap().scope,
            "mcp"
        );
    }

    #[test]
    fn other_scopes_are_invalid() {
        for scope in ["admin", "mcp admin", "openid", "MCP", "mcp\tadmin"] {
            assert_eq!(
                redirected_error(&with("scope", scope)).0,
                AuthorizeErrorCode::InvalidScope,
                "{scope}"
            );
        }
    }

    #[test]
    fn the_resource_is_optional_and_always_recorded_in_canonical_form() {
        assert_eq!(validate(&without("resource")).unwrap().resource, RESOURCE);
        assert_eq!(
            validate(&with("resource", "https://keys.example.com/mcp/"))
                .unwrap()
                .resource,
            RESOURCE
        );
    }

    #[test]
    fn any_other_resource_is_an_invalid_target() {
        for resource in [
            "https://keys.example.com",
            "https://keys.example.com/",
            "https://keys.example.com/mcp//",
            "https://keys.example.com/mcp/x",
            "https://keys.example.com/MCP",
            "http://keys.example.com/mcp",
            "https://keys.example.com:443/mcp",
            "https://keys.example.com/mcp#x",
            "https://evil.example/mcp",
            "mcp",
        ] {
            assert_eq!(
                redirected_error(&with("resource", resource)).0,
                AuthorizeErrorCode::InvalidTarget,
                "{resource}"
            );
        }
    }

    #[test]
    fn several_resources_are_accepted_only_if_each_is_this_one() {
        let mut request = good_request();
        request.push(("resource".into(), format!("{RESOURCE}/")));
        assert!(validate(&request).is_ok());
        request.push(("resource".into(), "https://other.example/mcp".into()));
        assert_eq!(
            redirected_error(&request).0,
            AuthorizeErrorCode::InvalidTarget
        );
    }

    #[test]
    fn the_code_redirect_carries_code_state_and_issuer() {
        assert_eq!(
            code_redirect_url("http://127.0.0.1:51004/callback", "abc", Some("x y&z"), ISSUER),
            "http://127.0.0.1:51004/callback?code=abc&state=x+y%26z&iss=https%3A%2F%2Fkeys.example.com"
        );
        assert_eq!(
            code_redirect_url("com.example.app:/cb", "abc", None, ISSUER),
            "com.example.app:/cb?code=abc&iss=https%3A%2F%2Fkeys.example.com"
        );
    }

    #[test]
    fn an_existing_query_on_the_redirect_uri_is_kept() {
        assert_eq!(
            code_redirect_url("https://e.example/cb?tenant=a", "c", None, ISSUER),
            "https://e.example/cb?tenant=a&code=c&iss=https%3A%2F%2Fkeys.example.com"
        );
        assert_eq!(
            code_redirect_url("https://e.example/cb?", "c", None, ISSUER),
            "https://e.example/cb?code=c&iss=https%3A%2F%2Fkeys.example.com"
        );
        assert_eq!(
            code_redirect_url("https://e.example/cb?a=1&", "c", None, ISSUER),
            "https://e.example/cb?a=1&code=c&iss=https%3A%2F%2Fkeys.example.com"
        );
    }

    #[test]
    fn parameters_go_before_a_fragment() {
        assert_eq!(
            code_redirect_url("https://e.example/cb#frag", "c", None, ISSUER),
            "https://e.example/cb?code=c&iss=https%3A%2F%2Fkeys.example.com#frag"
        );
    }

    #[test]
    fn error_redirects_carry_error_description_state_and_issuer() {
        let error = validate(&with("scope", "admin")).unwrap_err();
        let url = error.redirect_url(ISSUER).expect("redirectable");
        assert_eq!(
            url,
            "http://127.0.0.1:51004/callback?error=invalid_scope&error_description=The+only+scope+offered+is+mcp.&state=xyz&iss=https%3A%2F%2Fkeys.example.com"
        );
        assert_eq!(
            error_redirect_url(WEB, AuthorizeErrorCode::AccessDenied, None, Some("s"), ISSUER),
            "https://claude.ai/api/mcp/auth_callback?error=access_denied&state=s&iss=https%3A%2F%2Fkeys.example.com"
        );
    }

    #[test]
    fn not_redirectable_errors_have_no_url() {
        let error = validate(&without("client_id")).unwrap_err();
        assert_eq!(error.redirect_url(ISSUER), None);
        assert!(!error.description().is_empty());
    }

    #[test]
    fn every_error_description_uses_only_the_characters_rfc_6749_allows() {
        let mut requests = vec![
            without("client_id"),
            doubled("client_id"),
            with("redirect_uri", "https://evil.example/cb"),
            doubled("redirect_uri"),
            doubled("state"),
            without("response_type"),
            with("response_type", "token"),
            without("code_challenge"),
            with("code_challenge_method", "plain"),
            with("code_challenge", "x"),
            with("scope", "admin"),
            with("resource", "https://evil.example"),
        ];
        requests.push(without("redirect_uri"));
        for request in requests {
            let error = validate(&request).unwrap_err();
            let allowed = error
                .description()
                .bytes()
                .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e));
            assert!(allowed, "{:?}", error.description());
        }
    }

    #[test]
    fn is_resource_accepts_only_the_exact_resource_or_one_trailing_slash() {
        assert!(is_resource(RESOURCE, RESOURCE));
        assert!(is_resource(RESOURCE, &format!("{RESOURCE}/")));
        assert!(!is_resource(RESOURCE, &format!("{RESOURCE}//")));
        assert!(!is_resource(RESOURCE, "https://keys.example.com/mc"));
    }
}
