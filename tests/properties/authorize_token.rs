//! `oauth::authorize`, `oauth::token` and `oauth::form`: whole requests, edited the way a sloppy or hostile client would.

use crate::common::*;
use crate::oauth_fixtures::{
    good_authorize_request, params, standard_base64, CHALLENGE, CLIENT, LOOPBACK, REDIRECT,
    RESOURCE, VERIFIER, WEB,
};
use crate::redirect_uri::{https_uri, loopback_uri, uri_like};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::Index;

use hadron_keys::oauth::authorize::{requested_client_id, validate_authorize_request};
use hadron_keys::oauth::authorize::{AuthorizeError, AuthorizeRequest};
use hadron_keys::oauth::form;
use hadron_keys::oauth::pkce::CodeChallenge;
use hadron_keys::oauth::redirect_uri::matches;
use hadron_keys::oauth::token::{
    parse_basic_credentials, parse_token_request, AuthorizationCode, BasicCredentials,
};

const CODE: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

type Params = Vec<(String, String)>;

/// One change to a parameter list: what a sloppy or hostile client might send instead.
#[derive(Debug, Clone)]
enum ParamEdit {
    Drop(Index),
    Repeat(Index),
    Revalue(Index, String),
    Add(String, String),
}

fn apply_param_edits(mut params: Params, edits: &[ParamEdit]) -> Params {
    for edit in edits {
        match edit {
            ParamEdit::Drop(at) if !params.is_empty() => {
                params.remove(at.index(params.len()));
            }
            ParamEdit::Repeat(at) if !params.is_empty() => {
                let pair = params[at.index(params.len())].clone();
                params.push(pair);
            }
            ParamEdit::Revalue(at, value) if !params.is_empty() => {
                let i = at.index(params.len());
                params[i].1 = value.clone();
            }
            ParamEdit::Add(name, value) => params.push((name.clone(), value.clone())),
            _ => {}
        }
    }
    params
}

/// A valid request, or one with up to three edits, or a list of loose parameters.
fn params_around(
    good: Params,
    names: &'static [&'static str],
    values: &'static [&'static str],
) -> impl Strategy<Value = Params> {
    let name = move || prop_oneof![6 => strings(names), 1 => text()];
    let value = move || prop_oneof![6 => strings(values), 1 => loopback_uri(), 1 => text()];
    let edit = prop_oneof![
        any::<Index>().prop_map(ParamEdit::Drop),
        any::<Index>().prop_map(ParamEdit::Repeat),
        (any::<Index>(), value()).prop_map(|(at, v)| ParamEdit::Revalue(at, v)),
        (name(), value()).prop_map(|(n, v)| ParamEdit::Add(n, v)),
    ];
    prop_oneof![
        vec(edit, 0..4).prop_map(move |edits| apply_param_edits(good.clone(), &edits)),
        vec((name(), value()), 0..12),
    ]
}

const AUTHORIZE_NAMES: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "resource",
];

const AUTHORIZE_VALUES: &[&str] = &[
    "",
    "code",
    "token",
    CLIENT,
    "dcr_0123",
    CHALLENGE,
    "S256",
    "plain",
    "mcp",
    "mcp offline_access",
    "admin",
    RESOURCE,
    "https://keys.example.com/mcp/",
    "https://evil.example",
    LOOPBACK,
    WEB,
    REDIRECT,
    "https://evil.example/cb",
    "xyz",
];

fn authorize_params() -> impl Strategy<Value = Params> {
    params_around(good_authorize_request(), AUTHORIZE_NAMES, AUTHORIZE_VALUES)
}

fn registered_uris() -> impl Strategy<Value = Vec<String>> {
    (
        // Mostly the URIs the well-formed requests present, so that some get past them.
        proptest::bool::weighted(0.8),
        vec(prop_oneof![loopback_uri(), https_uri(), text()], 0..3),
    )
        .prop_map(|(usual, others)| {
            let mut registered = Vec::new();
            if usual {
                registered.extend([LOOPBACK.to_owned(), WEB.to_owned()]);
            }
            registered.extend(others);
            registered
        })
}

