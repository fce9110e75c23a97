use super::*;
use crate::oauth::metadata_document::DocumentUrl;
use crate::oauth::test_fixtures::{
    self, good_authorize_request as good_request, CHALLENGE, CLIENT, LOOPBACK, RESOURCE, WEB,
};

const ISSUER: &str = "https://keys.example.com";

fn with(name: &str, value: &str) -> Vec<(String, String)> {
    test_fixtures::with(good_request(), name, value)
}

fn without(name: &str) -> Vec<(String, String)> {
    test_fixtures::without(good_request(), name)
}

fn doubled(name: &str) -> Vec<(String, String)> {
    let mut request = good_request();
    let value = request.iter().find(|(k, _)| k == name).unwrap().1.clone();
    request.push((name.to_owned(), value));
    request
}

/// What the handler does: read the client id, then validate against what it registered.
fn validate_with(
    request: &[(String, String)],
    registered: &[String],
) -> Result<AuthorizeRequest, AuthorizeError> {
    let client = requested_client_id(request, false)?;
    validate_authorize_request(request, &client, registered, RESOURCE)
}

fn validate(request: &[(String, String)]) -> Result<AuthorizeRequest, AuthorizeError> {
    validate_with(request, &[LOOPBACK.to_owned(), WEB.to_owned()])
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
        requested_client_id(&good_request(), false).unwrap(),
        RequestedClient::Registered(ClientId::parse(CLIENT).unwrap())
    );
}

#[test]
fn a_url_client_id_names_a_metadata_document_recorded_under_a_derived_id() {
    let url = "https://client.example.com/oauth/client.json";
    let client = requested_client_id(&with("client_id", url), false).expect("a document URL");
    assert_eq!(client.as_presented(), url);
    let document = DocumentUrl::parse(url, false).unwrap();
    assert_eq!(client.internal_id(), document.internal_id());
    let request = validate(&with("client_id", url)).expect("valid");
    assert_eq!(request.client_id, document.internal_id());
}

#[test]
fn a_url_client_id_that_breaks_the_document_rules_is_never_redirected() {
    for url in [
        "https://client.example.com",
        "http://client.example.com/c.json",
        "https://127.0.0.1/c.json",
        "http://127.0.0.1:4000/c.json",
    ] {
        assert!(
            is_not_redirectable(validate(&with("client_id", url))),
            "{url}"
        );
    }
    assert!(requested_client_id(&with("client_id", "http://127.0.0.1:4000/c.json"), true).is_ok());
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
    let single = validate_with(&request, &[WEB.to_owned()]).unwrap();
    assert_eq!(single.redirect_uri, WEB);
}

#[test]
fn a_client_with_no_registered_redirect_uri_cannot_be_redirected_to() {
    assert!(is_not_redirectable(validate_with(&good_request(), &[])));
    assert!(is_not_redirectable(validate_with(
        &without("redirect_uri"),
        &[]
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
        "https://keys.example.com/mcp//",
        "https://keys.example.com/mcp/x",
        "https://keys.example.com/MCP",
        "http://keys.example.com/mcp",
        "https://keys.example.com:8443/mcp",
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
        code_redirect_url(
            "http://127.0.0.1:51004/callback",
            "abc",
            Some("x y&z"),
            ISSUER
        ),
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

#[test]
fn is_resource_compares_as_urls() {
    for same in [
        "HTTPS://KEYS.EXAMPLE.COM/mcp",
        "https://Keys.Example.com/mcp",
        "https://keys.example.com:443/mcp",
        "https://keys.example.com:443/mcp/",
    ] {
        assert!(is_resource(RESOURCE, same), "{same}");
    }
    for other in [
        "https://keys.example.com/MCP",
        "http://keys.example.com/mcp",
        "https://keys.example.com:8443/mcp",
        "https://keys.example.org/mcp",
        "https://keys.example.com/mcp?x=1",
        "https://keys.example.com/mcp#x",
        "https://user@keys.example.com/mcp",
        "https://keys.example.com/other",
        "keys.example.com/mcp",
        "",
    ] {
        assert!(!is_resource(RESOURCE, other), "{other}");
    }
}

#[test]
fn the_origin_is_accepted_as_the_resource_the_bare_metadata_names() {
    assert!(is_resource(RESOURCE, "https://keys.example.com"));
    assert!(is_resource(RESOURCE, "https://keys.example.com/"));
    assert!(is_resource(
        "http://127.0.0.1:8787/mcp",
        "http://127.0.0.1:8787"
    ));
    assert!(!is_resource(
        "http://127.0.0.1:8787/mcp",
        "http://127.0.0.1:8788"
    ));
}
