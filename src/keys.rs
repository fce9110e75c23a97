//! The API key domain: raw keys, their hashes, key ids, labels and sources.
//! No `worker` import: every rule here is unit-tested on the host.

use std::fmt;

use crate::crypto::{hex, is_lower_hex, random_bytes, random_hex, sha256_hex};
use crate::time::rfc3339;

pub const KEY_PREFIX: &str = "hdr_user_";
const KEY_HEX_LEN: usize = 64;
pub const KEY_LEN: usize = KEY_PREFIX.len() + KEY_HEX_LEN;

/// A raw key, `hdr_user_<64 lowercase hex>`. It exists in memory only between minting and
/// the one response that carries it, or while a bearer token is checked; `Debug` never
/// prints it.
pub struct ApiKey(String);

impl ApiKey {
    /// A new key from 32 bytes of the platform CSPRNG.
    pub fn generate() -> Self {
        ApiKey(format!("{KEY_PREFIX}{}", hex(&random_bytes::<32>())))
    }

    /// Accepts exactly `^hdr_user_[0-9a-f]{64}$`; anything else is refused before any
    /// database work.
    pub fn parse(candidate: &str) -> Option<Self> {
        let hex_part = candidate.strip_prefix(KEY_PREFIX)?;
        is_lower_hex(hex_part, KEY_HEX_LEN).then(|| ApiKey(candidate.to_owned()))
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash(sha256_hex(self.0.as_bytes()))
    }

    /// The last four characters, shown in the list to match against a password manager.
    pub fn last4(&self) -> String {
        self.0[self.0.len() - 4..].to_owned()
    }

    /// The raw value, for the single response that hands it to its owner.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// SHA-256 of a raw key, lowercase hex: the only form in which a key is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHash(String);

impl KeyHash {
    /// A hash as it is stored, for looking a row up without its key (the benchmark's
    /// baseline route).
    pub fn from_stored(hex: String) -> Self {
        KeyHash(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The public, opaque id of a key row: `key_` + 32 random hex characters. Never a row
/// number, so ids cannot be guessed or counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyId(String);

const KEY_ID_PREFIX: &str = "key_";

impl KeyId {
    pub fn generate() -> Self {
        KeyId(format!("{KEY_ID_PREFIX}{}", random_hex::<16>()))
    }

    pub fn parse(candidate: &str) -> Option<Self> {
        let hex_part = candidate.strip_prefix(KEY_ID_PREFIX)?;
        is_lower_hex(hex_part, 32).then(|| KeyId(candidate.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const LABEL_MAX_CHARS: usize = 100;

/// A label as the user typed it: trimmed, at most 100 characters, no control characters.
/// An empty label is no label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelError {
    TooLong,
    ControlCharacter,
}

impl Label {
    pub fn parse(raw: &str) -> Result<Option<Self>, LabelError> {
        let trimmed = raw.trim();
        if trimmed.chars().any(char::is_control) {
            return Err(LabelError::ControlCharacter);
        }
        if trimmed.chars().count() > LABEL_MAX_CHARS {
            return Err(LabelError::TooLong);
        }
        Ok((!trimmed.is_empty()).then(|| Label(trimmed.to_owned())))
    }

    /// The label the server gives a token minted at the end of an OAuth consent, cut to
    /// the same limit as a typed label, and trimmed again like one: the cut can land
    /// just after a space, and a blank name leaves only the prefix's own space.
    pub fn for_oauth_client(client_name: &str) -> Self {
        let clean: String = client_name.chars().filter(|c| !c.is_control()).collect();
        let full = format!("OAuth: {}", clean.trim());
        let cut: String = full.chars().take(LABEL_MAX_CHARS).collect();
        Label(cut.trim_end().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who minted a key. Stored as `source` + `oauth_client_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Portal,
    OAuth {
        client_id: String,
    },
    /// A legacy or imported row with no attribution.
    Unknown,
}

impl Source {
    pub fn from_columns(source: Option<&str>, oauth_client_id: Option<String>) -> Self {
        match (source, oauth_client_id) {
            (Some("portal"), _) => Source::Portal,
            (Some("oauth"), Some(client_id)) => Source::OAuth { client_id },
            _ => Source::Unknown,
        }
    }

    pub fn column(&self) -> &'static str {
        match self {
            Source::Portal => "portal",
            Source::OAuth { .. } => "oauth",
            Source::Unknown => "unknown",
        }
    }

    pub fn client_id(&self) -> Option<&str> {
        match self {
            Source::OAuth { client_id } => Some(client_id),
            _ => None,
        }
    }

    /// The badge the portal shows: `Portal`, `OAuth: dcr_…`, `Unknown`.
    pub fn badge(&self) -> String {
        match self {
            Source::Portal => "Portal".to_owned(),
            Source::OAuth { client_id } => format!("OAuth: {client_id}"),
            Source::Unknown => "Unknown".to_owned(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Source::OAuth { client_id } => {
                serde_json::json!({ "kind": "oauth", "client_id": client_id, "badge": self.badge() })
            }
            other => serde_json::json!({ "kind": other.column(), "badge": other.badge() }),
        }
    }
}

/// A key as stored and listed: everything but the secret, which is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    pub id: String,
    pub label: Option<String>,
    pub last4: String,
    pub source: Source,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl KeyRecord {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// The shape of a key in `GET /api/keys`, the mint response and the MCP tools.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "label": self.label,
            "last4": self.last4,
            "status": if self.is_active() { "active" } else { "revoked" },
            "source": self.source.to_json(),
            "created_at": rfc3339(self.created_at),
            "last_used_at": self.last_used_at.map(rfc3339),
            "revoked_at": self.revoked_at.map(rfc3339),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut record = KeyRecord {
            id: "key_1".into(),
            label: None,
            last4: "a1b2".into(),
            source: Source::Portal,
            created_at: 0,
            last_used_at: None,
            revoked_at: None,
        };
        let active = record.to_json();
        assert_eq!(active["status"], "active");
        assert_eq!(active["created_at"], "1970-01-01T00:00:00Z");
        assert!(active["last_used_at"].is_null() && active["label"].is_null());
        record.revoked_at = Some(60_000);
        let revoked = record.to_json();
        assert_eq!(revoked["status"], "revoked");
        assert_eq!(revoked["revoked_at"], "1970-01-01T00:01:00Z");
    }
}
