//! The API key domain: raw keys, their hashes, key ids, labels and sources.
//! No `worker` import: every rule here is unit-tested on the host.

use std::fmt;

use crate::activity::ClientMeta;
use crate::crypto::{hex, is_lower_hex, random_bytes, random_hex, sha256_hex};
use crate::text::{check_visible, strip_invisible, TextError};
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

    /// An id as D1 holds it. Only [`KeyId::generate`] writes ids there, so it is taken as it
    /// is: the store hands out domain types, and nothing parses what it returned again.
    pub fn from_stored(id: String) -> Self {
        KeyId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const LABEL_MAX_CHARS: usize = 100;

/// A label as the user typed it: trimmed, at most 100 characters, nothing invisible (no
/// control or format characters, see [`crate::text`]). An empty label is no label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelError {
    TooLong,
    ControlCharacter,
    InvisibleCharacter,
}

impl Label {
    pub fn parse(raw: &str) -> Result<Option<Self>, LabelError> {
        let trimmed = raw.trim();
        check_visible(trimmed).map_err(|error| match error {
            TextError::ControlCharacter => LabelError::ControlCharacter,
            TextError::InvisibleCharacter => LabelError::InvisibleCharacter,
        })?;
        if trimmed.chars().count() > LABEL_MAX_CHARS {
            return Err(LabelError::TooLong);
        }
        Ok((!trimmed.is_empty()).then(|| Label(trimmed.to_owned())))
    }

    /// The label the server gives a token minted at the end of an OAuth consent, cut to
    /// the same limit as a typed label, and trimmed again like one: the cut can land
    /// just after a space, and a blank name leaves only the prefix's own space.
    pub fn for_oauth_client(client_name: &str) -> Self {
        let full = format!("OAuth: {}", strip_invisible(client_name).trim());
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

/// Why a key was revoked, stored as `revoked_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    /// Its owner revoked it on the page or through the API.
    User,
    /// The OAuth client it was issued to gave it back (RFC 7009).
    Client,
    /// The same client connected again for the same user: one key per connected app.
    Replaced,
    /// The authorization code it was minted from was presented again (RFC 6749 §4.1.2).
    CodeReplay,
    /// Reported as leaked (GitHub secret scanning); the detail holds where it was found.
    Leaked,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 5] = [
        RevocationReason::User,
        RevocationReason::Client,
        RevocationReason::Replaced,
        RevocationReason::CodeReplay,
        RevocationReason::Leaked,
    ];

    pub fn column(self) -> &'static str {
        match self {
            RevocationReason::User => "user",
            RevocationReason::Client => "client",
            RevocationReason::Replaced => "replaced",
            RevocationReason::CodeReplay => "code_replay",
            RevocationReason::Leaked => "leaked",
        }
    }

    pub fn parse(column: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.column() == column)
    }
}

/// A key as stored and listed: everything but the secret, which is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    pub id: KeyId,
    pub label: Option<String>,
    pub last4: String,
    pub source: Source,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// Where the request of `last_used_at` came from, and by what client.
    pub last_used_from: ClientMeta,
    pub revoked_at: Option<i64>,
    /// `None` for an active key, and for keys revoked before reasons were recorded.
    pub revoked_reason: Option<RevocationReason>,
    /// For a leaked key: the URL where it was found.
    pub revoked_detail: Option<String>,
}

impl KeyRecord {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// The shape of a key in `GET /api/keys`, the mint response and the MCP tools.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.as_str(),
            "label": self.label,
            "last4": self.last4,
            "status": if self.is_active() { "active" } else { "revoked" },
            "source": self.source.to_json(),
            "created_at": rfc3339(self.created_at),
            "last_used_at": self.last_used_at.map(rfc3339),
            "last_used_ip": self.last_used_from.ip,
            "last_used_country": self.last_used_from.country,
            "last_used_user_agent": self.last_used_from.user_agent,
            "revoked_at": self.revoked_at.map(rfc3339),
            "revoked_reason": self.revoked_reason.map(RevocationReason::column),
            "revoked_detail": self.leak_url(),
        })
    }

    /// Where a leaked key was found; `None` for any other key.
    pub fn leak_url(&self) -> Option<&str> {
        match self.revoked_reason {
            Some(RevocationReason::Leaked) => self.revoked_detail.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
