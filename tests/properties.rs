//! Property tests of the pure parsers: no input makes one panic, and each accepts exactly
//! what its rule says. Host only, `cargo test --test properties`. A property runs 256
//! cases (or `PROPTEST_CASES`) unless its block sets fewer for slower inputs.
//!
//! The oracles here are written from the rules in the doc comments, byte by byte, rather
//! than through the crate's own helpers, so a helper that drifts from its rule shows up.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Map, Value};

use hadron_keys::accounts::{Email, Role};
use hadron_keys::activity::{address_hash, ClientMeta};
use hadron_keys::credentials::{
    parse_bearer, session_cookie_name, Bearer, SessionToken, SESSION_COOKIE,
};
use hadron_keys::crypto::{constant_time_eq, hex, is_lower_hex, sha256, sha256_hex};
use hadron_keys::keys::{ApiKey, KeyId, Label, LabelError, KEY_PREFIX, LABEL_MAX_CHARS};
use hadron_keys::listing::Cursor;
use hadron_keys::mcp::jsonrpc::{
    parse_message, Incoming, INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR,
};
use hadron_keys::mcp::{
    negotiate_version, parse_tool_call, Tool, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS,
};
use hadron_keys::oauth::authorize::{requested_client_id, validate_authorize_request};
use hadron_keys::oauth::authorize::{AuthorizeError, AuthorizeRequest};
use hadron_keys::oauth::base64::{decode_standard, encode_url_no_pad};
use hadron_keys::oauth::form;
use hadron_keys::oauth::pkce::{verify_s256, CodeChallenge, CodeVerifier};
use hadron_keys::oauth::redirect_uri::{
    matches, RedirectKind, RedirectUri, RedirectUriError, KNOWN_APP_SCHEMES, MAX_REDIRECT_URI_LEN,
};
use hadron_keys::oauth::registration::{
    parse_registration, ClientId, RegistrationError, RegistrationErrorCode, MAX_CLIENT_NAME_CHARS,
    MAX_REDIRECT_URIS,
};
use hadron_keys::oauth::token::{
    parse_basic_credentials, parse_token_request, AuthorizationCode, BasicCredentials,
};
use hadron_keys::password::{Password, PasswordError, MAX_CHARS, MIN_CHARS};
use hadron_keys::text::{check_visible, strip_invisible, TextError};
use hadron_keys::throttle::{self, Limit};
use hadron_keys::time::rfc3339;

// ---------------------------------------------------------------------------------------
// Inputs shared by every section
// ---------------------------------------------------------------------------------------

/// Strings of every kind a request can carry: any Unicode, printable ASCII, ASCII with
/// control characters, and arbitrary bytes read as lossy UTF-8 (what a body decoder
/// hands on).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        "[\\x00-\\x7f]{0,80}",
        vec(any::<u8>(), 0..160).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

fn strings(values: &[&'static str]) -> impl Strategy<Value = String> {
    select(values.to_vec()).prop_map(str::to_owned)
}

fn is_lower_hex_byte(byte: u8) -> bool {
    matches!(byte, b'0'..=b'9' | b'a'..=b'f')
}

/// `^{prefix}[0-9a-f]{len}$`.
fn is_prefixed_lower_hex(candidate: &str, prefix: &str, len: usize) -> bool {
    let bytes = candidate.as_bytes();
    bytes.len() == prefix.len() + len
        && bytes.starts_with(prefix.as_bytes())
        && bytes[prefix.len()..].iter().all(|&b| is_lower_hex_byte(b))
}

/// RFC 6749 §5.2 (and §4.1.2.1): `error_description` is `%x20-21 / %x23-5B / %x5D-7E`.
fn is_rfc6749_description(description: &str) -> bool {
    description
        .bytes()
        .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// One edit to a string, by character position.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Index, char),
    Insert(Index, char),
    Remove(Index),
}

impl Edit {
    fn apply(&self, original: &str) -> String {
        let mut chars: Vec<char> = original.chars().collect();
        match *self {
            Edit::Replace(at, c) if !chars.is_empty() => {
                let i = at.index(chars.len());
                chars[i] = c;
            }
            Edit::Insert(at, c) => chars.insert(at.index(chars.len() + 1), c),
            Edit::Remove(at) if !chars.is_empty() => {
                chars.remove(at.index(chars.len()));
            }
            _ => {}
        }
        chars.into_iter().collect()
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    // Mostly characters that are one step from valid: other hex digits, upper case, the
    // prefix's own letters; and any character at all.
    let character = || {
        prop_oneof![
            select(
                "0123456789abcdefABCDEFghrsux_ \u{e9}\u{0}"
                    .chars()
                    .collect::<Vec<_>>()
            ),
            any::<char>(),
        ]
    };
    prop_oneof![
        (any::<Index>(), character()).prop_map(|(at, c)| Edit::Replace(at, c)),
        (any::<Index>(), character()).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<Index>().prop_map(Edit::Remove),
    ]
}

/// Standard Base64 (RFC 4648 §4), written here independently of the crate's decoder.
fn standard_base64(bytes: &[u8], padded: bool) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize] as char);
        }
        if padded {
            out.extend(std::iter::repeat_n('=', 3 - chunk.len()));
        }
    }
    out
}

/// Percent-encodes every byte that is not ASCII alphanumeric.
fn percent_encode_all(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Finite numbers with few significant digits: serde_json (without `float_roundtrip`)
/// reads these back to the very same `f64`, so a round trip can be compared exactly.
fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (any::<i16>(), 0i32..=4).prop_map(|(m, e)| Value::from(f64::from(m) / 10f64.powi(e))),
    ]
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        strings(&[
            "jsonrpc",
            "id",
            "method",
            "params",
            "result",
            "error",
            "name",
            "arguments",
            "redirect_uris",
            "client_name",
        ]),
        text(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((json_key(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    vec((json_key(), json_value()), 0..5).prop_map(|fields| fields.into_iter().collect())
}

/// `extra`, then `name: value` for every field that is `Some` (and without those that
/// are `None`, whatever `extra` held).
fn object_of(
    fields: Vec<(&str, Option<Value>)>,
    extra: Vec<(String, Value)>,
) -> Map<String, Value> {
    let mut object: Map<String, Value> = extra.into_iter().collect();
    for (name, value) in fields {
        match value {
            Some(value) => object.insert(name.to_owned(), value),
            None => object.remove(name),
        };
    }
    object
}

// ---------------------------------------------------------------------------------------
// Every parser, one arbitrary string
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn every_parser_is_total_on_arbitrary_text(input in text()) {
        let _ = ApiKey::parse(&input);
        let _ = KeyId::parse(&input);
        let _ = Label::parse(&input);
        let _ = Label::for_oauth_client(&input);
        let _ = parse_bearer(Some(&input));
        let _ = SessionToken::from_cookie_header(Some(&input), false);
        let _ = SessionToken::from_cookie_header(Some(&input), true);
        let _ = is_lower_hex(&input, 64);
        let _ = sha256_hex(input.as_bytes());
        let _ = Email::parse(&input);
        let _ = Role::parse(&input);
        let _ = parse_message(&input);
        let _ = negotiate_version(Some(&input));
        let _ = Password::parse(input.clone());
        let _ = CodeVerifier::parse(&input);
        let _ = CodeChallenge::parse(&input);
        let _ = RedirectUri::parse(&input);
        let _ = matches(&input, &input);
        let _ = matches("http://127.0.0.1/cb", &input);
        let _ = matches(&input, "http://127.0.0.1/cb");
        let _ = ClientId::parse(&input);
        let _ = AuthorizationCode::parse(&input);
        let _ = parse_basic_credentials(Some(&input));
        let _ = form::parse(&input);
        let _ = form::decode_component(&input);
        let _ = decode_standard(&input);
    }
}

// ---------------------------------------------------------------------------------------
// keys
// ---------------------------------------------------------------------------------------

fn near_api_keys() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "hdr_user_[0-9a-f]{64}",
        "(hdr|HDR|hdr_app)_user_[0-9a-fA-F]{62,66}",
        "[ \t]?hdr_user_[0-9a-g]{64}[ \n]?",
    ]
}

