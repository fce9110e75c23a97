use super::*;
use crate::oauth::test_fixtures::params;

const KEY_ID: &str = "key_0123456789abcdef0123456789abcdef";

#[test]
fn a_cursor_round_trips() {
    let cursor = Cursor {
        created_at: 1_795_933_663_769,
        id: KEY_ID.into(),
    };
    assert_eq!(Cursor::decode(&cursor.encode(), "key_"), Some(cursor));
}

#[test]
fn malformed_cursors_are_refused() {
    for raw in [
        "",
        "1795933663769",
        &format!("-5.{KEY_ID}"),
        &format!("+5.{KEY_ID}"),
        &format!(" 5.{KEY_ID}"),
        &format!("5.5.{KEY_ID}"),
        &format!("99999999999999999.{KEY_ID}"),
        "5.key_0123",
        "5.key_0123456789ABCDEF0123456789ABCDEF",
        "5.act_0123456789abcdef0123456789abcdef",
        &format!("5.{KEY_ID}x"),
        &format!(".{KEY_ID}"),
    ] {
        assert_eq!(Cursor::decode(raw, "key_"), None, "{raw:?}");
    }
}

#[test]
fn a_cursor_names_ids_of_its_own_list_only() {
    let activity = "5.act_0123456789abcdef0123456789abcdef";
    assert!(Cursor::decode(activity, "act_").is_some());
    assert_eq!(Cursor::decode(activity, "key_"), None);
}

#[test]
fn no_parameters_ask_for_every_key_unpaged() {
    assert_eq!(KeyQuery::parse(&[]), Ok(KeyQuery::default()));
    assert_eq!(
        KeyQuery::default().page_size,
        None,
        "the contract: every key"
    );
    assert_eq!(
        KeyQuery::parse(&params(&[("status", ""), ("q", "  "), ("cursor", "")])),
        Ok(KeyQuery::default())
    );
}

#[test]
fn filters_search_and_cursor_are_read() {
    let query = KeyQuery::parse(&params(&[
        ("status", "revoked"),
        ("source", "oauth"),
        ("q", " laptop "),
        ("cursor", &format!("42.{KEY_ID}")),
        ("limit", "20"),
        ("utm_source", "ignored"),
    ]))
    .unwrap();
    assert_eq!(query.page_size, Some(20));
    assert_eq!(query.status, Some(StatusFilter::Revoked));
    assert_eq!(query.source, Some(SourceFilter::OAuth));
    assert_eq!(query.search, Some(SearchTerm("laptop".into())));
    assert_eq!(
        query.after,
        Some(Cursor {
            created_at: 42,
            id: KEY_ID.into()
        })
    );
    let active = KeyQuery::parse(&params(&[("status", "active")])).unwrap();
    assert_eq!(active.status, Some(StatusFilter::Active));
    for (source, expected) in [
        ("portal", SourceFilter::Portal),
        ("unknown", SourceFilter::Unknown),
    ] {
        let query = KeyQuery::parse(&params(&[("source", source)])).unwrap();
        assert_eq!(query.source, Some(expected));
    }
}

#[test]
fn paging_is_asked_for_by_a_limit_or_a_cursor() {
    let limited = KeyQuery::parse(&params(&[("limit", "50")])).unwrap();
    assert_eq!((limited.page_size, limited.after), (Some(50), None));
    let next = KeyQuery::parse(&params(&[("cursor", &format!("42.{KEY_ID}"))])).unwrap();
    assert_eq!(
        next.page_size,
        Some(KEY_PAGE_SIZE),
        "a cursor alone pages by the default"
    );
    for edge in ["1", "100", "007"] {
        assert!(
            KeyQuery::parse(&params(&[("limit", edge)])).is_ok(),
            "{edge}"
        );
    }
}

