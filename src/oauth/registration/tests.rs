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
    assert!(client_secret_matches(
        secret.expose_secret(),
        stored.as_str()
    ));
    assert!(!client_secret_matches("wrong", stored.as_str()));
    assert!(!client_secret_matches("", stored.as_str()));
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
        let body = json!({ "redirect_uris": ["https://e.example/cb"], "response_types": kinds });
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