proptest! {
    #[test]
    fn api_key_parse_accepts_exactly_the_published_format(candidate in near_api_keys()) {
        prop_assert_eq!(
            ApiKey::parse(&candidate).is_some(),
            is_prefixed_lower_hex(&candidate, KEY_PREFIX, 64)
        );
    }

    #[test]
    fn well_formed_keys_parse_show_their_tail_and_hash_their_whole_text(
        raw in "hdr_user_[0-9a-f]{64}"
    ) {
        let key = ApiKey::parse(&raw).expect("a well-formed key parses");
        prop_assert_eq!(key.expose_secret(), raw.as_str());
        prop_assert_eq!(key.last4(), &raw[raw.len() - 4..]);
        let hash = key.hash();
        prop_assert_eq!(hash.as_str(), sha256_hex(raw.as_bytes()));
    }

    #[test]
    fn one_edit_to_a_valid_key_is_rejected_unless_it_still_matches(
        raw in "hdr_user_[0-9a-f]{64}",
        edit in edit(),
    ) {
        let mutated = edit.apply(&raw);
        let still_matches = match edit {
            // A key is all ASCII, so character positions are byte positions.
            Edit::Replace(at, c) => {
                mutated == raw
                    || (at.index(raw.len()) >= KEY_PREFIX.len()
                        && c.is_ascii()
                        && is_lower_hex_byte(c as u8))
            }
            Edit::Insert(..) | Edit::Remove(..) => false,
        };
        prop_assert_eq!(still_matches, is_prefixed_lower_hex(&mutated, KEY_PREFIX, 64));
        prop_assert_eq!(ApiKey::parse(&mutated).is_some(), still_matches, "{:?}", mutated);
    }

    #[test]
    fn key_id_parse_accepts_exactly_key_and_32_lower_hex(
        candidate in prop_oneof![text(), "(key|KEY)_[0-9a-fA-F]{30,34}"]
    ) {
        prop_assert_eq!(
            KeyId::parse(&candidate).is_some(),
            is_prefixed_lower_hex(&candidate, "key_", 32)
        );
    }

    #[test]
    fn label_parse_output_is_the_trimmed_input_within_the_limits(
        raw in prop_oneof![
            text(),
            "\\s{0,3}\\PC{0,110}\\s{0,3}",
            "\\s{0,2}\\PC{99,102}\\s{0,2}",
            "\\s{0,2}[a-z \\x00-\\x1f\\x7f]{0,20}\\s{0,2}",
        ]
    ) {
        let trimmed = raw.trim();
        match Label::parse(&raw) {
            Ok(Some(label)) => {
                let label = label.as_str();
                prop_assert_eq!(label, trimmed);
                prop_assert!(!label.is_empty());
                prop_assert!(label.chars().count() <= LABEL_MAX_CHARS);
                prop_assert!(!label.chars().any(char::is_control));
            }
            Ok(None) => prop_assert!(trimmed.is_empty()),
            Err(LabelError::ControlCharacter) => {
                prop_assert!(trimmed.chars().any(char::is_control));
            }
            Err(LabelError::InvisibleCharacter) => {
                prop_assert_eq!(check_visible(trimmed), Err(TextError::InvisibleCharacter));
            }
            Err(LabelError::TooLong) => {
                prop_assert!(trimmed.chars().count() > LABEL_MAX_CHARS);
            }
        }
    }

    #[test]
    fn valid_labels_round_trip(
        raw in "\\PC{1,100}".prop_filter("already trimmed and visible", |s| {
            s.trim() == s && !s.is_empty() && check_visible(s).is_ok()
        })
    ) {
        let label = Label::parse(&raw).expect("nothing invisible").expect("not blank");
        prop_assert_eq!(label.as_str(), raw.as_str());
        prop_assert_eq!(Label::parse(label.as_str()), Ok(Some(label.clone())));
    }

    #[test]
    fn oauth_labels_are_valid_labels_that_name_the_client(
        name in prop_oneof![text(), "\\PC{80,120}", "[a \\n]{85,110}"]
    ) {
        let label = Label::for_oauth_client(&name);
        // A valid label is one Label::parse hands back unchanged.
        prop_assert_eq!(Label::parse(label.as_str()), Ok(Some(label.clone())));
        // It names as much of the client as fits after "OAuth: ".
        let named = label.as_str().strip_prefix("OAuth:").expect("the prefix").trim_start();
        let clean = strip_invisible(&name);
        prop_assert!(clean.trim().starts_with(named), "{:?} from {:?}", label, name);
        if clean.trim().chars().count() <= LABEL_MAX_CHARS - "OAuth: ".len() {
            prop_assert_eq!(named, clean.trim());
        }
    }
}

#[test]
fn generated_keys_and_key_ids_always_parse() {
    for _ in 0..256 {
        let key = ApiKey::generate();
        let raw = key.expose_secret();
        assert!(is_prefixed_lower_hex(raw, KEY_PREFIX, 64), "{raw}");
        let parsed = ApiKey::parse(raw).expect("a generated key parses");
        assert_eq!(parsed.hash(), key.hash());
        assert_eq!(key.last4(), &raw[raw.len() - 4..]);

        let id = KeyId::generate();
        assert_eq!(KeyId::parse(id.as_str()), Some(id.clone()));
    }
}

