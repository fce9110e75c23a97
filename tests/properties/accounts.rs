//! Accounts and passwords: `Email`, `Role` and `Password` parsing.

use crate::common::*;
use proptest::collection::vec;
use proptest::prelude::*;

use hadron_keys::accounts::{Email, Role};
use hadron_keys::password::{Password, PasswordError, MAX_CHARS, MIN_CHARS};

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
