//! Paged lists: the keyset cursor of `GET /api/keys` and `GET /api/activity`, and the key
//! list's filters and bounded search. No `worker` import: every rule here is unit-tested on the host.
//!
//! A cursor names the last row of a page by its sort key, `(created_at, id)`, and the next
//! page starts strictly after it. The id breaks ties between rows created in the same
//! millisecond; it is random, so a cursor reveals no row numbers.

use crate::crypto::is_lower_hex;

/// Keys per page of `GET /api/keys` when a caller pages (sends a `cursor`) without a `limit`.
pub const KEY_PAGE_SIZE: usize = 50;

/// The largest page of keys a caller may ask for with `limit`.
pub const KEY_PAGE_MAX: usize = 100;

/// The longest search, in characters: as long as a label can be.
pub const SEARCH_MAX_CHARS: usize = crate::keys::LABEL_MAX_CHARS;

/// Where the next page starts: after the row created at `created_at` (Unix ms) with `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: String,
}

impl Cursor {
    /// `<created_at>.<id>`: opaque to clients, who send back what they were given.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at, self.id)
    }

    /// A cursor as [`Cursor::encode`] writes it, whose id has `id_prefix` (`key_`, `act_`)
    /// and 32 lowercase hex characters; anything else is `None`.
    pub fn decode(raw: &str, id_prefix: &str) -> Option<Self> {
        let (created_at, id) = raw.split_once('.')?;
        // Digits only (no sign, no spaces), and few enough that the number fits.
        let digits_only = !created_at.is_empty()
            && created_at.len() <= 16
            && created_at.bytes().all(|b| b.is_ascii_digit());
        let hex = id.strip_prefix(id_prefix)?;
        if !digits_only || !is_lower_hex(hex, 32) {
            return None;
        }
        Some(Cursor {
            created_at: created_at.parse().ok()?,
            id: id.to_owned(),
        })
    }
}

/// `status=active|revoked`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Active,
    Revoked,
}

/// `source=portal|oauth|unknown`, as the badges name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFilter {
    Portal,
    OAuth,
    Unknown,
}

/// A search of labels and last 4 characters: trimmed, at most [`SEARCH_MAX_CHARS`], no
/// control characters. A leading `…` (how the page shows the last 4) is dropped.
///
/// The store matches it as literal text with `instr`, not `LIKE`: nothing in it is a
/// wildcard, so there is nothing to escape, and D1 refuses `LIKE` patterns over 50 bytes
/// ("LIKE or GLOB pattern too complex"), which would cut a search to 48 ASCII characters
/// or 16 Japanese ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    /// The term, or `None` for an empty search.
    pub fn parse(raw: &str) -> Result<Option<Self>, ListingError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > SEARCH_MAX_CHARS {
            return Err(ListingError::SearchTooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ListingError::SearchHasControlCharacters);
        }
        let term = trimmed
            .strip_prefix('…')
            .or_else(|| trimmed.strip_prefix("..."))
            .unwrap_or(trimmed)
            .trim_start();
        Ok((!term.is_empty()).then(|| SearchTerm(term.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One request for a page of keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyQuery {
    pub status: Option<StatusFilter>,
    pub source: Option<SourceFilter>,
    pub search: Option<SearchTerm>,
    pub after: Option<Cursor>,
    /// Keys per page. `None` is the contract's plain `GET /api/keys`: every key at once.
    pub page_size: Option<usize>,
}

/// Why a list request was refused (400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingError {
    InvalidCursor,
    InvalidLimit,
    InvalidStatus,
    InvalidSource,
    SearchTooLong,
    SearchHasControlCharacters,
    RepeatedParameter,
}

impl ListingError {
    /// The error's code in the API's error body.
    pub fn code(self) -> &'static str {
        match self {
            ListingError::InvalidCursor => "invalid_cursor",
            ListingError::InvalidLimit => "invalid_limit",
            ListingError::InvalidStatus
            | ListingError::InvalidSource
            | ListingError::RepeatedParameter => "invalid_filter",
            ListingError::SearchTooLong | ListingError::SearchHasControlCharacters => {
                "invalid_search"
            }
        }
    }

    pub fn message(self) -> String {
        match self {
            ListingError::InvalidCursor => {
                "The cursor is not one this server gave out. Start again from the first page."
                    .into()
            }
            ListingError::InvalidLimit => {
                format!("`limit` must be a whole number from 1 to {KEY_PAGE_MAX}.")
            }
            ListingError::InvalidStatus => "`status` must be \"active\" or \"revoked\".".into(),
            ListingError::InvalidSource => {
                "`source` must be \"portal\", \"oauth\" or \"unknown\".".into()
            }
            ListingError::SearchTooLong => {
                format!("The search can be at most {SEARCH_MAX_CHARS} characters.")
            }
            ListingError::SearchHasControlCharacters => {
                "The search cannot contain control characters.".into()
            }
            ListingError::RepeatedParameter => "Each parameter may be given once.".into(),
        }
    }
}

/// The one value of a query parameter; empty counts as absent. Given twice, it is refused
/// rather than guessed at.
fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ListingError> {
    let mut values = params
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.as_str());
    match (values.next(), values.next()) {
        (_, Some(_)) => Err(ListingError::RepeatedParameter),
        (Some(value), None) if !value.is_empty() => Ok(Some(value)),
        _ => Ok(None),
    }
}

