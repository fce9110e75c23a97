//! PKCE (RFC 7636), S256 only. OAuth 2.1 and the MCP authorization spec make PKCE
//! mandatory; `plain` would hand the verifier to anyone who sees the authorization
//! request, so it is refused rather than supported.
//! Pure: no `worker` import, so it unit-tests on the host.

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

    /// A challenge as D1 holds it: it went through [`CodeChallenge::parse`] on its way in.
    pub fn from_stored(challenge: String) -> Self {
        CodeChallenge(challenge)
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
mod tests;
