use super::*;

/// An unlabelled portal key, never used, not revoked: the record the key and MCP tests
/// start from and change a field or two of.
pub(crate) fn portal_key() -> KeyRecord {
    KeyRecord {
        id: KeyId::from_stored("key_1".into()),
        label: None,
        last4: "a1b2".into(),
        source: Source::Portal,
        created_at: 0,
        last_used_at: None,
        last_used_from: ClientMeta::default(),
        revoked_at: None,
        revoked_reason: None,
        revoked_detail: None,
    }
}

#[test]
fn generated_keys_match_the_published_format() {
    let key = ApiKey::generate();
    let raw = key.expose_secret();
    assert_eq!(raw.len(), KEY_LEN);
    assert!(raw.starts_with("hdr_user_"));
    assert!(is_lower_hex(&raw[9..], 64));
}

#[test]
fn a_generated_key_parses_back_to_the_same_hash() {
    let key = ApiKey::generate();
    let parsed = ApiKey::parse(key.expose_secret()).expect("generated key parses");
    assert_eq!(parsed.hash(), key.hash());
}

#[test]
fn two_generated_keys_differ() {
    assert_ne!(ApiKey::generate().hash(), ApiKey::generate().hash());
}

#[test]
fn the_hash_is_sha256_of_the_whole_raw_key() {
    let raw = format!("hdr_user_{}", "a".repeat(64));
    let key = ApiKey::parse(&raw).unwrap();
    assert_eq!(key.hash().as_str(), sha256_hex(raw.as_bytes()));
}

#[test]
fn malformed_keys_are_rejected() {
    let good_hex = "0123456789abcdef".repeat(4);
    for bad in [
        String::new(),
        "hdr_user_".to_owned(),
        format!("hdr_user_{}", &good_hex[..63]),
        format!("hdr_user_{good_hex}0"),
        format!("hdr_user_{}", good_hex.to_uppercase()),
        format!("HDR_USER_{good_hex}"),
        format!("hdr_app_{good_hex}"),
        format!(" hdr_user_{good_hex}"),
        format!("hdr_user_{}g", &good_hex[..63]),
        format!("hdr_user_{}é", &good_hex[..62]),
    ] {
        assert!(ApiKey::parse(&bad).is_none(), "accepted {bad:?}");
    }
    assert!(ApiKey::parse(&format!("hdr_user_{good_hex}")).is_some());
}

#[test]
fn last4_is_the_tail_of_the_raw_key() {
    let raw = format!("hdr_user_{}a1b2", "0".repeat(60));
    assert_eq!(ApiKey::parse(&raw).unwrap().last4(), "a1b2");
}

#[test]
fn debug_output_never_contains_the_secret() {
    let key = ApiKey::generate();
    let printed = format!("{key:?}");
    assert!(!printed.contains(&key.expose_secret()[9..]));
}

#[test]
fn key_ids_round_trip_and_reject_anything_else() {
    let id = KeyId::generate();
    assert_eq!(KeyId::parse(id.as_str()), Some(id.clone()));
    for bad in [
        "",
        "key_",
        "1",
        "key_../../etc",
        "KEY_0123456789abcdef0123456789abcdef",
    ] {
        assert!(KeyId::parse(bad).is_none(), "accepted {bad:?}");
    }
}

#[test]
fn labels_are_trimmed_and_empty_means_none() {
    assert_eq!(
        Label::parse("  MacBook — local-dev script  ")
            .unwrap()
            .unwrap()
            .as_str(),
        "MacBook — local-dev script"
    );
    assert_eq!(Label::parse("").unwrap(), None);
    assert_eq!(Label::parse("   ").unwrap(), None);
}

#[test]
fn whitespace_only_labels_become_no_label() {
    assert_eq!(Label::parse(" \u{3000} ").unwrap(), None);
}

#[test]
fn labels_over_100_characters_are_rejected() {
    assert!(Label::parse(&"é".repeat(100)).is_ok());
    assert_eq!(Label::parse(&"é".repeat(101)), Err(LabelError::TooLong));
    assert_eq!(Label::parse(&"x".repeat(1000)), Err(LabelError::TooLong));
}

#[test]
fn labels_with_control_characters_are_rejected() {
    for bad in [
        "a\u{0}b",
        "line\nbreak",
        "tab\there",
        "bell\u{7}",
        "del\u{7f}",
    ] {
        assert_eq!(
            Label::parse(bad),
            Err(LabelError::ControlCharacter),
            "{bad:?}"
        );
    }
}