/// The cursor of a paged request (`cursor`), for ids that start with `id_prefix`.
pub fn parse_cursor(
    params: &[(String, String)],
    id_prefix: &str,
) -> Result<Option<Cursor>, ListingError> {
    single(params, "cursor")?
        .map(|raw| Cursor::decode(raw, id_prefix).ok_or(ListingError::InvalidCursor))
        .transpose()
}

impl KeyQuery {
    /// Reads `status`, `source`, `q`, `cursor` and `limit`; other parameters are ignored.
    /// Paging is the caller's choice: without `limit` and `cursor` the answer is every
    /// matching key; with a `cursor` alone, pages of [`KEY_PAGE_SIZE`].
    pub fn parse(params: &[(String, String)]) -> Result<Self, ListingError> {
        let status = match single(params, "status")? {
            None => None,
            Some("active") => Some(StatusFilter::Active),
            Some("revoked") => Some(StatusFilter::Revoked),
            Some(_) => return Err(ListingError::InvalidStatus),
        };
        let source = match single(params, "source")? {
            None => None,
            Some("portal") => Some(SourceFilter::Portal),
            Some("oauth") => Some(SourceFilter::OAuth),
            Some("unknown") => Some(SourceFilter::Unknown),
            Some(_) => return Err(ListingError::InvalidSource),
        };
        let search = match single(params, "q")? {
            None => None,
            Some(raw) => SearchTerm::parse(raw)?,
        };
        let limit = single(params, "limit")?
            .map(|raw| parse_limit(raw).ok_or(ListingError::InvalidLimit))
            .transpose()?;
        let after = parse_cursor(params, "key_")?;
        let page_size = limit.or(after.as_ref().map(|_| KEY_PAGE_SIZE));
        Ok(KeyQuery {
            status,
            source,
            search,
            after,
            page_size,
        })
    }
}

/// A page size as digits only (no sign, no spaces), from 1 to [`KEY_PAGE_MAX`].
fn parse_limit(raw: &str) -> Option<usize> {
    if raw.is_empty() || raw.len() > 3 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok().filter(|n| (1..=KEY_PAGE_MAX).contains(n))
}

/// Splits the rows of a page fetched with one row more than `page_size`: the page, and the
/// cursor after its last row when that extra row showed there is more.
pub fn split_page<T>(
    mut rows: Vec<T>,
    page_size: usize,
    cursor_of: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<Cursor>) {
    if rows.len() <= page_size {
        return (rows, None);
    }
    rows.truncate(page_size);
    let next = rows.last().map(cursor_of);
    (rows, next)
}

#[cfg(test)]
mod tests;