// ---------------------------------------------------------------------------------------
// credentials
// ---------------------------------------------------------------------------------------

/// `bearer` in any mix of upper and lower case.
fn bearer_scheme() -> impl Strategy<Value = String> {
    vec(any::<bool>(), 6).prop_map(|upper| {
        "bearer"
            .chars()
            .zip(upper)
            .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

proptest! {
    #[test]
    fn a_bearer_token_is_always_one_visible_ascii_word(header in option::of(prop_oneof![
        text(),
        "[ \t]{0,2}(bearer|Bearer|BEARER|Basic)[ \t]{0,2}[!-~ \t\x00\u{e9}]{0,20}",
    ])) {
        match parse_bearer(header.as_deref()) {
            Bearer::Token(token) => {
                prop_assert!(!token.is_empty());
                prop_assert!(token.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{:?}", token);
                let header = header.as_deref().unwrap_or_default().trim_matches([' ', '\t']);
                prop_assert!(header.ends_with(token));
                prop_assert!(header[..6].eq_ignore_ascii_case("bearer"));
            }
            Bearer::Absent | Bearer::Malformed => {}
        }
    }

    #[test]
    fn a_bearer_header_yields_its_token_whatever_the_case_and_blanks(
        leading in "[ \t]{0,3}",
        scheme in bearer_scheme(),
        separator in "[ \t]{1,4}",
        token in "[!-~]{1,80}",
        trailing in "[ \t]{0,3}",
    ) {
        let header = format!("{leading}{scheme}{separator}{token}{trailing}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Token(&token));
    }

    #[test]
    fn a_bearer_token_with_a_blank_or_invisible_character_inside_is_malformed(
        scheme in bearer_scheme(),
        before in "[!-~]{1,20}",
        inside in prop_oneof![
            "[ \t]{1,3}",
            any::<char>()
                .prop_filter("not visible ASCII", |c| !c.is_ascii_graphic())
                .prop_map(String::from),
        ],
        after in "[!-~]{1,20}",
    ) {
        let header = format!("{scheme} {before}{inside}{after}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Malformed);
    }

    #[test]
    fn bearer_with_no_token_is_malformed(scheme in bearer_scheme(), blanks in "[ \t]{0,4}") {
        let header = format!("{scheme}{blanks}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Malformed);
    }

    #[test]
    fn any_other_scheme_offers_no_bearer_token(
        scheme in "[!-~]{1,12}".prop_filter("not bearer", |s| !s.eq_ignore_ascii_case("bearer")),
        rest in text(),
    ) {
        let header = format!("{scheme} {rest}");
        prop_assert_eq!(parse_bearer(Some(&header)), Bearer::Absent);
    }

    #[test]
    fn the_session_cookie_is_found_among_any_other_cookies(
        https in any::<bool>(),
        others in vec(
            (
                "[a-z_]{1,16}".prop_filter("another cookie", |n| n != SESSION_COOKIE),
                "[A-Za-z0-9%._=-]{0,20}",
            ),
            0..5,
        ),
        position in any::<Index>(),
        value in "[0-9a-f]{64}",
        blanks in "[ ]{0,2}",
    ) {
        let name = session_cookie_name(https);
        let mut cookies: Vec<String> = others.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let ours = format!("{name}={blanks}{value}");
        cookies.insert(position.index(cookies.len() + 1), ours);
        let header = cookies.join("; ");
        let found = SessionToken::from_cookie_header(Some(&header), https);
        prop_assert_eq!(
            found.map(|token| token.hash().as_str().to_owned()),
            Some(sha256_hex(value.as_bytes()))
        );
        // Read under the other scheme's name, it is not there.
        prop_assert!(SessionToken::from_cookie_header(Some(&header), !https).is_none());
    }

    #[test]
    fn a_session_cookie_sent_twice_signs_the_request_out(
        https in any::<bool>(),
        first in "[0-9a-f]{64}",
        second in "[0-9a-f]{64}",
        between in vec("[a-z]{1,8}=[a-z0-9]{0,8}", 0..3),
    ) {
        let name = session_cookie_name(https);
        let mut cookies = vec![format!("{name}={first}")];
        cookies.extend(between);
        cookies.push(format!("{name}={second}"));
        prop_assert!(SessionToken::from_cookie_header(Some(&cookies.join("; ")), https).is_none());
    }

    #[test]
    fn a_session_cookie_that_is_not_64_lower_hex_is_ignored(
        value in prop_oneof![text(), "[0-9a-fA-F]{60,68}"]
            .prop_filter("not a session token", |v| {
                !v.contains(';') && !is_prefixed_lower_hex(v.trim(), "", 64)
            }),
    ) {
        let header = format!("{SESSION_COOKIE}={value}");
        prop_assert!(SessionToken::from_cookie_header(Some(&header), false).is_none());
    }
}

// ---------------------------------------------------------------------------------------
// crypto
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn hex_writes_two_lower_digits_per_byte_that_read_back(bytes in vec(any::<u8>(), 0..64)) {
        let encoded = hex(&bytes);
        prop_assert!(is_prefixed_lower_hex(&encoded, "", bytes.len() * 2));
        let decoded: Vec<u8> = encoded
            .as_bytes()
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect();
        prop_assert_eq!(decoded, bytes);
    }

    #[test]
    fn sha256_hex_is_64_lower_hex_of_the_raw_digest(input in vec(any::<u8>(), 0..256)) {
        let digest = sha256_hex(&input);
        prop_assert!(is_prefixed_lower_hex(&digest, "", 64));
        prop_assert_eq!(digest, hex(&sha256(&input)));
    }

    #[test]
    fn is_lower_hex_means_exactly_len_lower_hex_bytes(
        candidate in prop_oneof![text(), "[0-9a-fA-F]{0,8}", "[0-9a-g]{0,8}"],
        len in 0usize..10,
    ) {
        prop_assert_eq!(is_lower_hex(&candidate, len), is_prefixed_lower_hex(&candidate, "", len));
    }

    #[test]
    fn constant_time_eq_is_byte_equality(
        a in vec(any::<u8>(), 0..32),
        b in vec(any::<u8>(), 0..32),
        flip in (any::<Index>(), 1u8..=255),
    ) {
        prop_assert_eq!(constant_time_eq(&a, &b), a == b);
        prop_assert!(constant_time_eq(&a, &a.clone()));
        if !a.is_empty() {
            let mut changed = a.clone();
            changed[flip.0.index(a.len())] ^= flip.1;
            prop_assert!(!constant_time_eq(&a, &changed));
        }
    }
}

// ---------------------------------------------------------------------------------------
// accounts and passwords
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn an_accepted_email_is_lowercase_with_one_at_and_a_dotted_domain(
        raw in prop_oneof![
            text(),
            "\\s{0,2}\\PC{0,8}@\\PC{0,8}(\\.\\PC{0,4}){0,3}\\s{0,2}",
            "[A-Za-z\u{c0}-\u{17f}\u{391}-\u{3a9}@. ]{1,20}",
        ]
    ) {
        if let Some(email) = Email::parse(&raw) {
            let email = email.as_str();
            prop_assert_eq!(email, raw.trim().to_lowercase());
            prop_assert_eq!(email, email.to_lowercase());
            prop_assert_eq!(email.matches('@').count(), 1);
            let (local, domain) = email.split_once('@').unwrap();
            prop_assert!(!local.is_empty() && local.chars().count() <= 64);
            let labels: Vec<&str> = domain.split('.').collect();
            prop_assert!(labels.len() >= 2 && labels.iter().all(|label| !label.is_empty()));
            prop_assert!(email.chars().count() <= 254);
            prop_assert!(!email.chars().any(|c| c.is_whitespace() || c.is_control()));
            let reparsed = Email::parse(email);
            prop_assert_eq!(reparsed.as_ref().map(Email::as_str), Some(email));
        }
    }

    #[test]
    fn plain_addresses_are_accepted_trimmed_and_lowercased(
        leading in "\\s{0,2}",
        local in "[A-Za-z0-9._%+-]{1,64}",
        labels in vec("[A-Za-z0-9-]{1,20}", 2..5),
        trailing in "\\s{0,2}",
    ) {
        let address = format!("{local}@{}", labels.join("."));
        let parsed = Email::parse(&format!("{leading}{address}{trailing}"));
        let expected = address.to_lowercase();
        prop_assert_eq!(parsed.as_ref().map(Email::as_str), Some(expected.as_str()));
    }

    #[test]
    fn role_parse_accepts_only_the_two_column_values(
        column in prop_oneof![
            text(),
            strings(&["member", "org_admin", "Member", "admin", "org_admin "]),
        ]
    ) {
        match Role::parse(&column) {
            Some(role) => prop_assert_eq!(role.as_str(), column.as_str()),
            None => prop_assert!(column != "member" && column != "org_admin"),
        }
    }

    #[test]
    fn passwords_are_accepted_by_character_count_alone(
        raw in prop_oneof![text(), "\\PC{0,12}", ".{250,262}"]
    ) {
        let count = raw.chars().count();
        // Parsing only: hashing is argon2 and far too slow for a property loop.
        match Password::parse(raw) {
            Ok(_) => prop_assert!((MIN_CHARS..=MAX_CHARS).contains(&count)),
            Err(PasswordError::TooShort) => prop_assert!(count < MIN_CHARS),
            Err(PasswordError::TooLong) => prop_assert!(count > MAX_CHARS),
        }
    }
}

// ---------------------------------------------------------------------------------------
// mcp::jsonrpc and mcp
// ---------------------------------------------------------------------------------------

fn rpc_id() -> impl Strategy<Value = Value> {
    prop_oneof![text().prop_map(Value::String), json_number()]
}

/// What parse_message must make of a message object, from the JSON-RPC 2.0 rules as the
/// module states them: `Ok` with the message, or `Err` with the (id, code) it answers.
fn expected_rpc_outcome(message: &Map<String, Value>) -> Result<Incoming, (Value, i64)> {
    let id = match message.get("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id.clone()),
        Some(_) => return Err((Value::Null, INVALID_REQUEST)),
    };
    let echoed = id.clone().unwrap_or(Value::Null);
    if message.get("jsonrpc") != Some(&json!("2.0")) {
        return Err((echoed, INVALID_REQUEST));
    }
    let method = match message.get("method") {
        Some(Value::String(method)) => method.clone(),
        Some(_) => return Err((echoed, INVALID_REQUEST)),
        None if id.is_some()
            && (message.contains_key("result") || message.contains_key("error")) =>
        {
            return Ok(Incoming::Response)
        }
        None => return Err((echoed, INVALID_REQUEST)),
    };
    let params = match message.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params.clone(),
        Some(_) => return Err((echoed, INVALID_PARAMS)),
    };
    Ok(match id {
        Some(id) => Incoming::Request { id, method, params },
        None => Incoming::Notification { method },
    })
}

fn rpc_message() -> impl Strategy<Value = Map<String, Value>> {
    let jsonrpc = prop_oneof![
        1 => Just(None),
        6 => Just(Some(json!("2.0"))),
        1 => json_value().prop_map(Some),
    ];
    let not_an_id = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(json!([])),
        Just(json!({})),
        json_value(),
    ];
    let id = prop_oneof![
        2 => Just(None),
        3 => rpc_id().prop_map(Some),
        1 => not_an_id.prop_map(Some),
    ];
    let method = prop_oneof![
        1 => Just(None),
        4 => text().prop_map(|method| Some(Value::String(method))),
        1 => json_value().prop_map(Some),
    ];
    let params = prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        3 => json_object().prop_map(|params| Some(Value::Object(params))),
        1 => json_value().prop_map(Some),
    ];
    (
        vec((json_key(), json_value()), 0..3),
        jsonrpc,
        id,
        method,
        params,
        option::weighted(0.2, json_value()),
        option::weighted(0.2, json_value()),
    )
        .prop_map(|(extra, jsonrpc, id, method, params, result, error)| {
            let fields = vec![
                ("jsonrpc", jsonrpc),
                ("id", id),
                ("method", method),
                ("params", params),
                ("result", result),
                ("error", error),
            ];
            object_of(fields, extra)
        })
}

/// `depth` arrays and objects nested in each other, in the order `shape` repeats.
fn nested_json(depth: usize, shape: &[bool]) -> String {
    let mut body = String::with_capacity(depth * 6);
    for level in 0..depth {
        body.push_str(if shape[level % shape.len()] {
            "["
        } else {
            "{\"a\":"
        });
    }
    body.push('1');
    for level in (0..depth).rev() {
        body.push(if shape[level % shape.len()] { ']' } else { '}' });
    }
    body
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_valid_request_parses_back_to_its_id_method_and_params(
        id in rpc_id(),
        method in text(),
        params in prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            json_object().prop_map(|p| Some(Value::Object(p))),
        ],
    ) {
        let mut message = json!({ "jsonrpc": "2.0", "id": id.clone(), "method": method.clone() });
        if let Some(params) = &params {
            message["params"] = params.clone();
        }
        let expected_params = match params {
            Some(Value::Object(params)) => params,
            _ => Map::new(),
        };
        prop_assert_eq!(
            parse_message(&message.to_string()),
            Ok(Incoming::Request { id, method, params: expected_params })
        );
    }

    #[test]
    fn a_message_without_an_id_is_a_notification(method in text(), params in json_object()) {
        let message = json!({ "jsonrpc": "2.0", "method": method.clone(), "params": params });
        prop_assert_eq!(parse_message(&message.to_string()), Ok(Incoming::Notification { method }));
    }

    #[test]
    fn every_message_object_gets_the_outcome_json_rpc_prescribes(message in rpc_message()) {
        let body = Value::Object(message.clone()).to_string();
        let outcome = parse_message(&body).map_err(|error| (error.id, error.code));
        prop_assert_eq!(outcome, expected_rpc_outcome(&message));
    }

    #[test]
    fn any_json_value_is_answered_and_non_objects_are_invalid_requests(value in json_value()) {
        let result = parse_message(&value.to_string());
        if !value.is_object() {
            let error = result.expect_err("only an object can be a message");
            prop_assert_eq!((error.id, error.code), (Value::Null, INVALID_REQUEST));
        } else if let Err(error) = result {
            prop_assert!(error.code == INVALID_REQUEST || error.code == INVALID_PARAMS);
        }
    }

    #[test]
    fn any_text_is_either_a_parse_error_or_read_as_json(
        body in prop_oneof![text(), "[\\[\\]{}\":,0-9a-z. -]{0,40}"]
    ) {
        let result = parse_message(&body).map_err(|e| (e.id, e.code));
        match serde_json::from_str::<Value>(&body) {
            Err(_) => prop_assert_eq!(result, Err((Value::Null, PARSE_ERROR))),
            Ok(value) if !value.is_object() => {
                prop_assert_eq!(result, Err((Value::Null, INVALID_REQUEST)));
            }
            Ok(_) => {}
        }
    }

    #[test]
    fn tool_calls_accept_only_known_names_without_arguments(
        id in rpc_id(),
        name in prop_oneof![
            2 => Just(None),
            6 => strings(&["whoami", "list_api_keys", "WhoAmI", "list_api_keys ", "rm_rf"])
                .prop_map(|n| Some(Value::String(n))),
            1 => json_value().prop_map(Some),
        ],
        arguments in prop_oneof![
            2 => Just(None),
            2 => Just(Some(Value::Null)),
            2 => Just(Some(json!({}))),
            2 => json_value().prop_map(Some),
        ],
        extra in vec((text(), json_value()), 0..2),
    ) {
        let params = object_of(vec![("name", name), ("arguments", arguments)], extra);
        let tool = match params.get("name") {
            Some(Value::String(name)) if name == "whoami" => Some(Tool::WhoAmI),
            Some(Value::String(name)) if name == "list_api_keys" => Some(Tool::ListApiKeys),
            _ => None,
        };
        let no_arguments = match params.get("arguments") {
            None | Some(Value::Null) => true,
            Some(Value::Object(arguments)) => arguments.is_empty(),
            Some(_) => false,
        };
        match parse_tool_call(&id, &params) {
            Ok(parsed) => prop_assert_eq!(Some(parsed), tool.filter(|_| no_arguments)),
            Err(error) => {
                prop_assert!(tool.is_none() || !no_arguments);
                prop_assert_eq!((error.id, error.code), (id, INVALID_PARAMS));
            }
        }
    }

    #[test]
    fn version_negotiation_echoes_only_supported_versions(
        requested in option::of(prop_oneof![
            strings(&SUPPORTED_PROTOCOL_VERSIONS),
            "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
            text(),
        ])
    ) {
        let negotiated = negotiate_version(requested.as_deref());
        match requested.as_deref() {
            Some(version) if SUPPORTED_PROTOCOL_VERSIONS.contains(&version) => {
                prop_assert_eq!(negotiated, version);
            }
            _ => prop_assert_eq!(negotiated, LATEST_PROTOCOL_VERSION),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn deeply_nested_json_is_refused_without_overflowing_the_stack(
        depth in 200usize..=10_000,
        shape in vec(any::<bool>(), 1..8),
        inside_params in any::<bool>(),
    ) {
        let nested = nested_json(depth, &shape);
        let body = if inside_params {
            format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{{"p":{nested}}}}}"#)
        } else {
            nested
        };
        prop_assert_eq!(parse_message(&body).map_err(|e| e.code), Err(PARSE_ERROR));
    }

    #[test]
    fn moderately_nested_params_are_kept(depth in 0usize..=100, shape in vec(any::<bool>(), 1..8)) {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{{"p":{}}}}}"#,
            nested_json(depth, &shape)
        );
        let kept = matches!(parse_message(&body), Ok(Incoming::Request { .. }));
        prop_assert!(kept, "refused at depth {}", depth);
    }
}

