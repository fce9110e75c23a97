//! Client addresses and list cursors (the activity log and the key list).

use crate::common::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};

use hadron_keys::activity::{address_hash, ClientMeta};
use hadron_keys::listing::Cursor;

/// Strings made of what addresses are made of, often close to a real one.
fn near_ip() -> impl Strategy<Value = String> {
    let v4 = any::<[u8; 4]>().prop_map(|octets| std::net::Ipv4Addr::from(octets).to_string());
    let v6 = any::<[u16; 8]>().prop_map(|groups| std::net::Ipv6Addr::from(groups).to_string());
    let mapped = any::<[u8; 4]>().prop_map(|octets| {
        std::net::Ipv4Addr::from(octets)
            .to_ipv6_mapped()
            .to_string()
    });
    let garbage = "[0-9a-fA-F:.]{0,41}";
    let separator = select(vec![':', '.', '0', 'f', ' ']);
    let ip_edit = prop_oneof![
        edit(),
        (any::<Index>(), separator.clone()).prop_map(|(at, c)| Edit::Insert(at, c)),
        (any::<Index>(), separator).prop_map(|(at, c)| Edit::Replace(at, c)),
    ];
    (prop_oneof![v4, v6, mapped, garbage], vec(ip_edit, 0..3))
        .prop_map(|(ip, edits)| edits.iter().fold(ip, |ip, edit| edit.apply(&ip)))
}

proptest! {
    /// `std::net` is the oracle: the Worker reads addresses by hand, to keep `std::net`'s
    /// parser and printer out of the bundle, and must accept exactly what it accepts.
    #[test]
    fn an_address_is_kept_exactly_when_std_net_reads_one(ip in near_ip()) {
        let kept = ClientMeta::new(Some(&ip), None, None).ip;
        let trimmed = ip.trim();
        prop_assert_eq!(kept.is_some(), trimmed.parse::<std::net::IpAddr>().is_ok(), "{:?}", ip);
        if let Some(kept) = kept {
            prop_assert_eq!(kept, trimmed.to_ascii_lowercase());
        }
    }

    #[test]
    fn two_spellings_of_one_ipv6_network_are_one_sign_in_address(
        groups in any::<[u16; 8]>(),
        host in any::<[u16; 4]>(),
    ) {
        let address = std::net::Ipv6Addr::from(groups);
        prop_assume!(address.to_ipv4_mapped().is_none());
        let mut same_network = groups;
        same_network[4..].copy_from_slice(&host);
        let full = groups.iter().map(|group| format!("{group:04X}")).collect::<Vec<_>>().join(":");
        let neighbour = std::net::Ipv6Addr::from(same_network).to_string();
        let expected = address_hash("usr_1", Some(&address.to_string()));
        prop_assert!(expected.is_some());
        prop_assert_eq!(address_hash("usr_1", Some(&full)), expected.clone());
        prop_assert_eq!(address_hash("usr_1", Some(&neighbour)), expected);
    }

    #[test]
    fn a_cursor_decodes_to_what_was_encoded_and_nothing_else_panics(
        created_at in 0i64..=9_999_999_999_999_999,
        id in "[0-9a-f]{32}",
        noise in text(),
    ) {
        let cursor = Cursor { created_at, id: format!("key_{id}") };
        prop_assert_eq!(Cursor::decode(&cursor.encode(), "key_"), Some(cursor));
        if let Some(decoded) = Cursor::decode(&noise, "key_") {
            prop_assert_eq!(decoded.encode(), noise);
        }
    }
}
