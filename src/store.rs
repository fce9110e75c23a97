//! Every SQL statement lives here: bound parameters only, rows in, domain types out.

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::Array;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::accounts::{Email, Role, User, UserId};
use crate::activity::{self, ActivityKind, ClientMeta};
use crate::credentials::SessionHash;
use crate::keys::{KeyHash, KeyId, KeyRecord, Label, RevocationReason, Source};
use crate::listing::{self, Cursor, KeyQuery, SourceFilter, StatusFilter};
use crate::oauth::pkce::CodeChallenge;
use crate::oauth::registration::{ClientId, ClientSecretHash, TokenEndpointAuthMethod};
use crate::oauth::token::{CodeHash, StoredCode};

/// How often `last_used_at` is rewritten at most, per key.
pub const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// Signed-in browsers per user; signing in once more ends the oldest session.
pub const MAX_SESSIONS_PER_USER: i64 = 20;

/// Active keys per user. Minting (or connecting an app) beyond this is refused until the
/// user revokes some.
pub const MAX_ACTIVE_KEYS_PER_USER: i64 = 500;

fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

fn millis(value: i64) -> JsValue {
    // Unix milliseconds stay far below 2^53, so the f64 JavaScript number is exact.
    JsValue::from_f64(value as f64)
}

fn optional_text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, text)
}

fn count(value: usize) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// The three columns that say where a request came from (`ip`, `country`, `user_agent`).
fn meta_values(meta: &ClientMeta) -> [JsValue; 3] {
    [
        optional_text(meta.ip.as_deref()),
        optional_text(meta.country.as_deref()),
        optional_text(meta.user_agent.as_deref()),
    ]
}

/// How many rows a statement of a batch changed.
fn changes(result: Option<&worker::D1Result>) -> Result<usize> {
    Ok(result
        .map(|result| result.meta().map(|meta| meta.and_then(|meta| meta.changes)))
        .transpose()?
        .flatten()
        .unwrap_or(0))
}

/// A `users` row; `password_hash` only where the query reads it (sign-in). One row type
/// for both: each row type's deserializer costs the bundle a few KB.
#[derive(Deserialize)]
struct UserRow {
    id: String,
    email: String,
    role: String,
    password_hash: Option<String>,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        stored_user(self.id, self.email, &self.role)
    }
}

/// A user from the columns of a `users` row, whatever query read them.
fn stored_user(id: String, email: String, role: &str) -> Result<User> {
    let role = Role::parse(role)
        .ok_or_else(|| worker::Error::RustError(format!("unknown role in users row {id}")))?;
    Ok(User {
        id: UserId::from_stored(id),
        email: Email::from_stored(email),
        role,
    })
}

#[derive(Deserialize)]
struct KeyRow {
    id: String,
    label: Option<String>,
    last4: String,
    source: Option<String>,
    oauth_client_id: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    last_used_ip: Option<String>,
    last_used_country: Option<String>,
    last_used_user_agent: Option<String>,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
    revoked_detail: Option<String>,
}

impl From<KeyRow> for KeyRecord {
    fn from(row: KeyRow) -> Self {
        KeyRecord {
            source: Source::from_columns(row.source.as_deref(), row.oauth_client_id),
            id: KeyId::from_stored(row.id),
            label: row.label,
            last4: row.last4,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            // As stored: checked when it was written.
            last_used_from: ClientMeta {
                ip: row.last_used_ip,
                country: row.last_used_country,
                user_agent: row.last_used_user_agent,
            },
            revoked_at: row.revoked_at,
            revoked_reason: row
                .revoked_reason
                .as_deref()
                .and_then(RevocationReason::parse),
            revoked_detail: row.revoked_detail,
        }
    }
}

const KEY_COLUMNS: &str = "id, label, last4, source, oauth_client_id, created_at, last_used_at, \
     last_used_ip, last_used_country, last_used_user_agent, revoked_at, revoked_reason, \
     revoked_detail";

/// The order of every key list: newest first; the random id breaks ties, so that a cursor
/// can name a row without a row number.
const KEY_ORDER: &str = "ORDER BY created_at DESC, id DESC";

// ---- users and sessions -------------------------------------------------------------

/// Inserts a user; `false` when the email is already registered (in any letter case).
pub async fn create_user(
    db: &D1Database,
    user_id: &UserId,
    email: &Email,
    password_hash: &str,
    now: i64,
) -> Result<bool> {
    let result = db
        .prepare(
            "INSERT INTO users (id, email, password_hash, role, created_at) \
             VALUES (?1, ?2, ?3, 'member', ?4) ON CONFLICT (email) DO NOTHING",
        )
        .bind(&[
            text(user_id.as_str()),
            text(email.as_str()),
            text(password_hash),
            millis(now),
        ])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|meta| meta.changes).unwrap_or(0) == 1)
}

/// The user with this email and their stored password hash.
pub async fn find_login(db: &D1Database, email: &Email) -> Result<Option<(User, String)>> {
    let row: Option<UserRow> = db
        .prepare("SELECT id, email, role, password_hash FROM users WHERE email = ?1")
        .bind(&[text(email.as_str())])?
        .first(None)
        .await?;
    row.map(|mut row| {
        let password_hash = row.password_hash.take().ok_or_else(|| {
            worker::Error::RustError("the sign-in query read no password hash".into())
        })?;
        Ok((row.into_user()?, password_hash))
    })
    .transpose()
}

/// A session about to start.
pub struct NewSession<'a> {
    pub token_hash: &'a SessionHash,
    pub user_id: &'a UserId,
    pub now: i64,
    pub expires_at: i64,
    /// Where the request came from; its address is remembered for the account.
    pub meta: &'a ClientMeta,
    /// A sign-in (rather than a sign-up): one from an address the account has not used
    /// within [`activity::RETENTION_MS`] is an activity entry.
    pub is_sign_in: bool,
}

