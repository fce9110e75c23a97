//! Every parser, one arbitrary string: none of them panics.

use crate::common::*;
use proptest::prelude::*;

use hadron_keys::accounts::{Email, Role};
use hadron_keys::credentials::{parse_bearer, SessionToken};
use hadron_keys::crypto::{is_lower_hex, sha256_hex};
use hadron_keys::keys::{ApiKey, KeyId, Label};
use hadron_keys::mcp::jsonrpc::parse_message;
use hadron_keys::mcp::negotiate_version;
use hadron_keys::oauth::base64::decode_standard;
use hadron_keys::oauth::form;
use hadron_keys::oauth::pkce::{CodeChallenge, CodeVerifier};
use hadron_keys::oauth::redirect_uri::{matches, RedirectUri};
use hadron_keys::oauth::registration::ClientId;
use hadron_keys::oauth::token::{parse_basic_credentials, AuthorizationCode};
use hadron_keys::password::Password;

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