// ---------------------------------------------------------------------------------------
// time and throttle
// ---------------------------------------------------------------------------------------

/// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in Unix milliseconds.
const YEAR_0_MS: i64 = -62_167_219_200_000;
const YEAR_10000_MS: i64 = 253_402_300_800_000;

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since the epoch of a civil UTC time in years 0..=9999, counted directly: the
/// leap years before `year` (year 0 is one), then the months and days.
fn unix_seconds(year: i64, month: i64, day: i64, hms: (i64, i64, i64)) -> i64 {
    let days_before_year = 365 * year + (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
    let days_before_month: i64 = (1..month).map(|m| days_in_month(year, m)).sum();
    let days = days_before_year + days_before_month + day - 1 - 719_528;
    days * 86_400 + hms.0 * 3600 + hms.1 * 60 + hms.2
}

/// Every gap from "same second" to "thousands of years".
fn time_gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..2_000,
        0i64..200_000_000,
        0i64..(YEAR_10000_MS - YEAR_0_MS)
    ]
}

proptest! {
    #[test]
    fn rfc3339_has_the_fixed_shape_and_names_the_same_second(ms in YEAR_0_MS..YEAR_10000_MS) {
        let text = rfc3339(ms);
        let b = text.as_bytes();
        // ^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$
        let shape_ok = b.len() == 20
            && b.iter().enumerate().all(|(i, &c)| match i {
                4 | 7 => c == b'-',
                10 => c == b'T',
                13 | 16 => c == b':',
                19 => c == b'Z',
                _ => c.is_ascii_digit(),
            });
        prop_assert!(shape_ok, "{}", text);
        let number = |range: std::ops::Range<usize>| text[range].parse::<i64>().unwrap();
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
        prop_assert!((1..=12).contains(&month), "{}", text);
        prop_assert!((1..=days_in_month(year, month)).contains(&day), "{}", text);
        prop_assert!(hour < 24 && minute < 60 && second < 60, "{}", text);
        let seconds = unix_seconds(year, month, day, (hour, minute, second));
        prop_assert_eq!(seconds, ms.div_euclid(1000));
    }

    #[test]
    fn rfc3339_is_monotonic_and_changes_exactly_when_the_second_does(
        earlier in YEAR_0_MS..YEAR_10000_MS,
        gap in time_gap(),
    ) {
        let later = earlier.saturating_add(gap).min(YEAR_10000_MS - 1);
        let (a, b) = (rfc3339(earlier), rfc3339(later));
        prop_assert!(a <= b, "{} > {}", a, b);
        prop_assert_eq!(a == b, earlier.div_euclid(1000) == later.div_euclid(1000));
    }

    #[test]
    fn rfc3339_is_total_on_any_instant(ms in any::<i64>()) {
        prop_assert!(rfc3339(ms).ends_with('Z'));
    }

    #[test]
    fn a_retry_after_is_given_only_within_the_window_and_is_just_long_enough(
        limit in select(throttle::ALL.to_vec()),
        // Stored times come from Date.now(): Unix milliseconds, well inside 2^53.
        window_started_at in 0i64..(1 << 53),
        count in 0i64..200,
        // Anywhere around the window, and often within two seconds of either end.
        offset_seed in prop_oneof![
            (-1.0f64..2.0).prop_map(|f| (f, 0)),
            (-2_000i64..2_000).prop_map(|ms| (0.0, ms)),
            (-2_000i64..2_000).prop_map(|ms| (1.0, ms)),
            select(vec![(0.0, 0), (1.0, -1_000), (1.0, -1), (1.0, 0)]),
        ],
    ) {
        let limit: Limit = limit;
        let (fraction, extra) = offset_seed;
        let offset = (limit.window_ms as f64 * fraction) as i64 + extra;
        let now = window_started_at + offset;
        let window_ends_at = window_started_at + limit.window_ms;
        let refused = count > limit.max && now < window_ends_at;
        match limit.retry_after(window_started_at, count, now) {
            None => prop_assert!(!refused),
            Some(seconds) => {
                prop_assert!(refused);
                prop_assert!(seconds >= 1);
                let remaining_ms = window_ends_at - now;
                prop_assert!(seconds * 1000 >= remaining_ms && (seconds - 1) * 1000 < remaining_ms);
                if now >= window_started_at {
                    prop_assert!(seconds <= limit.window_ms / 1000);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// oauth::pkce and oauth::base64
// ---------------------------------------------------------------------------------------

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~".contains(&byte)
}

const VALID_VERIFIER: &str = "[A-Za-z0-9._~-]{43,128}";

proptest! {
    #[test]
    fn verifier_parse_accepts_exactly_43_to_128_unreserved_characters(
        candidate in prop_oneof![
            text(),
            "[A-Za-z0-9._~-]{0,140}",
            "[A-Za-z0-9._~-]{41,45}",
            "[A-Za-z0-9._~-]{126,130}",
            "[A-Za-z0-9._~+/= %-]{40,130}",
        ]
    ) {
        let expected =
            (43..=128).contains(&candidate.len()) && candidate.bytes().all(is_unreserved);
        prop_assert_eq!(CodeVerifier::parse(&candidate).is_some(), expected);
    }

    #[test]
    fn a_verifier_of_the_wrong_length_is_refused(
        candidate in prop_oneof!["[A-Za-z0-9._~-]{0,42}", "[A-Za-z0-9._~-]{129,300}"]
    ) {
        prop_assert!(CodeVerifier::parse(&candidate).is_none());
    }

    #[test]
    fn a_verifier_with_one_character_outside_the_unreserved_set_is_refused(
        verifier in VALID_VERIFIER,
        at in any::<Index>(),
        foreign in any::<char>()
            .prop_filter("not unreserved", |c| !c.is_ascii() || !is_unreserved(*c as u8)),
    ) {
        let candidate = Edit::Replace(at, foreign).apply(&verifier);
        prop_assert!(CodeVerifier::parse(&candidate).is_none(), "{:?}", candidate);
    }

    #[test]
    fn every_valid_verifier_verifies_against_its_own_s256_challenge(verifier in VALID_VERIFIER) {
        let parsed = CodeVerifier::parse(&verifier).expect("a valid verifier parses");
        let challenge_text = parsed.s256_challenge();
        let expected = standard_base64(&sha256(verifier.as_bytes()), false)
            .replace('+', "-")
            .replace('/', "_");
        prop_assert_eq!(&challenge_text, &expected);
        let challenge = CodeChallenge::parse(&challenge_text).expect("a real challenge parses");
        prop_assert!(verify_s256(&parsed, &challenge));
    }

    #[test]
    fn a_different_valid_verifier_does_not_verify(
        (first, second) in (VALID_VERIFIER, VALID_VERIFIER)
            .prop_filter("different", |(a, b)| a != b),
        edit_instead in option::of(any::<Index>()),
    ) {
        // Random pairs, and pairs that differ in a single character.
        let second = match edit_instead {
            Some(at) => {
                let i = at.index(first.len());
                let replacement = if first.as_bytes()[i] == b'a' { "b" } else { "a" };
                format!("{}{replacement}{}", &first[..i], &first[i + 1..])
            }
            None => second,
        };
        let first_challenge = CodeVerifier::parse(&first).unwrap().s256_challenge();
        let challenge = CodeChallenge::parse(&first_challenge).unwrap();
        prop_assert!(!verify_s256(&CodeVerifier::parse(&second).unwrap(), &challenge));
    }

    #[test]
    fn challenge_parse_accepts_exactly_what_a_sha256_digest_can_encode_to(
        candidate in prop_oneof![text(), "[A-Za-z0-9_=+/-]{41,45}", "[A-Za-z0-9_-]{43}"]
    ) {
        const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let sextets: Option<Vec<usize>> = candidate
            .bytes()
            .map(|b| URL_SAFE.iter().position(|&c| c == b))
            .collect();
        // 43 characters carry 258 bits: the last one's two low bits must be zero.
        let expected = sextets.is_some_and(|s| s.len() == 43 && s[42] % 4 == 0);
        prop_assert_eq!(CodeChallenge::parse(&candidate).is_some(), expected);
    }

    #[test]
    fn the_encoding_of_any_32_bytes_is_a_valid_challenge(digest in any::<[u8; 32]>()) {
        prop_assert!(CodeChallenge::parse(&encode_url_no_pad(&digest)).is_some());
    }

    #[test]
    fn url_safe_base64_is_standard_base64_with_two_letters_swapped(
        bytes in vec(any::<u8>(), 0..64)
    ) {
        let expected = standard_base64(&bytes, false).replace('+', "-").replace('/', "_");
        prop_assert_eq!(encode_url_no_pad(&bytes), expected);
    }

    #[test]
    fn standard_base64_decodes_back_with_or_without_padding(
        bytes in vec(any::<u8>(), 0..64),
        padded in any::<bool>(),
    ) {
        prop_assert_eq!(decode_standard(&standard_base64(&bytes, padded)), Some(bytes));
    }

    #[test]
    fn each_byte_string_has_one_accepted_base64_spelling(
        input in prop_oneof![text(), "[A-Za-z0-9+/]{0,12}={0,3}", "[A-Za-z0-9+/=]{0,12}"]
    ) {
        if let Some(bytes) = decode_standard(&input) {
            prop_assert!(
                input == standard_base64(&bytes, true) || input == standard_base64(&bytes, false),
                "{:?} decoded to {:?}", input, bytes
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// oauth::redirect_uri
// ---------------------------------------------------------------------------------------

fn loopback_host() -> impl Strategy<Value = String> {
    prop_oneof![
        strings(&["127.0.0.1", "localhost", "LocalHost", "[::1]"]),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| format!("127.{a}.{b}.{c}")),
    ]
}

fn port() -> impl Strategy<Value = String> {
    option::of(0u32..=65_535).prop_map(|port| port.map(|p| format!(":{p}")).unwrap_or_default())
}

fn uri_path() -> impl Strategy<Value = String> {
    "(/[A-Za-z0-9._~!$&'()*+,;=:@-]{0,8}){1,4}"
}

fn uri_query() -> impl Strategy<Value = String> {
    option::of("[A-Za-z0-9=&._~/?-]{0,12}")
        .prop_map(|q| q.map(|q| format!("?{q}")).unwrap_or_default())
}

/// Host, `:port` or nothing, a path or nothing, `?query` or nothing.
type LoopbackParts = (String, String, String, String);

fn loopback_parts() -> impl Strategy<Value = LoopbackParts> {
    (
        loopback_host(),
        port(),
        prop_oneof![Just(String::new()), uri_path()],
        uri_query(),
    )
}

fn loopback_uri() -> impl Strategy<Value = String> {
    loopback_parts()
        .prop_map(|(host, port, path, query)| format!("http://{host}{port}{path}{query}"))
}

fn https_uri() -> impl Strategy<Value = String> {
    // Hosts start with a letter: an all-digit host is read as an IPv4 number, and some
    // (`09`, `4294967296`) are not valid ones.
    concat!(
        "(https|HTTPS)://[a-z][a-z0-9]{0,9}(\\.[a-z]{2,6}){0,2}(:[0-9]{1,4})?",
        "(/[A-Za-z0-9._~-]{0,8}){0,3}(\\?[A-Za-z0-9=&]{0,10})?",
    )
}

fn private_use_uri() -> impl Strategy<Value = String> {
    prop_oneof![
        "(com|io|org)\\.[a-z]{1,8}(\\.[a-z]{1,8}){0,2}:/[A-Za-z0-9/._~-]{0,20}",
        "(cursor|vscode|vscode-insiders)://[a-z.-]{1,20}/[A-Za-z0-9/._~-]{0,20}",
    ]
}

fn valid_redirect_uri() -> impl Strategy<Value = String> {
    prop_oneof![loopback_uri(), https_uri(), private_use_uri()]
}

/// Hosts that are not loopback in any spelling our rule accepts.
fn non_loopback_host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,10}(\\.[a-z]{2,6}){0,2}".prop_filter("not localhost", |h| h != "localhost"),
        (
            any::<u8>().prop_filter("not 127", |a| *a != 127),
            any::<u8>(),
            any::<u8>(),
            any::<u8>()
        )
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        "localhost\\.[a-z]{1,6}",
        "127\\.[1-9]\\.[1-9]",
        strings(&["[::2]", "[::]", "[0:0:0:0:0:0:0:1]", "127.1", "0x7f.0.0.1"]),
    ]
}

fn uri_like() -> impl Strategy<Value = String> {
    prop_oneof![
        valid_redirect_uri(),
        (non_loopback_host(), port(), uri_path())
            .prop_map(|(h, p, path)| format!("http://{h}{p}{path}")),
        (valid_redirect_uri(), edit()).prop_map(|(uri, edit)| edit.apply(&uri)),
        "[a-zA-Z][a-zA-Z0-9+.-]{0,8}:[!-~]{0,40}",
        text(),
    ]
}

/// RFC 3986 characters: unreserved, reserved, and `%` with two hex digits.
fn is_uri_text(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b.is_ascii_alphanumeric()
            || b"-._~:/?#[]@!$&'()*+,;=".contains(&b)
            || (b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

proptest! {
    #[test]
    fn an_accepted_redirect_uri_is_kept_verbatim_and_clean(raw in uri_like()) {
        if let Ok(uri) = RedirectUri::parse(&raw) {
            prop_assert_eq!(uri.as_str(), raw.as_str());
            prop_assert!(raw.len() <= MAX_REDIRECT_URI_LEN);
            prop_assert!(!raw.contains('#'));
            prop_assert!(is_uri_text(&raw));
            let scheme = raw.split_once(':').unwrap().0.to_ascii_lowercase();
            match uri.kind() {
                RedirectKind::Https => {
                    prop_assert!(raw.to_ascii_lowercase().starts_with("https://"));
                }
                RedirectKind::Loopback => prop_assert!(raw.starts_with("http://")),
                RedirectKind::PrivateUse => prop_assert!(
                    scheme.contains('.') || KNOWN_APP_SCHEMES.contains(&scheme.as_str())
                ),
            }
            prop_assert!(matches(&raw, &raw));
        }
    }

    #[test]
    fn the_valid_shapes_are_accepted_as_their_kind(
        loopback in loopback_uri(),
        https in https_uri(),
        private in private_use_uri(),
    ) {
        let kind = |raw: &str| RedirectUri::parse(raw).map(|uri| uri.kind());
        prop_assert_eq!(kind(&loopback), Ok(RedirectKind::Loopback));
        prop_assert_eq!(kind(&https), Ok(RedirectKind::Https));
        prop_assert_eq!(kind(&private), Ok(RedirectKind::PrivateUse));
    }

    #[test]
    fn anything_with_a_fragment_is_refused(uri in uri_like(), fragment in text()) {
        let with_fragment = format!("{uri}#{fragment}");
        prop_assert!(RedirectUri::parse(&with_fragment).is_err(), "{:?}", with_fragment);
    }

    #[test]
    fn http_on_a_host_that_is_not_loopback_is_refused(
        host in non_loopback_host(),
        port in port(),
        path in prop_oneof![Just(String::new()), uri_path()],
    ) {
        let uri = format!("http://{host}{port}{path}");
        prop_assert_eq!(RedirectUri::parse(&uri), Err(RedirectUriError::HttpNotLoopback));
    }

    #[test]
    fn userinfo_is_refused(
        uri in prop_oneof![https_uri(), loopback_uri()],
        user in "[a-z0-9]{1,8}(:[a-z0-9]{0,8})?",
    ) {
        let (scheme, rest) = uri.split_once("://").unwrap();
        let with_user = format!("{scheme}://{user}@{rest}");
        prop_assert_eq!(RedirectUri::parse(&with_user), Err(RedirectUriError::Userinfo));
    }

    #[test]
    fn a_loopback_redirect_matches_on_any_port(
        host in loopback_host(),
        registered_port in port(),
        presented_port in port(),
        path in prop_oneof![Just(String::new()), uri_path()],
        query in uri_query(),
    ) {
        let registered = format!("http://{host}{registered_port}{path}{query}");
        let presented = format!("http://{host}{presented_port}{path}{query}");
        prop_assert!(matches(&registered, &presented));
    }

    #[test]
    fn two_loopback_redirects_match_when_only_their_ports_differ(
        registered in loopback_parts(),
        presented in loopback_parts(),
    ) {
        // An empty path is the root path (RFC 3986 §6.2.3).
        let place = |(host, _, path, query): &LoopbackParts| {
            let path = if path.is_empty() { "/" } else { path.as_str() };
            (host.clone(), format!("{path}{query}"))
        };
        let uri = |(host, port, path, query): &LoopbackParts| {
            format!("http://{host}{port}{path}{query}")
        };
        prop_assert_eq!(
            matches(&uri(&registered), &uri(&presented)),
            place(&registered) == place(&presented),
            "{} vs {}", uri(&registered), uri(&presented)
        );
    }

    #[test]
    fn a_loopback_redirect_with_another_path_does_not_match(
        host in loopback_host(),
        registered_port in port(),
        presented_port in port(),
        (registered_path, presented_path) in (uri_path(), uri_path())
            .prop_filter("different", |(a, b)| a != b),
        query in uri_query(),
    ) {
        let registered = format!("http://{host}{registered_port}{registered_path}{query}");
        let presented = format!("http://{host}{presented_port}{presented_path}{query}");
        prop_assert!(!matches(&registered, &presented));
    }

    #[test]
    fn other_redirects_match_only_character_for_character(
        registered in prop_oneof![https_uri(), private_use_uri()],
        edit in edit(),
    ) {
        let presented = edit.apply(&registered);
        prop_assert_eq!(matches(&registered, &presented), registered == presented);
    }
}

// ---------------------------------------------------------------------------------------
// oauth::registration
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// oauth::authorize, oauth::token and oauth::form
// ---------------------------------------------------------------------------------------

const CLIENT: &str = "dcr_0123456789abcdef0123456789abcdef";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CODE: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const RESOURCE: &str = "https://keys.example.com/mcp";
const LOOPBACK: &str = "http://127.0.0.1/callback";
const WEB: &str = "https://claude.ai/api/mcp/auth_callback";

type Params = Vec<(String, String)>;

fn pairs(list: &[(&str, &str)]) -> Params {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

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
    "http://127.0.0.1:51004/callback",
    "https://evil.example/cb",
    "xyz",
];

fn good_authorize_request() -> Params {
    pairs(&[
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
    "http://127.0.0.1:51004/callback",
];

fn token_params() -> impl Strategy<Value = Params> {
    let good = pairs(&[
        ("grant_type", "authorization_code"),
        ("code", CODE),
        ("redirect_uri", "http://127.0.0.1:51004/callback"),
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

// ---------------------------------------------------------------------------------------
// Client addresses and list cursors (the activity log and the key list)
// ---------------------------------------------------------------------------------------

/// Strings made of what addresses are made of, often close to a real one.
fn near_ip() -> impl Strategy<Value = String> {
    let v4 = any::<[u8; 4]>().prop_map(|octets| std::net::Ipv4Addr::from(octets).to_string());
    let v6 = any::<[u16; 8]>().prop_map(|groups| std::net::Ipv6Addr::from(groups).to_string());
    let mapped = any::<[u8; 4]>().prop_map(|octets| {
        std::net::Ipv4Addr::from(octets)
            .to_ipv6_mapped()
            .to_string()
    });
    let garbage = "[0-9a-fA-F:.]{0,41}";
    let separator = select(vec![':', '.', '0', 'f', ' ']);
    let ip_edit = prop_oneof![
        edit(),
        (any::<Index>(), separator.clone()).prop_map(|(at, c)| Edit::Insert(at, c)),
        (any::<Index>(), separator).prop_map(|(at, c)| Edit::Replace(at, c)),
    ];
    (prop_oneof![v4, v6, mapped, garbage], vec(ip_edit, 0..3))
        .prop_map(|(ip, edits)| edits.iter().fold(ip, |ip, edit| edit.apply(&ip)))
}

proptest! {
    /// `std::net` is the oracle: the Worker reads addresses by hand, to keep `std::net`'s
    /// parser and printer out of the bundle, and must accept exactly what it accepts.
    #[test]
    fn an_address_is_kept_exactly_when_std_net_reads_one(ip in near_ip()) {
        let kept = ClientMeta::new(Some(&ip), None, None).ip;
        let trimmed = ip.trim();
        prop_assert_eq!(kept.is_some(), trimmed.parse::<std::net::IpAddr>().is_ok(), "{:?}", ip);
        if let Some(kept) = kept {
            prop_assert_eq!(kept, trimmed.to_ascii_lowercase());
        }
    }

    #[test]
    fn two_spellings_of_one_ipv6_network_are_one_sign_in_address(
        groups in any::<[u16; 8]>(),
        host in any::<[u16; 4]>(),
    ) {
        let address = std::net::Ipv6Addr::from(groups);
        prop_assume!(address.to_ipv4_mapped().is_none());
        let mut same_network = groups;
        same_network[4..].copy_from_slice(&host);
        let full = groups.iter().map(|group| format!("{group:04X}")).collect::<Vec<_>>().join(":");
        let neighbour = std::net::Ipv6Addr::from(same_network).to_string();
        let expected = address_hash("usr_1", Some(&address.to_string()));
        prop_assert!(expected.is_some());
        prop_assert_eq!(address_hash("usr_1", Some(&full)), expected.clone());
        prop_assert_eq!(address_hash("usr_1", Some(&neighbour)), expected);
    }

    #[test]
    fn a_cursor_decodes_to_what_was_encoded_and_nothing_else_panics(
        created_at in 0i64..=9_999_999_999_999_999,
        id in "[0-9a-f]{32}",
        noise in text(),
    ) {
        let cursor = Cursor { created_at, id: format!("key_{id}") };
        prop_assert_eq!(Cursor::decode(&cursor.encode(), "key_"), Some(cursor));
        if let Some(decoded) = Cursor::decode(&noise, "key_") {
            prop_assert_eq!(decoded.encode(), noise);
        }
    }
}