#[test]
fn a_limit_is_digits_from_1_to_100() {
    for bad in [
        "0", "101", "1000", "-1", "+5", " 5", "5 ", "5.0", "1e2", "abc", "٣",
    ] {
        assert_eq!(
            KeyQuery::parse(&params(&[("limit", bad)])),
            Err(ListingError::InvalidLimit),
            "{bad:?}"
        );
    }
    assert_eq!(
        KeyQuery::parse(&params(&[("limit", "5"), ("limit", "6")])),
        Err(ListingError::RepeatedParameter)
    );
}

#[test]
fn unknown_filter_values_are_refused() {
    assert_eq!(
        KeyQuery::parse(&params(&[("status", "Active")])),
        Err(ListingError::InvalidStatus)
    );
    assert_eq!(
        KeyQuery::parse(&params(&[("source", "github")])),
        Err(ListingError::InvalidSource)
    );
    assert_eq!(
        KeyQuery::parse(&params(&[("cursor", "page-2")])),
        Err(ListingError::InvalidCursor)
    );
}

#[test]
fn a_repeated_parameter_is_refused_rather_than_guessed_at() {
    assert_eq!(
        KeyQuery::parse(&params(&[("status", "active"), ("status", "revoked")])),
        Err(ListingError::RepeatedParameter)
    );
}

#[test]
fn a_search_is_at_most_100_characters() {
    let longest = "a".repeat(SEARCH_MAX_CHARS);
    assert!(SearchTerm::parse(&longest).unwrap().is_some());
    assert_eq!(
        SearchTerm::parse(&format!("{longest}a")),
        Err(ListingError::SearchTooLong)
    );
    let wide = "ü".repeat(SEARCH_MAX_CHARS);
    assert!(
        SearchTerm::parse(&wide).unwrap().is_some(),
        "counted in characters"
    );
}

#[test]
fn a_search_with_control_characters_is_refused() {
    assert_eq!(
        SearchTerm::parse("lap\u{0}top"),
        Err(ListingError::SearchHasControlCharacters)
    );
}

#[test]
fn the_ellipsis_the_page_shows_before_the_last_4_is_ignored() {
    for raw in ["…a1b2", "...a1b2", "… a1b2"] {
        assert_eq!(
            SearchTerm::parse(raw),
            Ok(Some(SearchTerm("a1b2".into()))),
            "{raw:?}"
        );
    }
    assert_eq!(SearchTerm::parse("…"), Ok(None));
}

#[test]
fn a_search_keeps_wildcards_as_text() {
    let term = SearchTerm::parse(" 100% my_key\\ ").unwrap().unwrap();
    assert_eq!(term.as_str(), "100% my_key\\");
}

#[test]
fn every_error_has_a_code_and_a_message() {
    for error in [
        ListingError::InvalidCursor,
        ListingError::InvalidLimit,
        ListingError::InvalidStatus,
        ListingError::InvalidSource,
        ListingError::SearchTooLong,
        ListingError::SearchHasControlCharacters,
        ListingError::RepeatedParameter,
    ] {
        assert!(error.code().starts_with("invalid_"));
        assert!(!error.message().is_empty());
    }
}

#[test]
fn a_full_page_plus_one_has_a_next_cursor_at_its_last_row() {
    let cursor_of = |n: &i64| Cursor {
        created_at: *n,
        id: format!("key_{n:032x}"),
    };
    let (page, next) = split_page((0..=5).rev().collect::<Vec<i64>>(), 5, cursor_of);
    assert_eq!(page, vec![5, 4, 3, 2, 1]);
    assert_eq!(next, Some(cursor_of(&1)));
    let (page, next) = split_page(vec![3, 2, 1], 5, cursor_of);
    assert_eq!(page, vec![3, 2, 1]);
    assert_eq!(next, None);
    let (page, next) = split_page((1..=5).rev().collect::<Vec<i64>>(), 5, cursor_of);
    assert_eq!(page.len(), 5);
    assert_eq!(next, None, "exactly a page: nothing after it");
}