/// Starts a session, and ends the user's oldest ones beyond [`MAX_SESSIONS_PER_USER`] in the
/// same transaction, so signing in again and again cannot grow the table. In the same
/// transaction: the sign-in address is remembered, and recorded when it is new.
pub async fn create_session(db: &D1Database, session: &NewSession<'_>) -> Result<()> {
    let insert = db
        .prepare(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(&[
            text(session.token_hash.as_str()),
            text(session.user_id.as_str()),
            millis(session.now),
            millis(session.expires_at),
        ])?;
    let trim = db
        .prepare(
            "DELETE FROM sessions WHERE user_id = ?1 AND token_hash NOT IN \
             (SELECT token_hash FROM sessions WHERE user_id = ?1 \
              ORDER BY created_at DESC, rowid DESC LIMIT ?2)",
        )
        .bind(&[
            text(session.user_id.as_str()),
            JsValue::from_f64(MAX_SESSIONS_PER_USER as f64),
        ])?;
    let mut statements = vec![insert, trim];
    if let Some(address) =
        activity::address_hash(session.user_id.as_str(), session.meta.ip.as_deref())
    {
        let [ip, country, user_agent] = meta_values(session.meta);
        if session.is_sign_in {
            statements.push(
                db.prepare(format!(
                    "{INSERT_ACTIVITY} SELECT {NEW_ACTIVITY_ID}, ?1, '{}', NULL, NULL, ?3, ?4, ?5, ?6 \
                     WHERE NOT EXISTS (SELECT 1 FROM sign_in_addresses \
                       WHERE user_id = ?1 AND address_hash = ?2)",
                    ActivityKind::NewAddressSignIn.as_str()
                ))
                .bind(&[
                    text(session.user_id.as_str()),
                    text(&address),
                    ip,
                    country,
                    user_agent,
                    millis(session.now),
                ])?,
            );
        }
        statements.push(
            db.prepare(
                "INSERT INTO sign_in_addresses (user_id, address_hash, last_seen_at) \
                 VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id, address_hash) DO UPDATE SET last_seen_at = ?3",
            )
            .bind(&[
                text(session.user_id.as_str()),
                text(&address),
                millis(session.now),
            ])?,
        );
    }
    db.batch(statements).await?;
    Ok(())
}

/// The signed-in user of an unexpired session, with their current role.
pub async fn find_session_user(
    db: &D1Database,
    token_hash: &SessionHash,
    now: i64,
) -> Result<Option<User>> {
    let row: Option<UserRow> = db
        .prepare(
            "SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
        )
        .bind(&[text(token_hash.as_str()), millis(now)])?
        .first(None)
        .await?;
    row.map(UserRow::into_user).transpose()
}

pub async fn delete_session(db: &D1Database, token_hash: &SessionHash) -> Result<()> {
    db.prepare("DELETE FROM sessions WHERE token_hash = ?1")
        .bind(&[text(token_hash.as_str())])?
        .run()
        .await?;
    Ok(())
}

// ---- rate limits ---------------------------------------------------------------------

#[derive(Deserialize)]
struct CounterRow {
    window_started_at: i64,
    count: i64,
}

/// Counts one attempt against `bucket` in one atomic statement, starting a new window when
/// the stored one has ended, and returns the counter after counting:
/// `(window_started_at, count)`.
pub async fn count_attempt(
    db: &D1Database,
    bucket: &str,
    window_ms: i64,
    now: i64,
) -> Result<(i64, i64)> {
    let row: Option<CounterRow> = db
        .prepare(
            "INSERT INTO rate_limits (bucket, window_started_at, count) VALUES (?1, ?2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               count = CASE WHEN window_started_at <= ?2 - ?3 THEN 1 ELSE count + 1 END, \
               window_started_at = CASE WHEN window_started_at <= ?2 - ?3 THEN ?2 ELSE window_started_at END \
             RETURNING window_started_at, count",
        )
        .bind(&[text(bucket), millis(now), millis(window_ms)])?
        .first(None)
        .await?;
    let row =
        row.ok_or_else(|| worker::Error::RustError("the counter upsert returned no row".into()))?;
    Ok((row.window_started_at, row.count))
}

/// Hands back one counted attempt that turned out not to be a failure.
pub fn refund_attempt(db: &D1Database, bucket: &str) -> Result<D1PreparedStatement> {
    db.prepare("UPDATE rate_limits SET count = count - 1 WHERE bucket = ?1 AND count > 0")
        .bind(&[text(bucket)])
}

/// Forgets a counter, e.g. an account's failed sign-ins after a successful one.
pub fn forget_attempts(db: &D1Database, bucket: &str) -> Result<D1PreparedStatement> {
    db.prepare("DELETE FROM rate_limits WHERE bucket = ?1")
        .bind(&[text(bucket)])
}

// ---- keys ---------------------------------------------------------------------------

pub struct NewKey<'a> {
    pub id: &'a KeyId,
    pub user_id: &'a UserId,
    pub hash: &'a KeyHash,
    pub last4: &'a str,
    pub label: Option<&'a Label>,
    pub source: &'a Source,
    pub now: i64,
}

/// Inserts a key unless the user already has [`MAX_ACTIVE_KEYS_PER_USER`] active ones, in one
/// statement so concurrent mints cannot pass the cap together, and records the mint in the
/// same transaction. `false` when refused.
pub async fn insert_key(db: &D1Database, key: &NewKey<'_>, meta: &ClientMeta) -> Result<bool> {
    let insert = db
        .prepare(format!(
            "INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, oauth_client_id, \
             created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE {UNDER_KEY_CAP}"
        ))
        .bind(&key_values(key, None))?;
    let results = db
        .batch(vec![insert, minted_activity(db, key.id, meta)?])
        .await?;
    Ok(changes(results.first())? == 1)
}

