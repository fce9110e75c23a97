//! Inputs and oracles shared by every domain's properties.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{Map, Value};

/// Strings of every kind a request can carry: any Unicode, printable ASCII, ASCII with
/// control characters, and arbitrary bytes read as lossy UTF-8 (what a body decoder
/// hands on).
pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        "[\\x00-\\x7f]{0,80}",
        vec(any::<u8>(), 0..160).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

pub(crate) fn strings(values: &[&'static str]) -> impl Strategy<Value = String> {
    select(values.to_vec()).prop_map(str::to_owned)
}

/// RFC 3986 §2.3 unreserved characters.
pub(crate) fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~".contains(&byte)
}

pub(crate) fn is_lower_hex_byte(byte: u8) -> bool {
    matches!(byte, b'0'..=b'9' | b'a'..=b'f')
}

/// `^{prefix}[0-9a-f]{len}$`.
pub(crate) fn is_prefixed_lower_hex(candidate: &str, prefix: &str, len: usize) -> bool {
    let bytes = candidate.as_bytes();
    bytes.len() == prefix.len() + len
        && bytes.starts_with(prefix.as_bytes())
        && bytes[prefix.len()..].iter().all(|&b| is_lower_hex_byte(b))
}

/// RFC 6749 §5.2 (and §4.1.2.1): `error_description` is `%x20-21 / %x23-5B / %x5D-7E`.
pub(crate) fn is_rfc6749_description(description: &str) -> bool {
    description
        .bytes()
        .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// One edit to a string, by character position.
#[derive(Debug, Clone)]
pub(crate) enum Edit {
    Replace(Index, char),
    Insert(Index, char),
    Remove(Index),
}

impl Edit {
    pub(crate) fn apply(&self, original: &str) -> String {
        let mut chars: Vec<char> = original.chars().collect();
        match *self {
            Edit::Replace(at, c) if !chars.is_empty() => {
                let i = at.index(chars.len());
                chars[i] = c;
            }
            Edit::Insert(at, c) => chars.insert(at.index(chars.len() + 1), c),
            Edit::Remove(at) if !chars.is_empty() => {
                chars.remove(at.index(chars.len()));
            }
            _ => {}
        }
        chars.into_iter().collect()
    }
}

pub(crate) fn edit() -> impl Strategy<Value = Edit> {
    // Mostly characters that are one step from valid: other hex digits, upper case, the
    // prefix's own letters; and any character at all.
    let character = || {
        prop_oneof![
            select(
                "0123456789abcdefABCDEFghrsux_ \u{e9}\u{0}"
                    .chars()
                    .collect::<Vec<_>>()
            ),
            any::<char>(),
        ]
    };
    prop_oneof![
        (any::<Index>(), character()).prop_map(|(at, c)| Edit::Replace(at, c)),
        (any::<Index>(), character()).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<Index>().prop_map(Edit::Remove),
    ]
}

/// Percent-encodes every byte that is not ASCII alphanumeric.
pub(crate) fn percent_encode_all(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Finite numbers with few significant digits: serde_json (without `float_roundtrip`)
/// reads these back to the very same `f64`, so a round trip can be compared exactly.
pub(crate) fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (any::<i16>(), 0i32..=4).prop_map(|(m, e)| Value::from(f64::from(m) / 10f64.powi(e))),
    ]
}

pub(crate) fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        strings(&[
            "jsonrpc",
            "id",
            "method",
            "params",
            "result",
            "error",
            "name",
            "arguments",
            "redirect_uris",
            "client_name",
        ]),
        text(),
    ]
}

pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((json_key(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

pub(crate) fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    vec((json_key(), json_value()), 0..5).prop_map(|fields| fields.into_iter().collect())
}

/// `extra`, then `name: value` for every field that is `Some` (and without those that
/// are `None`, whatever `extra` held).
pub(crate) fn object_of(
    fields: Vec<(&str, Option<Value>)>,
    extra: Vec<(String, Value)>,
) -> Map<String, Value> {
    let mut object: Map<String, Value> = extra.into_iter().collect();
    for (name, value) in fields {
        match value {
            Some(value) => object.insert(name.to_owned(), value),
            None => object.remove(name),
        };
    }
    object
}
