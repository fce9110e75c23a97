//! `keys`: the API key format, key ids and labels.

use crate::common::*;
use proptest::prelude::*;

use hadron_keys::crypto::sha256_hex;
use hadron_keys::keys::{ApiKey, KeyId, Label, LabelError, KEY_PREFIX, LABEL_MAX_CHARS};
use hadron_keys::text::{check_visible, strip_invisible, TextError};

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