/// The activity entry of a minted key, written only if the key was inserted (a refused
/// mint leaves no entry). It takes the key's owner and creation time from the key's row.
fn minted_activity(
    db: &D1Database,
    key_id: &KeyId,
    meta: &ClientMeta,
) -> Result<D1PreparedStatement> {
    let [ip, country, user_agent] = meta_values(meta);
    db.prepare(format!(
        "{INSERT_ACTIVITY} SELECT {NEW_ACTIVITY_ID}, user_id, '{}', id, NULL, ?2, ?3, ?4, \
         created_at FROM api_keys WHERE id = ?1",
        ActivityKind::KeyMinted.as_str()
    ))
    .bind(&[text(key_id.as_str()), ip, country, user_agent])
}

/// True while the user (`?2`) has fewer active keys than the cap (`?10`).
const UNDER_KEY_CAP: &str =
    "(SELECT count(*) FROM api_keys WHERE user_id = ?2 AND revoked_at IS NULL) < ?10";

/// The ten parameters of an inserted key: the eight columns, the code it was minted from
/// (`?9`, or NULL), and the cap on active keys (`?10`).
fn key_values(key: &NewKey<'_>, code_hash: Option<&CodeHash>) -> [JsValue; 10] {
    [
        text(key.id.as_str()),
        text(key.user_id.as_str()),
        text(key.hash.as_str()),
        text(key.last4),
        optional_text(key.label.map(Label::as_str)),
        text(key.source.column()),
        optional_text(key.source.client_id()),
        millis(key.now),
        optional_text(code_hash.map(CodeHash::as_str)),
        JsValue::from_f64(MAX_ACTIVE_KEYS_PER_USER as f64),
    ]
}

/// The keys a `SELECT {KEY_COLUMNS}` statement finds, in its order.
async fn key_records(statement: D1PreparedStatement) -> Result<Vec<KeyRecord>> {
    let rows: Vec<KeyRow> = statement.all().await?.results()?;
    Ok(rows.into_iter().map(KeyRecord::from).collect())
}

/// A user's keys, newest first, filtered as `query` asks: every one, or (when the query
/// pages) one page and the cursor of the next when there is one. A keyset on
/// `api_keys_by_user (user_id, created_at DESC)`: each page costs the same however deep it is.
pub async fn list_keys(
    db: &D1Database,
    user_id: &UserId,
    query: &KeyQuery,
) -> Result<(Vec<KeyRecord>, Option<Cursor>)> {
    let mut sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ?1");
    let mut values = vec![text(user_id.as_str())];
    sql.push_str(match query.status {
        None => "",
        Some(StatusFilter::Active) => " AND revoked_at IS NULL",
        Some(StatusFilter::Revoked) => " AND revoked_at IS NOT NULL",
    });
    // The same rule as `Source::from_columns`: an OAuth row without its client is Unknown.
    sql.push_str(match query.source {
        None => "",
        Some(SourceFilter::Portal) => " AND source = 'portal'",
        Some(SourceFilter::OAuth) => " AND source = 'oauth' AND oauth_client_id IS NOT NULL",
        Some(SourceFilter::Unknown) => {
            " AND (source IS NULL OR source = 'unknown' \
               OR (source = 'oauth' AND oauth_client_id IS NULL))"
        }
    });
    if let Some(search) = &query.search {
        // Literal text, case-insensitive for ASCII as LIKE would be (see `SearchTerm`).
        values.push(text(search.as_str()));
        let n = values.len();
        sql.push_str(&format!(
            " AND (instr(lower(label), lower(?{n})) > 0 OR instr(lower(last4), lower(?{n})) > 0)"
        ));
    }
    if let Some(after) = &query.after {
        values.push(millis(after.created_at));
        values.push(text(&after.id));
        let (at, id) = (values.len() - 1, values.len());
        // `<=` first, so that the index serves the range; the `OR` then drops the ties
        // already shown.
        sql.push_str(&format!(
            " AND created_at <= ?{at} AND (created_at < ?{at} OR id < ?{id})"
        ));
    }
    sql.push_str(&format!(" {KEY_ORDER}"));
    if let Some(page_size) = query.page_size {
        values.push(count(page_size + 1));
        sql.push_str(&format!(" LIMIT ?{}", values.len()));
    }
    let records = key_records(db.prepare(sql).bind(&values)?).await?;
    Ok(match query.page_size {
        None => (records, None),
        Some(page_size) => listing::split_page(records, page_size, |key: &KeyRecord| Cursor {
            created_at: key.created_at,
            id: key.id.as_str().to_owned(),
        }),
    })
}

/// A revocation as it is recorded: why, the detail (a leak's URL), and where the request
/// that caused it came from.
pub struct Revocation<'a> {
    pub reason: RevocationReason,
    pub detail: Option<&'a str>,
    pub meta: &'a ClientMeta,
    pub now: i64,
}

