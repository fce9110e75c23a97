//! Small cryptographic helpers shared by keys, sessions and OAuth codes.
//! Pure: no `worker` types, so everything here unit-tests on the host.

use std::fmt;
use std::marker::PhantomData;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `N` bytes from the platform CSPRNG (`crypto.getRandomValues` inside workerd).
///
/// The CSPRNG failing is not something a request can cause or recover from, so it is a
/// panic: a Worker answers that with a 500 and nothing is half-written.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the platform CSPRNG is unavailable");
    bytes
}

/// Lowercase hex of `N` random bytes.
pub fn random_hex<const N: usize>() -> String {
    hex(&random_bytes::<N>())
}

/// Lowercase hex encoding.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

/// SHA-256 of `input`, as 64 lowercase hex characters.
pub fn sha256_hex(input: &[u8]) -> String {
    hex(&Sha256::digest(input))
}

/// SHA-256 of a secret, as 64 lowercase hex characters: what D1 holds instead of the secret.
/// `Of` names the secret, so a session's hash cannot be passed where a code's belongs.
pub struct Sha256Hex<Of>(String, PhantomData<fn() -> Of>);

impl<Of> Sha256Hex<Of> {
    /// The hash of the secret `Of` whose bytes are `secret`; only that type's `hash()` calls it.
    pub fn of(secret: &[u8]) -> Self {
        Sha256Hex(sha256_hex(secret), PhantomData)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Hashes are not secrets: Debug shows them, and they compare by value.
impl<Of> fmt::Debug for Sha256Hex<Of> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Hex({})", self.0)
    }
}

impl<Of> Clone for Sha256Hex<Of> {
    fn clone(&self) -> Self {
        Sha256Hex(self.0.clone(), PhantomData)
    }
}

impl<Of> PartialEq for Sha256Hex<Of> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// Raw SHA-256 of `input`.
pub fn sha256(input: &[u8]) -> [u8; 32] {
    Sha256::digest(input).into()
}

/// Compares two byte strings in time that depends only on their lengths (`subtle`, which
/// also keeps the optimiser from turning the comparison back into an early exit).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// True when `s` is exactly `len` lowercase hex characters.
pub fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_fips_180_2_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn hex_is_lowercase_and_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn random_hex_has_the_requested_length_and_differs_between_calls() {
        let a = random_hex::<32>();
        let b = random_hex::<32>();
        assert!(is_lower_hex(&a, 64));
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"short", b"shorter"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn is_lower_hex_refuses_uppercase_and_wrong_lengths() {
        assert!(is_lower_hex("00ff", 4));
        assert!(!is_lower_hex("00FF", 4));
        assert!(!is_lower_hex("00f", 4));
        assert!(!is_lower_hex("00fg", 4));
    }
}
