//! `crypto`: hex, SHA-256 and the constant-time comparison.

use crate::common::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

use hadron_keys::crypto::{constant_time_eq, hex, is_lower_hex, sha256, sha256_hex};

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