/// The two statements of every revocation, to run in one batch, in this order: the
/// activity entry of each key that `target` selects and that is still active, then the
/// update. A key that is already revoked keeps its first time, reason and detail, and gets
/// no second entry. `target` is a condition on `api_keys` over `values` (`?1`…`?n`);
/// `returning` is appended to the update.
pub fn revocation_statements(
    db: &D1Database,
    target: &str,
    values: &[JsValue],
    revocation: &Revocation<'_>,
    returning: &str,
) -> Result<[D1PreparedStatement; 2]> {
    let n = values.len();
    let mut detail = serde_json::json!({ "reason": revocation.reason.column() });
    if let Some(url) = revocation.detail {
        detail["url"] = url.into();
    }
    let mut activity_values = values.to_vec();
    activity_values.push(millis(revocation.now));
    activity_values.push(text(&detail.to_string()));
    activity_values.extend(meta_values(revocation.meta));
    let activity = db
        .prepare(format!(
            "{INSERT_ACTIVITY} SELECT {NEW_ACTIVITY_ID}, user_id, '{kind}', id, ?{detail}, \
             ?{ip}, ?{country}, ?{user_agent}, ?{now} FROM api_keys \
             WHERE ({target}) AND revoked_at IS NULL",
            kind = ActivityKind::KeyRevoked.as_str(),
            now = n + 1,
            detail = n + 2,
            ip = n + 3,
            country = n + 4,
            user_agent = n + 5,
        ))
        .bind(&activity_values)?;
    let mut update_values = values.to_vec();
    update_values.push(millis(revocation.now));
    update_values.push(text(revocation.reason.column()));
    update_values.push(optional_text(revocation.detail));
    let update = db
        .prepare(format!(
            "UPDATE api_keys SET \
               revoked_reason = CASE WHEN revoked_at IS NULL THEN ?{reason} ELSE revoked_reason END, \
               revoked_detail = CASE WHEN revoked_at IS NULL THEN ?{detail} ELSE revoked_detail END, \
               revoked_at = COALESCE(revoked_at, ?{now}) \
             WHERE {target} {returning}",
            now = n + 1,
            reason = n + 2,
            detail = n + 3,
        ))
        .bind(&update_values)?;
    Ok([activity, update])
}

/// Revokes one of the user's keys; a key that is already revoked keeps its first
/// revocation time and reason. `None` when the user owns no key with that id.
pub async fn revoke_key(
    db: &D1Database,
    user_id: &UserId,
    key_id: &KeyId,
    meta: &ClientMeta,
    now: i64,
) -> Result<Option<KeyRecord>> {
    let statements = revocation_statements(
        db,
        "id = ?1 AND user_id = ?2",
        &[text(key_id.as_str()), text(user_id.as_str())],
        &Revocation {
            reason: RevocationReason::User,
            detail: None,
            meta,
            now,
        },
        &format!("RETURNING {KEY_COLUMNS}"),
    )?;
    let results = db.batch(statements.into()).await?;
    let rows: Vec<KeyRow> = match results.get(1) {
        Some(result) => result.results()?,
        None => Vec::new(),
    };
    Ok(rows.into_iter().next().map(KeyRecord::from))
}

/// The bearer lookup, its columns listed once: the query's `SELECT` list and the reading
/// of each value, by position, into its field and Rust type both come from this list, so
/// the two cannot disagree about where a column is.
macro_rules! bearer_lookup {
    (
        select { $first:ident: $first_type:ty = $first_sql:literal, $($field:ident: $type:ty = $sql:literal,)* }
        from $from:literal
    ) => {
        const BEARER_LOOKUP: &str = concat!(
            "SELECT ", $first_sql, $(", ", $sql,)* " FROM ", $from
        );

        struct BearerRow {
            $first: $first_type,
            $($field: $type,)*
        }

        impl BearerRow {
            /// A row as `raw()` hands it over: an array of the selected columns, in order.
            fn read(row: &Array) -> Result<Self> {
                let expected = [stringify!($first), $(stringify!($field),)*].len();
                if row.length() as usize != expected {
                    return Err(worker::Error::RustError(format!(
                        "bearer row: {} columns, not {expected}",
                        row.length()
                    )));
                }
                let mut values = row.iter();
                Ok(Self {
                    $first: Column::read(stringify!($first), values.next())?,
                    $($field: Column::read(stringify!($field), values.next())?,)*
                })
            }
        }
    };
}

bearer_lookup! {
    select {
        id: String = "k.id",
        label: Option<String> = "k.label",
        last4: String = "k.last4",
        source: Option<String> = "k.source",
        oauth_client_id: Option<String> = "k.oauth_client_id",
        created_at: i64 = "k.created_at",
        last_used_at: Option<i64> = "k.last_used_at",
        user_id: String = "u.id",
        email: String = "u.email",
        role: String = "u.role",
    }
    from "api_keys k JOIN users u ON u.id = k.user_id \
          WHERE k.key_hash = ?1 AND k.revoked_at IS NULL"
}

/// A column's value read from a D1 row without serde: a value that is missing or of
/// another type is an error, never a default.
trait Column: Sized {
    fn read(name: &str, value: Option<JsValue>) -> Result<Self>;
}

fn column_error(name: &str, expected: &str) -> worker::Error {
    worker::Error::RustError(format!("bearer row: `{name}` is not {expected}"))
}

impl Column for String {
    fn read(name: &str, value: Option<JsValue>) -> Result<Self> {
        value
            .and_then(|value| value.as_string())
            .ok_or_else(|| column_error(name, "text"))
    }
}

impl Column for i64 {
    fn read(name: &str, value: Option<JsValue>) -> Result<Self> {
        value
            .and_then(|value| value.as_f64())
            .and_then(crate::time::exact_integer)
            .ok_or_else(|| column_error(name, "an integer"))
    }
}

/// SQL `NULL` is `None`; a missing value is not.
impl<T: Column> Column for Option<T> {
    fn read(name: &str, value: Option<JsValue>) -> Result<Self> {
        match value {
            Some(value) if value.is_null() => Ok(None),
            value => T::read(name, value).map(Some),
        }
    }
}

/// The hot path of `/mcp`: the active key with this hash and its owner's current role, in
/// one query. No cache: a key revoked a moment ago is not found here. The row is read from
/// `raw()`'s arrays by [`BearerRow::read`], without `serde_wasm_bindgen` and without D1
/// turning the row into an object first.
pub async fn find_active_key_by_hash(
    db: &D1Database,
    hash: &KeyHash,
) -> Result<Option<(User, KeyRecord)>> {
    let rows = db
        .prepare(BEARER_LOOKUP)
        .bind(&[text(hash.as_str())])?
        .raw_js_value()
        .await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let row = BearerRow::read(&row.dyn_into()?)?;
    let user = stored_user(row.user_id, row.email, &row.role)?;
    let key = KeyRecord {
        source: Source::from_columns(row.source.as_deref(), row.oauth_client_id),
        id: KeyId::from_stored(row.id),
        label: row.label,
        last4: row.last4,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        // Not read on the hot path: only the update after the response writes them.
        last_used_from: ClientMeta::default(),
        revoked_at: None,
        revoked_reason: None,
        revoked_detail: None,
    };
    Ok(Some((user, key)))
}

