//! `oauth::registration`: dynamic client registration bodies and client ids.

use crate::common::*;
use crate::oauth_fixtures::{LOOPBACK, WEB};
use crate::redirect_uri::{https_uri, loopback_uri, uri_like, valid_redirect_uri};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

use hadron_keys::oauth::redirect_uri::RedirectUri;
use hadron_keys::oauth::registration::{
    parse_registration, ClientId, RegistrationError, RegistrationErrorCode, MAX_CLIENT_NAME_CHARS,
    MAX_REDIRECT_URIS,
};

/// Absent, `null`, a value from `plausible`, or any JSON at all.
fn field(plausible: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(Value::Null)),
        8 => plausible.prop_map(Some),
        1 => json_value().prop_map(Some),
    ]
    .boxed()
}

fn registration_body() -> impl Strategy<Value = Value> {
    let redirect_uris = vec(
        // The fixed ones come up twice now and then: duplicates are kept once.
        prop_oneof![
            9 => valid_redirect_uri(),
            1 => uri_like(),
            3 => strings(&[LOOPBACK, WEB, "com.example.app:/cb"]),
        ],
        0..=MAX_REDIRECT_URIS + 1,
    )
    .prop_map(|uris| json!(uris));
    let client_name = prop_oneof!["\\s{0,2}\\PC{0,110}\\s{0,2}", text()].prop_map(Value::String);
    let auth_method = strings(&[
        "none",
        "client_secret_post",
        "client_secret_basic",
        "private_key_jwt",
    ])
    .prop_map(Value::String);
    let grant_types = prop_oneof![
        2 => Just(json!(["authorization_code"])),
        2 => Just(json!(["authorization_code", "refresh_token"])),
        1 => vec(
            strings(&["authorization_code", "refresh_token", "password"]),
            0..3
        )
        .prop_map(|g| json!(g)),
    ];
    let response_types = prop_oneof![
        3 => Just(json!(["code"])),
        1 => vec(strings(&["code", "token"]), 0..3).prop_map(|r| json!(r)),
    ];
    let client_uri = prop_oneof![
        https_uri(),
        loopback_uri(),
        Just(String::new()),
        strings(&[
            "javascript:alert(1)",
            "https://u:p@e.example",
            "https:e.example"
        ]),
        text(),
    ]
    .prop_map(Value::String);
    (
        field(redirect_uris),
        field(client_name),
        field(auth_method),
        field(grant_types),
        field(response_types),
        field(text().prop_map(Value::String)),
        field(client_uri),
        vec((text(), json_value()), 0..2),
    )
        .prop_map(
            |(uris, name, method, grants, responses, scope, client_uri, extra)| {
                let fields = vec![
                    ("redirect_uris", uris),
                    ("client_name", name),
                    ("token_endpoint_auth_method", method),
                    ("grant_types", grants),
                    ("response_types", responses),
                    ("scope", scope),
                    ("client_uri", client_uri),
                ];
                Value::Object(object_of(fields, extra))
            },
        )
}

fn check_registration_error(error: &RegistrationError) -> Result<(), TestCaseError> {
    prop_assert!(
        is_rfc6749_description(&error.description),
        "{:?}",
        error.description
    );
    prop_assert!(!error.description.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn registration_answers_any_json_and_refuses_non_objects(body in json_value()) {
        match parse_registration(&body) {
            Ok(_) => prop_assert!(body.is_object()),
            Err(error) => {
                check_registration_error(&error)?;
                if !body.is_object() {
                    prop_assert_eq!(error.error, RegistrationErrorCode::InvalidClientMetadata);
                }
            }
        }
    }

    #[test]
    fn an_accepted_registration_holds_only_valid_distinct_redirect_uris(
        body in registration_body()
    ) {
        let sent: Option<Vec<&str>> = body["redirect_uris"]
            .as_array()
            .and_then(|uris| uris.iter().map(Value::as_str).collect());
        match parse_registration(&body) {
            Ok(registration) => {
                let sent = sent.expect("accepted only with an array of strings");
                let kept: Vec<&str> =
                    registration.redirect_uris.iter().map(RedirectUri::as_str).collect();
                prop_assert!((1..=MAX_REDIRECT_URIS).contains(&kept.len()));
                for uri in &registration.redirect_uris {
                    prop_assert_eq!(RedirectUri::parse(uri.as_str()), Ok(uri.clone()));
                }
                // What was sent, in order, each once.
                let mut first_occurrences: Vec<&str> = Vec::new();
                for uri in &sent {
                    if !first_occurrences.contains(uri) {
                        first_occurrences.push(uri);
                    }
                }
                prop_assert_eq!(kept, first_occurrences);

                let name = &registration.client_name;
                prop_assert!(!name.is_empty() && name.trim() == name);
                prop_assert!(name.chars().count() <= MAX_CLIENT_NAME_CHARS);
                prop_assert!(!name.chars().any(char::is_control));
                if let Some(client_uri) = &registration.client_uri {
                    prop_assert_eq!(Some(client_uri.as_str()), body["client_uri"].as_str());
                    let lower = client_uri.to_ascii_lowercase();
                    prop_assert!(lower.starts_with("https://") || lower.starts_with("http://"));
                }
            }
            Err(error) => {
                check_registration_error(&error)?;
                // A bad redirect URI is always named as one.
                if let Some(sent) = sent.filter(|s| (1..=MAX_REDIRECT_URIS).contains(&s.len())) {
                    if sent.iter().any(|uri| RedirectUri::parse(uri).is_err()) {
                        prop_assert_eq!(error.error, RegistrationErrorCode::InvalidRedirectUri);
                    }
                }
            }
        }
    }

    #[test]
    fn client_id_parse_accepts_exactly_dcr_and_32_lower_hex(
        candidate in prop_oneof![text(), "(dcr|DCR|key)_[0-9a-fA-F]{30,34}"]
    ) {
        prop_assert_eq!(
            ClientId::parse(&candidate).is_some(),
            is_prefixed_lower_hex(&candidate, "dcr_", 32)
        );
    }
}
