use super::*;
use crate::oauth::metadata_document::DocumentUrl;
use crate::oauth::registration::ClientSecret;
use crate::oauth::test_fixtures::{
    self, params, standard_base64, CHALLENGE, CLIENT, REDIRECT, RESOURCE, VERIFIER,
};

const OTHER_CLIENT: &str = "dcr_fedcba9876543210fedcba9876543210";
const NOW: i64 = 1_795_847_984_123;

fn code() -> String {
    "ab".repeat(32)
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
    test_fixtures::with(good_body(), name, value)
}

fn without(name: &str) -> Vec<(String, String)> {
    test_fixtures::without(good_body(), name)
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
        standard_base64(format!("{id}:{secret}").as_bytes(), true)
    )
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
    let encoded = standard_base64(format!("{CLIENT}:x").as_bytes(), true);
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
        format!("Basic {}", standard_base64(b"no-colon", true)),
        format!("Basic {}", standard_base64(b":secret", true)),
        format!("Basic {}", standard_base64(b"id:%zz", true)),
        format!("Basic {}", standard_base64(&[0xff, b':', b'x'], true)),
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
    let error = authenticate_client(&with_secret, TokenEndpointAuthMethod::None, None).unwrap_err();
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
        assert!(authenticate_client(&by_body, method, Some(hash.as_str())).is_ok());
        let header = basic(CLIENT, secret.expose_secret());
        let by_header = presented_client(&without("client_id"), Some(&header)).unwrap();
        assert!(authenticate_client(&by_header, method, Some(hash.as_str())).is_ok());

        let wrong = presented_client(&with("client_secret", "wrong"), None).unwrap();
        assert!(authenticate_client(&wrong, method, Some(hash.as_str())).is_err());
        let none = presented_client(&good_body(), None).unwrap();
        assert!(authenticate_client(&none, method, Some(hash.as_str())).is_err());
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
    let request = parse_token_request(&with("resource", "https://evil.example/mcp"), None).unwrap();
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
    assert_eq!(
        code.hash().as_str(),
        crate::crypto::sha256_hex(code.expose_secret().as_bytes())
    );
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

#[test]
fn only_the_codes_own_client_with_its_verifier_proves_possession() {
    let request = parse_token_request(&good_body(), None).unwrap();
    assert!(proves_possession(&stored(), &request));
    let other_client = parse_token_request(&with("client_id", OTHER_CLIENT), None).unwrap();
    assert!(!proves_possession(&stored(), &other_client));
    let other_verifier = "x".repeat(43);
    let wrong_verifier =
        parse_token_request(&with("code_verifier", &other_verifier), None).unwrap();
    assert!(!proves_possession(&stored(), &wrong_verifier));
    let wrong_redirect =
        parse_token_request(&with("redirect_uri", "http://127.0.0.1:1/other"), None).unwrap();
    assert!(!proves_possession(&stored(), &wrong_redirect));
    // Expiry is not possession: an expired code's true owner still proves it.
    let mut expired = stored();
    expired.expires_at_ms = 0;
    assert!(proves_possession(&expired, &request));
}

#[test]
fn a_document_client_presents_its_url_and_is_recorded_under_the_derived_id() {
    let url = "https://client.example.com/oauth/client.json";
    let presented = presented_client(&with("client_id", url), None).unwrap();
    assert!(presented.by_document);
    assert_eq!(
        presented.client_id,
        DocumentUrl::parse(url, false).unwrap().internal_id()
    );
    let registered = presented_client(&good_body(), None).unwrap();
    assert!(!registered.by_document);
    for bad in [
        "https://client.example.com",
        "https://10.0.0.1/c.json",
        "http://x/c",
    ] {
        assert_eq!(
            presented_client(&with("client_id", bad), None)
                .unwrap_err()
                .error,
            OAuthErrorCode::InvalidClient,
            "{bad}"
        );
    }
}