/// Records a use of a key and where it came from, at most once per
/// `LAST_USED_RESOLUTION_MS`. Returned as a statement so the caller can run it after the
/// response has gone out.
pub fn touch_key(
    db: &D1Database,
    key_id: &KeyId,
    meta: &ClientMeta,
    now: i64,
) -> Result<D1PreparedStatement> {
    let [ip, country, user_agent] = meta_values(meta);
    db.prepare(
        "UPDATE api_keys SET last_used_at = ?2, last_used_ip = ?4, last_used_country = ?5, \
           last_used_user_agent = ?6 \
         WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
    )
    .bind(&[
        text(key_id.as_str()),
        millis(now),
        millis(now - LAST_USED_RESOLUTION_MS),
        ip,
        country,
        user_agent,
    ])
}

// ---- OAuth clients and codes ----------------------------------------------------------

pub struct NewClient<'a> {
    pub id: &'a str,
    pub client_name: &'a str,
    pub redirect_uris: &'a [&'a str],
    pub token_endpoint_auth_method: &'a str,
    pub client_secret_hash: Option<&'a ClientSecretHash>,
    pub client_uri: Option<&'a str>,
    pub now: i64,
}

/// The metadata column: what the consent page may show besides the name. The redirect
/// URIs have their own column and are stored once.
fn client_metadata(client_uri: Option<&str>) -> String {
    serde_json::json!({ "client_uri": client_uri }).to_string()
}

pub async fn insert_client(db: &D1Database, client: &NewClient<'_>) -> Result<()> {
    db.prepare(
        "INSERT INTO oauth_clients (id, client_name, redirect_uris, token_endpoint_auth_method, \
         client_secret_hash, metadata, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&[
        text(client.id),
        text(client.client_name),
        text(&serde_json::to_string(client.redirect_uris)?),
        text(client.token_endpoint_auth_method),
        optional_text(client.client_secret_hash.map(ClientSecretHash::as_str)),
        text(&client_metadata(client.client_uri)),
        millis(client.now),
    ])?
    .run()
    .await?;
    Ok(())
}

/// A client known by its metadata document, as fetched and checked just now.
pub struct FetchedClient<'a> {
    pub id: &'a ClientId,
    pub url: &'a str,
    pub client_name: &'a str,
    pub redirect_uris: &'a [&'a str],
    pub client_uri: Option<&'a str>,
    pub now: i64,
    pub expires_at: i64,
}

/// Stores (or refreshes) the cached copy of a metadata document under its derived id.
pub async fn upsert_document_client(db: &D1Database, client: &FetchedClient<'_>) -> Result<()> {
    db.prepare(
        "INSERT INTO oauth_clients (id, client_name, redirect_uris, token_endpoint_auth_method, \
         metadata, created_at, metadata_url, metadata_expires_at) \
         VALUES (?1, ?2, ?3, 'none', ?4, ?5, ?6, ?7) \
         ON CONFLICT (id) DO UPDATE SET client_name = ?2, redirect_uris = ?3, metadata = ?4, \
           metadata_url = ?6, metadata_expires_at = ?7",
    )
    .bind(&[
        text(client.id.as_str()),
        text(client.client_name),
        text(&serde_json::to_string(client.redirect_uris)?),
        text(&client_metadata(client.client_uri)),
        millis(client.now),
        text(client.url),
        millis(client.expires_at),
    ])?
    .run()
    .await?;
    Ok(())
}

/// An OAuth client as the authorization and token endpoints need it.
pub struct OAuthClient {
    pub id: ClientId,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    pub client_secret_hash: Option<String>,
    pub client_uri: Option<String>,
    /// For a client known by its metadata document: the document's URL, and until when
    /// this copy of it may be used.
    pub document: Option<CachedDocument>,
}

pub struct CachedDocument {
    pub url: String,
    pub expires_at: i64,
}

#[derive(Deserialize)]
struct ClientRow {
    id: String,
    client_name: String,
    redirect_uris: String,
    token_endpoint_auth_method: String,
    client_secret_hash: Option<String>,
    metadata: String,
    metadata_url: Option<String>,
    metadata_expires_at: Option<i64>,
}

pub async fn find_client(db: &D1Database, client_id: &ClientId) -> Result<Option<OAuthClient>> {
    let row: Option<ClientRow> = db
        .prepare(
            "SELECT id, client_name, redirect_uris, token_endpoint_auth_method, client_secret_hash, \
             metadata, metadata_url, metadata_expires_at FROM oauth_clients WHERE id = ?1",
        )
        .bind(&[text(client_id.as_str())])?
        .first(None)
        .await?;
    row.map(|row| {
        let corrupt =
            |what: &str| worker::Error::RustError(format!("client {} has {what}", row.id));
        let metadata: serde_json::Value = serde_json::from_str(&row.metadata)?;
        Ok(OAuthClient {
            id: ClientId::parse(&row.id).ok_or_else(|| corrupt("a malformed id"))?,
            redirect_uris: serde_json::from_str(&row.redirect_uris)?,
            client_uri: metadata["client_uri"].as_str().map(str::to_owned),
            token_endpoint_auth_method: TokenEndpointAuthMethod::parse(
                &row.token_endpoint_auth_method,
            )
            .ok_or_else(|| corrupt("an unknown auth method"))?,
            client_name: row.client_name,
            client_secret_hash: row.client_secret_hash,
            document: row.metadata_url.map(|url| CachedDocument {
                url,
                expires_at: row.metadata_expires_at.unwrap_or(0),
            }),
        })
    })
    .transpose()
}

