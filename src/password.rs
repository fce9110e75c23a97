//! Password hashing with argon2id (RFC 9106), stored as a PHC string.
//! Pure: no `worker` import, so it unit-tests on the host.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::crypto::random_bytes;

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane. The PHC string records the
/// parameters, so raising them later still verifies old hashes.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

pub const MIN_CHARS: usize = 8;
/// Long enough for any passphrase, short enough that hashing cannot be made expensive.
pub const MAX_CHARS: usize = 256;

fn argon2() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, None).expect("constant parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password the user chose, checked for length; `Debug` never prints it.
pub struct Password(String);

#[derive(Debug, PartialEq, Eq)]
pub enum PasswordError {
    TooShort,
    TooLong,
}

impl Password {
    pub fn parse(raw: String) -> Result<Self, PasswordError> {
        match raw.chars().count() {
            n if n < MIN_CHARS => Err(PasswordError::TooShort),
            n if n > MAX_CHARS => Err(PasswordError::TooLong),
            _ => Ok(Password(raw)),
        }
    }

    /// A salted argon2id PHC string.
    pub fn hash(&self) -> String {
        let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt");
        argon2()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("hashing with valid parameters cannot fail")
            .to_string()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Checks a sign-in attempt against a stored PHC string. A stored value that does not
/// parse counts as a mismatch.
pub fn verify(attempt: &str, stored_phc: &str) -> bool {
    PasswordHash::new(stored_phc)
        .map(|parsed| {
            argon2()
                .verify_password(attempt.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a password nobody knows. Sign-in for an unknown email verifies against it, so
/// an unknown email costs the same time as a wrong password.
pub const DECOY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lzYWx0ZGVjb3lzYQ$w7UzR1KX0FT0HP9b8IC0JUNnQkOMWOTcLW/Vt7C4TN8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let stored = Password::parse("correct horse battery".into())
            .unwrap()
            .hash();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse battery!", &stored));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let password = Password::parse("same password".into()).unwrap();
        assert_ne!(password.hash(), password.hash());
    }

    #[test]
    fn short_and_overlong_passwords_are_rejected() {
        assert_eq!(
            Password::parse("seven77".into()).unwrap_err(),
            PasswordError::TooShort
        );
        assert!(Password::parse("eight888".into()).is_ok());
        assert!(Password::parse("é".repeat(256)).is_ok());
        assert_eq!(
            Password::parse("é".repeat(257)).unwrap_err(),
            PasswordError::TooLong
        );
    }

    #[test]
    fn the_decoy_hash_parses_and_matches_nothing_plausible() {
        assert!(PasswordHash::new(DECOY_PHC).is_ok());
        assert!(!verify("password", DECOY_PHC));
        assert!(!verify("", DECOY_PHC));
    }

    #[test]
    fn a_corrupt_stored_hash_never_verifies() {
        assert!(!verify("anything", "not a phc string"));
    }
}