fn check_accepted_authorization(
    request: &AuthorizeRequest,
    params: &Params,
    registered: &[String],
) -> Result<(), TestCaseError> {
    // The client as presented (a `dcr_` id, or a metadata document's URL), recorded under
    // its internal id: the URL's derived `dcr_` id for a document client.
    let presented = requested_client_id(params, false).map_err(|error| {
        TestCaseError::fail(format!("accepted with an unreadable client_id: {error:?}"))
    })?;
    prop_assert_eq!(
        form::single(params, "client_id"),
        Ok(Some(presented.as_presented()))
    );
    prop_assert_eq!(&request.client_id, &presented.internal_id());
    prop_assert_eq!(form::single(params, "response_type"), Ok(Some("code")));
    prop_assert_eq!(
        form::single(params, "code_challenge_method"),
        Ok(Some("S256"))
    );
    prop_assert_eq!(
        form::single(params, "code_challenge"),
        Ok(Some(request.code_challenge.as_str()))
    );
    prop_assert!(CodeChallenge::parse(request.code_challenge.as_str()).is_some());
    prop_assert!(registered.iter().any(|r| matches(r, &request.redirect_uri)));
    prop_assert_eq!(form::single(params, "state"), Ok(request.state.as_deref()));
    prop_assert_eq!(request.scope.as_str(), "mcp");
    prop_assert_eq!(request.resource.as_str(), RESOURCE);
    Ok(())
}

const TOKEN_NAMES: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
    "client_secret",
    "resource",
];

const TOKEN_VALUES: &[&str] = &[
    "",
    "authorization_code",
    "refresh_token",
    CODE,
    "00112233",
    VERIFIER,
    "short",
    CLIENT,
    "dcr_0123",
    "secret",
    RESOURCE,
    LOOPBACK,
    REDIRECT,
];

fn token_params() -> impl Strategy<Value = Params> {
    let good = params(&[
        ("grant_type", "authorization_code"),
        ("code", CODE),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", CLIENT),
    ]);
    params_around(good, TOKEN_NAMES, TOKEN_VALUES)
}

/// `Basic base64(urlencode(id):urlencode(secret))` with the scheme in any case.
fn basic_header(scheme_upper: bool, id: &str, secret: &str, padded: bool) -> String {
    let scheme = if scheme_upper { "BASIC" } else { "Basic" };
    let credentials = format!("{}:{}", percent_encode_all(id), percent_encode_all(secret));
    format!(
        "{scheme} {}",
        standard_base64(credentials.as_bytes(), padded)
    )
}

fn authorization_header() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        2 => (
            any::<bool>(),
            strings(&[CLIENT, "dcr_0123", ""]),
            strings(&["", "secret"]),
            any::<bool>(),
        )
            .prop_map(|(upper, id, secret, padded)| {
                Some(basic_header(upper, &id, &secret, padded))
            }),
        1 => "(Basic|basic|Bearer) [A-Za-z0-9+/=:]{0,30}".prop_map(Some),
        1 => text().prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn an_authorization_request_never_redirects_anywhere_unregistered(
        params in authorize_params(),
        registered in registered_uris(),
    ) {
        // What the handler does: read the client id (any problem is shown, never
        // redirected), then validate against what that client registered.
        let result = requested_client_id(&params, false).and_then(|client| {
            validate_authorize_request(&params, &client, &registered, RESOURCE)
        });
        match result {
            Ok(request) => check_accepted_authorization(&request, &params, &registered)?,
            Err(AuthorizeError::Redirect { redirect_uri, state, description, .. }) => {
                let registered_one = registered.iter().any(|r| matches(r, &redirect_uri));
                prop_assert!(registered_one, "{}", redirect_uri);
                prop_assert_eq!(state.as_deref(), form::single(&params, "state").unwrap_or(None));
                prop_assert!(is_rfc6749_description(&description), "{:?}", description);
            }
            Err(AuthorizeError::NotRedirectable { description }) => {
                prop_assert!(is_rfc6749_description(&description), "{:?}", description);
            }
        }
    }

    #[test]
    fn an_unregistered_redirect_uri_is_never_redirected_to(
        presented in prop_oneof![
            uri_like(),
            strings(&[
                "https://evil.example/cb",
                "http://127.0.0.1:51004/other",
                "http://localhost:51004/callback",
                "https://claude.ai/api/mcp/auth_callback/",
            ]),
        ],
        registered in registered_uris(),
        also_broken in option::of(strings(&AUTHORIZE_NAMES[2..])),
    ) {
        // An empty value counts as no redirect_uri at all.
        prop_assume!(!presented.is_empty());
        prop_assume!(!registered.iter().any(|r| matches(r, &presented)));
        let mut params: Params = good_authorize_request()
            .into_iter()
            .filter(|(name, _)| name != "redirect_uri" && Some(name) != also_broken.as_ref())
            .collect();
        params.push(("redirect_uri".to_owned(), presented));
        let client = requested_client_id(&params, false).expect("the good request's client");
        let result = validate_authorize_request(&params, &client, &registered, RESOURCE);
        prop_assert!(matches!(result, Err(AuthorizeError::NotRedirectable { .. })), "{:?}", result);
    }

    #[test]
    fn the_client_id_is_one_well_formed_value_or_an_error(params in authorize_params()) {
        let values = form::values(&params, "client_id");
        match requested_client_id(&params, false) {
            Ok(client) => {
                prop_assert_eq!(values.clone(), vec![client.as_presented()]);
                prop_assert!(is_prefixed_lower_hex(client.internal_id().as_str(), "dcr_", 32));
            }
            Err(error) => {
                let shown = matches!(error, AuthorizeError::NotRedirectable { .. });
                prop_assert!(shown, "{:?}", error);
                prop_assert!(values.len() != 1 || !is_prefixed_lower_hex(values[0], "dcr_", 32));
            }
        }
    }

    #[test]
    fn a_token_request_is_accepted_only_when_complete_and_well_formed(
        params in token_params(),
        header in authorization_header(),
    ) {
        match parse_token_request(&params, header.as_deref()) {
            Ok(request) => {
                let single = |name| form::single(&params, name);
                prop_assert_eq!(single("grant_type"), Ok(Some("authorization_code")));
                prop_assert_eq!(single("code"), Ok(Some(request.code.expose_secret())));
                prop_assert!(is_prefixed_lower_hex(request.code.expose_secret(), "", 64));
                prop_assert_eq!(single("redirect_uri"), Ok(request.redirect_uri.as_deref()));
                let verifier = single("code_verifier").unwrap().unwrap();
                prop_assert!((43..=128).contains(&verifier.len()));
                prop_assert!(verifier.bytes().all(is_unreserved));
                prop_assert!(is_prefixed_lower_hex(request.client.client_id.as_str(), "dcr_", 32));
                prop_assert_eq!(request.resources, form::values(&params, "resource"));
            }
            Err(error) => {
                prop_assert!(is_rfc6749_description(&error.description), "{:?}", error.description);
                prop_assert!(!error.description.is_empty());
            }
        }
    }
}