pub struct NewCode<'a> {
    pub code_hash: &'a CodeHash,
    pub client_id: &'a str,
    pub user_id: &'a UserId,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub scope: &'a str,
    pub resource: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// Stores an approved code, notes that its client is in use (the cleanup keeps clients used
/// within 90 days), and records the consent (`approved`, an activity entry).
pub async fn insert_code(
    db: &D1Database,
    code: &NewCode<'_>,
    approved: &NewActivity<'_>,
) -> Result<()> {
    let insert = db
        .prepare(
            "INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, \
             scope, resource, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .bind(&[
            text(code.code_hash.as_str()),
            text(code.client_id),
            text(code.user_id.as_str()),
            text(code.redirect_uri),
            text(code.code_challenge),
            text(code.scope),
            text(code.resource),
            millis(code.now),
            millis(code.expires_at),
        ])?;
    let used = db
        .prepare("UPDATE oauth_clients SET last_used_at = ?2 WHERE id = ?1")
        .bind(&[text(code.client_id), millis(code.now)])?;
    db.batch(vec![insert, used, activity_statement(db, approved)?])
        .await?;
    Ok(())
}

/// How many active keys a user has.
pub async fn count_active_keys(db: &D1Database, user_id: &UserId) -> Result<i64> {
    // The one column read as a number: no row type (each costs the bundle its deserializer).
    let count: Option<i64> = db
        .prepare("SELECT count(*) AS n FROM api_keys WHERE user_id = ?1 AND revoked_at IS NULL")
        .bind(&[text(user_id.as_str())])?
        .first(Some("n"))
        .await?;
    Ok(count.unwrap_or(0))
}

/// A code as the token endpoint finds it: what it is bound to and whom it was issued for.
pub struct FoundCode {
    pub user_id: UserId,
    pub code: StoredCode,
}

/// The code with this hash, if it was issued to this client. A code presented by any
/// other client is not found: nothing about it changes.
pub async fn find_code(
    db: &D1Database,
    code_hash: &CodeHash,
    client_id: &ClientId,
) -> Result<Option<FoundCode>> {
    let row: Option<CodeRow> = db
        .prepare(
            "SELECT user_id, redirect_uri, code_challenge, scope, resource, expires_at \
             FROM oauth_codes WHERE code_hash = ?1 AND client_id = ?2",
        )
        .bind(&[text(code_hash.as_str()), text(client_id.as_str())])?
        .first(None)
        .await?;
    Ok(row.map(|row| FoundCode {
        user_id: UserId::from_stored(row.user_id),
        code: StoredCode {
            client_id: client_id.clone(),
            redirect_uri: row.redirect_uri,
            code_challenge: CodeChallenge::from_stored(row.code_challenge),
            scope: row.scope,
            resource: row.resource,
            expires_at_ms: row.expires_at,
        },
    }))
}

#[derive(Deserialize)]
struct CodeRow {
    user_id: String,
    redirect_uri: String,
    code_challenge: String,
    scope: String,
    resource: String,
    expires_at: i64,
}

/// How often a code has been exchanged, counted by the same statement that reads it.
pub struct ExchangeCount {
    /// 1 on the first exchange; more means the code was replayed.
    pub exchanges: i64,
    /// The key the first exchange minted, once it has.
    pub key_id: Option<KeyId>,
}

#[derive(Deserialize)]
struct ExchangeRow {
    exchanges: i64,
    key_id: Option<String>,
}

/// Counts one exchange of a code in one atomic statement, so two concurrent exchanges of
/// one code cannot both see it unused.
pub async fn count_exchange(
    db: &D1Database,
    code_hash: &CodeHash,
    client_id: &ClientId,
) -> Result<Option<ExchangeCount>> {
    let row: Option<ExchangeRow> = db
        .prepare(
            "UPDATE oauth_codes SET exchanges = exchanges + 1 \
             WHERE code_hash = ?1 AND client_id = ?2 RETURNING exchanges, key_id",
        )
        .bind(&[text(code_hash.as_str()), text(client_id.as_str())])?
        .first(None)
        .await?;
    Ok(row.map(|row| ExchangeCount {
        exchanges: row.exchanges,
        key_id: row.key_id.map(KeyId::from_stored),
    }))
}

/// Mints the key for a code exchange in one transaction, and only while the code has been
/// exchanged exactly once (a replay counted between the exchange and this batch leaves
/// nothing minted): the client's earlier keys for this user are revoked (one key per
/// connected app), the new key is inserted (within the cap on active keys), and the code
/// records which key it minted; each revocation and the mint are activity entries.
/// `false` when nothing was minted.
pub async fn insert_key_for_code(
    db: &D1Database,
    key: &NewKey<'_>,
    code_hash: &CodeHash,
    meta: &ClientMeta,
) -> Result<bool> {
    const ONCE: &str = "EXISTS (SELECT 1 FROM oauth_codes WHERE code_hash = ?9 AND exchanges = 1)";
    let [replaced_activity, replace] = revocation_statements(
        db,
        "user_id = ?1 AND oauth_client_id = ?2 AND source = 'oauth' AND revoked_at IS NULL \
         AND EXISTS (SELECT 1 FROM oauth_codes WHERE code_hash = ?3 AND exchanges = 1)",
        &[
            text(key.user_id.as_str()),
            optional_text(key.source.client_id()),
            text(code_hash.as_str()),
        ],
        &Revocation {
            reason: RevocationReason::Replaced,
            detail: None,
            meta,
            now: key.now,
        },
        "",
    )?;
    let insert = db
        .prepare(format!(
            "INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, oauth_client_id, \
             created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE {ONCE} AND {UNDER_KEY_CAP}"
        ))
        .bind(&key_values(key, Some(code_hash)))?;
    let link = db
        .prepare("UPDATE oauth_codes SET key_id = ?2 WHERE code_hash = ?1 AND exchanges = 1")
        .bind(&[text(code_hash.as_str()), text(key.id.as_str())])?;
    let results = db
        .batch(vec![
            replaced_activity,
            replace,
            insert,
            minted_activity(db, key.id, meta)?,
            link,
        ])
        .await?;
    Ok(changes(results.get(2))? == 1)
}

