//! PKCE (RFC 7636), S256 only. OAuth 2.1 and the MCP authorization spec make PKCE
//! mandatory; `plain` would hand the verifier to anyone who sees the authorization
//! request, so it is refused rather than supported.

use std::fmt;

use super::base64::encode_url_no_pad;
use crate::crypto::{constant_time_eq, sha256};

/// The only `code_challenge_method` accepted.
pub const S256: &str = "S256";

const VERIFIER_MIN_LEN: usize = 43;
const VERIFIER_MAX_LEN: usize = 128;
/// Base64url of a 32-byte SHA-256 digest, without padding.
const CHALLENGE_LEN: usize = 43;

/// RFC 7636 §4.1 `unreserved`: `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// A `code_verifier` as sent to the token endpoint: 43–128 unreserved characters. It is
/// the secret half of PKCE, so `Debug` never prints it.
pub struct CodeVerifier(String);

impl CodeVerifier {
    pub fn parse(candidate: &str) -> Option<Self> {
        let well_formed = (VERIFIER_MIN_LEN..=VERIFIER_MAX_LEN).contains(&candidate.len())
            && candidate.bytes().all(is_unreserved);
        well_formed.then(|| CodeVerifier(candidate.to_owned()))
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))`, RFC 7636 §4.2.
    pub fn s256_challenge(&self) -> String {
        encode_url_no_pad(&sha256(self.0.as_bytes()))
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

/// An S256 `code_challenge` as sent to the authorization endpoint: exactly 43 base64url
/// characters, which is what a 32-byte digest encodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    pub fn parse(candidate: &str) -> Option<Self> {
        let bytes = candidate.as_bytes();
        let well_formed = bytes.len() == CHALLENGE_LEN
            && bytes
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && last_char_carries_no_extra_bits(bytes[CHALLENGE_LEN - 1]);
        well_formed.then(|| CodeChallenge(candidate.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 43 characters carry 258 bits for a 256-bit digest, so the last character's two low
/// bits are always zero. A challenge that breaks this can never match any verifier:
/// refusing it at the authorization endpoint tells the client now, not after the user
/// has consented.
fn last_char_carries_no_extra_bits(last: u8) -> bool {
    matches!(
        last,
        b'A' | b'E'
            | b'I'
            | b'M'
            | b'Q'
            | b'U'
            | b'Y'
            | b'c'
            | b'g'
            | b'k'
            | b'o'
            | b's'
            | b'w'
            | b'0'
            | b'4'
            | b'8'
    )
}

/// True when `verifier` hashes to `challenge`. The comparison is constant-time so a
/// client cannot learn the stored challenge a character at a time.
pub fn verify_s256(verifier: &CodeVerifier, challenge: &CodeChallenge) -> bool {
    constant_time_eq(
        verifier.s256_challenge().as_bytes(),
        challenge.as_str().as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_appendix_b_verifier_yields_its_challenge() {
        let verifier = CodeVerifier::parse(RFC_VERIFIER).expect("RFC verifier parses");
        assert_eq!(verifier.s256_challenge(), RFC_CHALLENGE);
        let challenge = CodeChallenge::parse(RFC_CHALLENGE).expect("RFC challenge parses");
        assert!(verify_s256(&verifier, &challenge));
    }

    #[test]
    fn a_different_verifier_does_not_match_the_challenge() {
        let challenge = CodeChallenge::parse(RFC_CHALLENGE).unwrap();
        let mut other = RFC_VERIFIER.to_owned();
        other.replace_range(0..1, "e");
        assert!(!verify_s256(
            &CodeVerifier::parse(&other).unwrap(),
            &challenge
        ));
    }

    #[test]
    fn the_challenge_itself_is_not_accepted_as_its_verifier() {
        let challenge = CodeChallenge::parse(RFC_CHALLENGE).unwrap();
        let as_plain = CodeVerifier::parse(RFC_CHALLENGE).unwrap();
        assert!(!verify_s256(&as_plain, &challenge));
    }

    #[test]
    fn verifiers_of_43_to_128_unreserved_characters_are_accepted() {
        for good in [
            "a".repeat(43),
            "Z".repeat(128),
            format!("{}-._~", "0".repeat(39)),
        ] {
            assert!(CodeVerifier::parse(&good).is_some(), "refused {good:?}");
        }
    }

    #[test]
    fn verifiers_of_the_wrong_length_are_refused() {
        assert!(CodeVerifier::parse("").is_none());
        assert!(CodeVerifier::parse(&"a".repeat(42)).is_none());
        assert!(CodeVerifier::parse(&"a".repeat(129)).is_none());
    }

    #[test]
    fn verifiers_with_reserved_or_non_ascii_characters_are_refused() {
        for bad_char in ["+", "/", "=", " ", "%", "é", "\n", "!"] {
            let bad = format!("{}{bad_char}", "a".repeat(43));
            assert!(CodeVerifier::parse(&bad).is_none(), "accepted {bad:?}");
        }
    }

    #[test]
    fn challenges_must_be_43_base64url_characters() {
        assert!(CodeChallenge::parse(&RFC_CHALLENGE[..42]).is_none());
        assert!(CodeChallenge::parse(&format!("{RFC_CHALLENGE}A")).is_none());
        assert!(CodeChallenge::parse(&format!("{RFC_CHALLENGE}=")).is_none());
        assert!(CodeChallenge::parse("").is_none());
        // The standard alphabet's `+` and `/` are not base64url.
        for standard_only in ["+", "/"] {
            let mut challenge = RFC_CHALLENGE.to_owned();
            challenge.replace_range(0..1, standard_only);
            assert!(CodeChallenge::parse(&challenge).is_none(), "{challenge}");
        }
    }

    #[test]
    fn challenges_that_no_sha256_digest_can_produce_are_refused() {
        // `x` sets the two low bits that a 256-bit digest never fills.
        let impossible = format!("{}x", &RFC_CHALLENGE[..42]);
        assert!(CodeChallenge::parse(&impossible).is_none());
    }

    #[test]
    fn any_generated_verifier_produces_a_challenge_that_parses() {
        for _ in 0..64 {
            let verifier = CodeVerifier::parse(&crate::crypto::random_hex::<32>()).unwrap();
            let challenge = CodeChallenge::parse(&verifier.s256_challenge())
                .expect("a real S256 challenge parses");
            assert!(verify_s256(&verifier, &challenge));
        }
    }

    #[test]
    fn debug_output_never_contains_the_verifier() {
        let verifier = CodeVerifier::parse(RFC_VERIFIER).unwrap();
        assert!(!format!("{verifier:?}").contains(RFC_VERIFIER));
    }
}