#[test]
fn html_in_a_label_is_kept_verbatim() {
    let html = "<img src=x onerror=alert(1)>";
    assert_eq!(Label::parse(html).unwrap().unwrap().as_str(), html);
}

#[test]
fn oauth_labels_name_the_client_within_the_limit() {
    assert_eq!(Label::for_oauth_client("Claude").as_str(), "OAuth: Claude");
    let long = Label::for_oauth_client(&"n".repeat(500));
    assert_eq!(long.as_str().chars().count(), LABEL_MAX_CHARS);
    assert_eq!(Label::for_oauth_client("a\nb").as_str(), "OAuth: ab");
}

#[test]
fn oauth_labels_cut_at_a_space_or_naming_nobody_end_without_blanks() {
    // "OAuth: " plus 92 characters leaves the space as the 100th character.
    let cut_at_space = Label::for_oauth_client(&format!("{} tail", "a".repeat(92)));
    assert_eq!(cut_at_space.as_str(), format!("OAuth: {}", "a".repeat(92)));
    assert_eq!(Label::for_oauth_client("").as_str(), "OAuth:");
    assert_eq!(Label::for_oauth_client(" \u{3000}\n").as_str(), "OAuth:");
}

#[test]
fn sources_map_to_badges() {
    assert_eq!(Source::from_columns(Some("portal"), None).badge(), "Portal");
    assert_eq!(
        Source::from_columns(Some("oauth"), Some("dcr_abc".into())).badge(),
        "OAuth: dcr_abc"
    );
    assert_eq!(Source::from_columns(None, None).badge(), "Unknown");
    assert_eq!(Source::from_columns(Some("oauth"), None), Source::Unknown);
    assert_eq!(
        Source::OAuth {
            client_id: "dcr_x".into()
        }
        .to_json(),
        serde_json::json!({"kind": "oauth", "client_id": "dcr_x", "badge": "OAuth: dcr_x"})
    );
    assert_eq!(
        Source::Portal.to_json(),
        serde_json::json!({"kind": "portal", "badge": "Portal"})
    );
}

#[test]
fn key_records_serialise_with_status_and_rfc3339_times() {
    let mut record = portal_key();
    let active = record.to_json();
    assert_eq!(active["status"], "active");
    assert_eq!(active["created_at"], "1970-01-01T00:00:00Z");
    assert!(active["last_used_at"].is_null() && active["label"].is_null());
    assert!(active["revoked_reason"].is_null());
    record.revoked_at = Some(60_000);
    record.revoked_reason = Some(RevocationReason::Replaced);
    let revoked = record.to_json();
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revoked_at"], "1970-01-01T00:01:00Z");
    assert_eq!(revoked["revoked_reason"], "replaced");
    assert!(revoked["revoked_detail"].is_null());
}

fn leaked_key(reason: RevocationReason) -> KeyRecord {
    KeyRecord {
        last_used_at: Some(30_000),
        last_used_from: ClientMeta::new(Some("203.0.113.9"), Some("NZ"), Some("curl/8.5.0")),
        revoked_at: Some(60_000),
        revoked_reason: Some(reason),
        revoked_detail: Some("https://github.com/ada/dotfiles/blob/main/.env".into()),
        ..portal_key()
    }
}

#[test]
fn a_leaked_key_names_where_it_was_found() {
    let json = leaked_key(RevocationReason::Leaked).to_json();
    assert_eq!(json["revoked_reason"], "leaked");
    assert_eq!(
        json["revoked_detail"],
        "https://github.com/ada/dotfiles/blob/main/.env"
    );
}

#[test]
fn only_a_leak_shows_its_detail() {
    for reason in RevocationReason::ALL {
        if reason != RevocationReason::Leaked {
            assert!(
                leaked_key(reason).to_json()["revoked_detail"].is_null(),
                "{reason:?}"
            );
        }
    }
}

#[test]
fn the_last_use_says_from_where_and_by_what_client() {
    let json = leaked_key(RevocationReason::User).to_json();
    assert_eq!(json["last_used_at"], "1970-01-01T00:00:30Z");
    assert_eq!(json["last_used_ip"], "203.0.113.9");
    assert_eq!(json["last_used_country"], "NZ");
    assert_eq!(json["last_used_user_agent"], "curl/8.5.0");
}

#[test]
fn revocation_reasons_round_trip_through_their_column_values() {
    for reason in RevocationReason::ALL {
        assert_eq!(RevocationReason::parse(reason.column()), Some(reason));
    }
    assert_eq!(RevocationReason::parse("bored"), None);
}