/// Revokes a key by id whoever owns it: the reaction to a replayed authorization code.
pub async fn revoke_key_by_id(
    db: &D1Database,
    key_id: &KeyId,
    revocation: &Revocation<'_>,
) -> Result<()> {
    let statements =
        revocation_statements(db, "id = ?1", &[text(key_id.as_str())], revocation, "")?;
    db.batch(statements.into()).await?;
    Ok(())
}

/// A leak report: for each reported hash that is one of our keys, a `leak_reported` entry
/// with where it was found, then the revocation of the key if it is still active (reason
/// `leaked`, the URL as its detail), all in one transaction. For each hash, whether it is
/// one of our keys at all (active or already revoked). The report came from GitHub, not
/// from anyone the user knows, so the entries carry no address.
pub async fn report_leaks(
    db: &D1Database,
    found: &[(KeyHash, Option<&str>)],
    now: i64,
) -> Result<Vec<bool>> {
    const STATEMENTS_PER_KEY: usize = 3;
    let reporter = ClientMeta::default();
    let mut statements = Vec::with_capacity(found.len() * STATEMENTS_PER_KEY);
    for (hash, url) in found {
        let detail = serde_json::json!({ "url": url }).to_string();
        let reported = db
            .prepare(format!(
                "{INSERT_ACTIVITY} SELECT {NEW_ACTIVITY_ID}, user_id, '{kind}', id, ?2, \
                 NULL, NULL, NULL, ?3 FROM api_keys WHERE key_hash = ?1",
                kind = ActivityKind::LeakReported.as_str(),
            ))
            .bind(&[text(hash.as_str()), text(&detail), millis(now)])?;
        let [revoked, update] = revocation_statements(
            db,
            "key_hash = ?1",
            &[text(hash.as_str())],
            &Revocation {
                reason: RevocationReason::Leaked,
                detail: *url,
                meta: &reporter,
                now,
            },
            "RETURNING id",
        )?;
        statements.extend([reported, revoked, update]);
    }
    if statements.is_empty() {
        return Ok(Vec::new());
    }
    db.batch(statements)
        .await?
        .iter()
        .skip(STATEMENTS_PER_KEY - 1)
        .step_by(STATEMENTS_PER_KEY)
        .map(|result| Ok(!result.results::<serde_json::Value>()?.is_empty()))
        .collect()
}

/// RFC 7009: revokes the key with this hash if it was issued to this OAuth client.
pub async fn revoke_client_key_by_hash(
    db: &D1Database,
    hash: &KeyHash,
    client_id: &ClientId,
    meta: &ClientMeta,
    now: i64,
) -> Result<()> {
    let statements = revocation_statements(
        db,
        "key_hash = ?1 AND source = 'oauth' AND oauth_client_id = ?2",
        &[text(hash.as_str()), text(client_id.as_str())],
        &Revocation {
            reason: RevocationReason::Client,
            detail: None,
            meta,
            now,
        },
        "",
    )?;
    db.batch(statements.into()).await?;
    Ok(())
}

// ---- activity and the notice of automatic revocations ----------------------------------

/// The columns every activity insert fills, in this order.
const INSERT_ACTIVITY: &str = "INSERT INTO activity \
     (id, user_id, kind, key_id, detail, ip, country, user_agent, created_at)";
/// A new entry's id, made in SQL so that one statement can insert several entries.
const NEW_ACTIVITY_ID: &str = "'act_' || lower(hex(randomblob(16)))";

/// An event to record as it is.
pub struct NewActivity<'a> {
    pub user_id: &'a UserId,
    pub kind: ActivityKind,
    pub key_id: Option<&'a str>,
    /// A JSON object: what the page needs to describe the event.
    pub detail: Option<&'a serde_json::Value>,
    pub meta: &'a ClientMeta,
    pub now: i64,
}