proptest! {
    #[test]
    fn basic_credentials_read_back_any_id_and_secret(
        upper in any::<bool>(),
        id in text().prop_filter("an id is never empty", |id| !id.is_empty()),
        secret in text(),
        padded in any::<bool>(),
    ) {
        let header = basic_header(upper, &id, &secret, padded);
        prop_assert_eq!(
            parse_basic_credentials(Some(&header)),
            BasicCredentials::Present { client_id: id, secret }
        );
    }

    #[test]
    fn basic_credentials_never_present_an_empty_id(header in option::of(prop_oneof![
        text(),
        "(Basic|basic|BASIC)[ \t]{1,2}[A-Za-z0-9+/=]{0,24}",
        (any::<bool>(), text(), any::<bool>())
            .prop_map(|(upper, secret, padded)| basic_header(upper, "", &secret, padded)),
    ])) {
        let credentials = parse_basic_credentials(header.as_deref());
        if let BasicCredentials::Present { client_id, .. } = credentials {
            prop_assert!(!client_id.is_empty());
        }
    }

    #[test]
    fn basic_credentials_without_an_id_or_a_colon_are_malformed(
        upper in any::<bool>(),
        secret in text(),
        no_colon in text().prop_filter("no colon", |t| !t.contains(':')),
        padded in any::<bool>(),
    ) {
        let without_id = basic_header(upper, "", &secret, padded);
        prop_assert_eq!(parse_basic_credentials(Some(&without_id)), BasicCredentials::Malformed);
        let without_colon = format!("Basic {}", standard_base64(no_colon.as_bytes(), padded));
        prop_assert_eq!(parse_basic_credentials(Some(&without_colon)), BasicCredentials::Malformed);
    }

    #[test]
    fn authorization_code_parse_accepts_exactly_64_lower_hex(
        candidate in prop_oneof![text(), "[0-9a-fA-F]{62,66}"]
    ) {
        prop_assert_eq!(
            AuthorizationCode::parse(&candidate).is_some(),
            is_prefixed_lower_hex(&candidate, "", 64)
        );
    }

    #[test]
    fn form_encoding_round_trips_any_pairs(list in vec((text(), text()), 0..8)) {
        let borrowed: Vec<(&str, &str)> =
            list.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        prop_assert_eq!(form::parse(&form::encode(&borrowed)), list);
    }

    #[test]
    fn a_percent_encoded_component_decodes_back(raw in text()) {
        prop_assert_eq!(form::decode_component(&percent_encode_all(&raw)), Some(raw));
    }

    #[test]
    fn single_finds_at_most_one_non_empty_value(
        list in vec(
            (strings(&["a", "b", "A"]), prop_oneof![Just(String::new()), "[a-z]{1,3}"]),
            0..6,
        ),
        name in strings(&["a", "b", "c"]),
    ) {
        let values: Vec<&str> = list
            .iter()
            .filter(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect();
        let expected = match values.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(form::Duplicated(name.clone())),
        };
        prop_assert_eq!(form::single(&list, &name), expected);
    }
}
