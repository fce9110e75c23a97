use super::*;

#[test]
fn kinds_have_the_names_the_page_and_the_trigger_use() {
    let names: Vec<&str> = [
        ActivityKind::KeyMinted,
        ActivityKind::KeyRevoked,
        ActivityKind::ConsentApproved,
        ActivityKind::ConsentDenied,
        ActivityKind::RoleChanged,
        ActivityKind::LeakReported,
        ActivityKind::NewAddressSignIn,
    ]
    .into_iter()
    .map(ActivityKind::as_str)
    .collect();
    assert_eq!(
        names,
        [
            "key_minted",
            "key_revoked",
            "consent_approved",
            "consent_denied",
            "role_changed",
            "leak_reported",
            "new_address_sign_in"
        ]
    );
}

#[test]
fn addresses_are_kept_as_sent_in_lowercase() {
    assert_eq!(
        ClientMeta::new(Some("203.0.113.7"), None, None)
            .ip
            .as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(
        ClientMeta::new(Some(" 2001:DB8::1 "), None, None)
            .ip
            .as_deref(),
        Some("2001:db8::1")
    );
}

#[test]
fn ipv6_addresses_of_every_shape_are_read() {
    for ip in [
        "::",
        "::1",
        "2001:db8::",
        "2001:db8:0:0:0:0:0:1",
        "fe80::1:2:3:4:5:6",
        "::ffff:192.0.2.1",
        "64:ff9b::192.0.2.33",
    ] {
        assert_eq!(
            ClientMeta::new(Some(ip), None, None).ip.as_deref(),
            Some(ip),
            "{ip}"
        );
    }
}

#[test]
fn anything_that_is_not_an_address_is_dropped() {
    for raw in [
        "unknown",
        "",
        "203.0.113.7, 10.0.0.1",
        "<script>",
        "1.2.3.4.5",
        "1.2.3",
        "256.1.1.1",
        "1.2.3.04x",
        "01.2.3.4",
        "2001:db8::1::2",
        ":::",
        "2001:db8:0:0:0:0:0:0:1",
        "2001:db8:0:0:0:0:1",
        "1:2:3:4:5:6:7::8",
        "2001:db8::12345",
        "2001:db8::g",
        "1.2.3.4::",
        "::1.2.3.4:5",
        "2001:db8:::1",
    ] {
        assert_eq!(ClientMeta::new(Some(raw), None, None).ip, None, "{raw:?}");
    }
}

const EDGE_CLIENT: Option<&str> = Some("203.0.113.7");

#[test]
fn countries_are_two_letter_codes_or_tor() {
    for code in ["DE", "US", "NZ", "T1", "XX"] {
        let meta = ClientMeta::new(EDGE_CLIENT, Some(code), None);
        assert_eq!(meta.country.as_deref(), Some(code));
    }
    for bad in ["", "de", "DEU", "D", "D<", "Ü1"] {
        let meta = ClientMeta::new(EDGE_CLIENT, Some(bad), None);
        assert_eq!(meta.country, None, "{bad:?}");
    }
}

#[test]
fn without_a_client_address_from_the_edge_there_is_no_country() {
    for local in [
        None,
        Some("127.0.0.1"),
        Some("127.1.2.3"),
        Some("::1"),
        Some("0:0::1"),
    ] {
        let meta = ClientMeta::new(local, Some("US"), None);
        assert_eq!(meta.country, None, "{local:?}");
    }
    let meta = ClientMeta::new(Some("::2"), Some("US"), None);
    assert_eq!(meta.country.as_deref(), Some("US"));
}

#[test]
fn a_long_user_agent_is_cut_to_256_characters() {
    let long = "Mozilla/5.0 ".repeat(100);
    let kept = ClientMeta::new(None, None, Some(&long)).user_agent.unwrap();
    assert_eq!(kept.chars().count(), USER_AGENT_MAX_CHARS);
    assert!(long.starts_with(&kept));
}

#[test]
fn the_cut_never_splits_a_character() {
    let long = "ü".repeat(300);
    let kept = ClientMeta::new(None, None, Some(&long)).user_agent.unwrap();
    assert_eq!(kept, "ü".repeat(USER_AGENT_MAX_CHARS));
}

#[test]
fn control_characters_leave_the_user_agent_and_blank_means_none() {
    assert_eq!(
        ClientMeta::new(None, None, Some("curl/8.5.0\u{7}\u{1b}[31m"))
            .user_agent
            .as_deref(),
        Some("curl/8.5.0[31m")
    );
    assert_eq!(ClientMeta::new(None, None, Some("  \t ")).user_agent, None);
}

#[test]
fn the_same_address_hashes_the_same_for_one_user_only() {
    let ada = address_hash("usr_ada", Some("203.0.113.7")).unwrap();
    assert_eq!(
        address_hash("usr_ada", Some("203.0.113.7")),
        Some(ada.clone())
    );
    assert_ne!(
        address_hash("usr_bob", Some("203.0.113.7")),
        Some(ada.clone())
    );
    assert_ne!(
        address_hash("usr_ada", Some("203.0.113.8")),
        Some(ada.clone())
    );
    assert!(
        !ada.contains("203"),
        "the address is not stored in the clear"
    );
}

#[test]
fn an_ipv6_address_counts_as_its_slash_64() {
    let home = address_hash("usr_ada", Some("2001:db8:1:2:aaaa::1"));
    assert_eq!(
        address_hash("usr_ada", Some("2001:db8:1:2:bbbb:cccc:dddd:eeee")),
        home
    );
    assert_ne!(address_hash("usr_ada", Some("2001:db8:1:3::1")), home);
}

#[test]
fn an_ipv4_mapped_address_is_its_ipv4_address() {
    assert_eq!(
        address_hash("usr_ada", Some("::ffff:203.0.113.7")),
        address_hash("usr_ada", Some("203.0.113.7"))
    );
}

#[test]
fn an_unknown_address_has_no_hash() {
    assert_eq!(address_hash("usr_ada", None), None);
    assert_eq!(address_hash("usr_ada", Some("unknown")), None);
}