/// The statement that records `entry`, to run alone or in the batch of the change it records.
pub fn activity_statement(db: &D1Database, entry: &NewActivity<'_>) -> Result<D1PreparedStatement> {
    let [ip, country, user_agent] = meta_values(entry.meta);
    let detail = entry.detail.map(serde_json::Value::to_string);
    db.prepare(format!(
        "{INSERT_ACTIVITY} VALUES ({NEW_ACTIVITY_ID}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))
    .bind(&[
        text(entry.user_id.as_str()),
        text(entry.kind.as_str()),
        optional_text(entry.key_id),
        optional_text(detail.as_deref()),
        ip,
        country,
        user_agent,
        millis(entry.now),
    ])
}

/// One page of a user's activity, newest first, as `GET /api/activity` shows it, and the
/// cursor of the next page. D1 writes each entry's JSON itself (`json_object`, the time as
/// RFC 3339 UTC like every time in the API) and the Worker passes it on: no row type,
/// deserializer or serializer of its own, which keeps the activity log small in the bundle.
/// The key an entry is about comes with its last 4 and label, as the key list shows them.
pub async fn list_activity(
    db: &D1Database,
    user_id: &UserId,
    after: Option<&Cursor>,
) -> Result<(Vec<serde_json::Value>, Option<Cursor>)> {
    let (after_at, after_id) = after.map_or((JsValue::NULL, JsValue::NULL), |cursor| {
        (millis(cursor.created_at), text(&cursor.id))
    });
    let rows = db
        .prepare(
            "SELECT json_object( \
               'id', a.id, \
               'kind', a.kind, \
               'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', a.created_at / 1000, 'unixepoch'), \
               'ip', a.ip, \
               'country', a.country, \
               'user_agent', a.user_agent, \
               'key', CASE WHEN k.id IS NULL THEN NULL \
                 ELSE json_object('id', k.id, 'last4', k.last4, 'label', k.label) END, \
               'detail', json(COALESCE(a.detail, '{}')) \
             ), a.created_at || '.' || a.id \
             FROM activity a \
             LEFT JOIN api_keys k ON k.id = a.key_id AND k.user_id = a.user_id \
             WHERE a.user_id = ?1 AND (?2 IS NULL \
               OR (a.created_at <= ?2 AND (a.created_at < ?2 OR a.id < ?3))) \
             ORDER BY a.created_at DESC, a.id DESC LIMIT ?4",
        )
        .bind(&[
            text(user_id.as_str()),
            after_at,
            after_id,
            count(activity::PAGE_SIZE + 1),
        ])?
        .raw_js_value()
        .await?;
    let corrupt = || worker::Error::RustError("an activity row D1 could not describe".into());
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let row = Array::from(&row);
        let entry: serde_json::Value =
            serde_json::from_str(&row.get(0).as_string().ok_or_else(corrupt)?)?;
        let cursor = row
            .get(1)
            .as_string()
            .and_then(|cursor| Cursor::decode(&cursor, "act_"))
            .ok_or_else(corrupt)?;
        entries.push((entry, cursor));
    }
    let (page, next) =
        listing::split_page(entries, activity::PAGE_SIZE, |(_, cursor)| cursor.clone());
    Ok((page.into_iter().map(|(entry, _)| entry).collect(), next))
}

/// The most keys the notice of automatic revocations lists (and one dismissal names).
pub const MAX_NOTICE_KEYS: usize = 100;

/// The user's keys revoked automatically (any reason but `user`) whose notice they have not
/// dismissed, most recently revoked first.
pub async fn unseen_automatic_revocations(
    db: &D1Database,
    user_id: &UserId,
) -> Result<Vec<KeyRecord>> {
    key_records(
        db.prepare(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ?1 \
             AND revoked_reason <> 'user' AND revocation_seen_at IS NULL \
             ORDER BY revoked_at DESC LIMIT ?2"
        ))
        .bind(&[text(user_id.as_str()), count(MAX_NOTICE_KEYS)])?,
    )
    .await
}

/// Marks the notices of these of the user's keys as seen; the ids of other users' keys and
/// of keys not revoked automatically change nothing. How many notices were dismissed.
pub async fn dismiss_revocation_notices(
    db: &D1Database,
    user_id: &UserId,
    key_ids: &[KeyId],
    now: i64,
) -> Result<usize> {
    let ids: Vec<&str> = key_ids.iter().map(KeyId::as_str).collect();
    let result = db
        .prepare(
            "UPDATE api_keys SET revocation_seen_at = ?2 WHERE user_id = ?1 \
             AND revoked_reason <> 'user' AND revocation_seen_at IS NULL \
             AND id IN (SELECT value FROM json_each(?3))",
        )
        .bind(&[
            text(user_id.as_str()),
            millis(now),
            text(&serde_json::to_string(&ids)?),
        ])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|meta| meta.changes).unwrap_or(0))
}

// ---- scheduled cleanup ------------------------------------------------------------------

/// Codes are kept a day past their expiry, to recognise replays.
pub const CODE_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;
/// Registered clients with no active key are forgotten after this long without use.
pub const UNUSED_CLIENT_RETENTION_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// What the scheduled cleanup removes, in one transaction: codes expired a day ago,
/// expired sessions, rate-limit counters past their windows, OAuth clients (registered
/// or known by a document) with no active key and no use for 90 days, and every client
/// address older than 90 days: activity entries, sign-in addresses, and where a key was
/// last used from.
pub async fn clean_up(db: &D1Database, now: i64) -> Result<()> {
    let addresses_before = millis(now - activity::RETENTION_MS);
    let statements = vec![
        db.prepare("DELETE FROM oauth_codes WHERE expires_at < ?1")
            .bind(&[millis(now - CODE_RETENTION_MS)])?,
        db.prepare("DELETE FROM sessions WHERE expires_at <= ?1")
            .bind(&[millis(now)])?,
        db.prepare("DELETE FROM rate_limits WHERE window_started_at < ?1")
            .bind(&[millis(now - crate::throttle::COUNTER_RETENTION_MS)])?,
        db.prepare(
            "DELETE FROM oauth_clients WHERE COALESCE(last_used_at, created_at) < ?1 \
             AND NOT EXISTS (SELECT 1 FROM api_keys k \
               WHERE k.oauth_client_id = oauth_clients.id AND k.revoked_at IS NULL)",
        )
        .bind(&[millis(now - UNUSED_CLIENT_RETENTION_MS)])?,
        db.prepare("DELETE FROM activity WHERE created_at < ?1")
            .bind(std::slice::from_ref(&addresses_before))?,
        db.prepare("DELETE FROM sign_in_addresses WHERE last_seen_at < ?1")
            .bind(std::slice::from_ref(&addresses_before))?,
        // A scan of api_keys, hourly: an index on last_used_at would cost a write on every
        // use of a key instead.
        db.prepare(
            "UPDATE api_keys SET last_used_ip = NULL, last_used_country = NULL, \
               last_used_user_agent = NULL WHERE last_used_at < ?1 \
             AND (last_used_ip IS NOT NULL OR last_used_country IS NOT NULL \
               OR last_used_user_agent IS NOT NULL)",
        )
        .bind(std::slice::from_ref(&addresses_before))?,
    ];
    db.batch(statements).await?;
    Ok(())
}
