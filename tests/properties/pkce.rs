//! `oauth::pkce` and `oauth::base64`: verifiers, S256 challenges and the two Base64 forms.

use crate::common::*;
use crate::oauth_fixtures::standard_base64;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::Index;

use hadron_keys::crypto::sha256;
use hadron_keys::oauth::base64::{decode_standard, encode_url_no_pad};
use hadron_keys::oauth::pkce::{verify_s256, CodeChallenge, CodeVerifier};

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
