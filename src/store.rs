//! Every SQL statement lives here: bound parameters only, rows in, domain types out.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::accounts::{Email, Role, User};
use crate::keys::{KeyHash, KeyId, KeyRecord, Label, RevocationReason, Source};
use crate::oauth::registration::{ClientId, TokenEndpointAuthMethod};

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

#[derive(Deserialize)]
struct UserRow {
    id: String,
    email: String,
    role: String,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        let role = Role::parse(&self.role).ok_or_else(|| {
            worker::Error::RustError(format!("unknown role in users row {}", self.id))
        })?;
        Ok(User {
            id: self.id,
            email: self.email,
            role,
        })
    }
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
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
}

impl From<KeyRow> for KeyRecord {
    fn from(row: KeyRow) -> Self {
        KeyRecord {
            source: Source::from_columns(row.source.as_deref(), row.oauth_client_id),
            id: row.id,
            label: row.label,
            last4: row.last4,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
            revoked_reason: row
                .revoked_reason
                .as_deref()
                .and_then(RevocationReason::parse),
        }
    }
}

const KEY_COLUMNS: &str = "id, label, last4, source, oauth_client_id, created_at, last_used_at, \
     revoked_at, revoked_reason";

// ---- users and sessions -------------------------------------------------------------

/// Inserts a user; `false` when the email is already registered (in any letter case).
pub async fn create_user(
    db: &D1Database,
    user_id: &str,
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
            text(user_id),
            text(email.as_str()),
            text(password_hash),
            millis(now),
        ])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|meta| meta.changes).unwrap_or(0) == 1)
}

#[derive(Deserialize)]
struct LoginRow {
    id: String,
    email: String,
    role: String,
    password_hash: String,
}

/// The user with this email and their stored password hash.
pub async fn find_login(db: &D1Database, email: &Email) -> Result<Option<(User, String)>> {
    let row: Option<LoginRow> = db
        .prepare("SELECT id, email, role, password_hash FROM users WHERE email = ?1")
        .bind(&[text(email.as_str())])?
        .first(None)
        .await?;
    row.map(|row| {
        let user = UserRow {
            id: row.id,
            email: row.email,
            role: row.role,
        }
        .into_user()?;
        Ok((user, row.password_hash))
    })
    .transpose()
}

/// Starts a session, and ends the user's oldest ones beyond [`MAX_SESSIONS_PER_USER`] in the
/// same transaction, so signing in again and again cannot grow the table.
pub async fn create_session(
    db: &D1Database,
    token_hash: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    let insert = db
        .prepare(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(&[text(token_hash), text(user_id), millis(now), millis(expires_at)])?;
    let trim = db
        .prepare(
            "DELETE FROM sessions WHERE user_id = ?1 AND token_hash NOT IN \
             (SELECT token_hash FROM sessions WHERE user_id = ?1 \
              ORDER BY created_at DESC, rowid DESC LIMIT ?2)",
        )
        .bind(&[
            text(user_id),
            JsValue::from_f64(MAX_SESSIONS_PER_USER as f64),
        ])?;
    db.batch(vec![insert, trim]).await?;
    Ok(())
}

/// The signed-in user of an unexpired session, with their current role.
pub async fn find_session_user(
    db: &D1Database,
    token_hash: &str,
    now: i64,
) -> Result<Option<User>> {
    let row: Option<UserRow> = db
        .prepare(
            "SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
        )
        .bind(&[text(token_hash), millis(now)])?
        .first(None)
        .await?;
    row.map(UserRow::into_user).transpose()
}

pub async fn delete_session(db: &D1Database, token_hash: &str) -> Result<()> {
    db.prepare("DELETE FROM sessions WHERE token_hash = ?1")
        .bind(&[text(token_hash)])?
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
    pub id: &'a str,
    pub user_id: &'a str,
    pub hash: &'a KeyHash,
    pub last4: &'a str,
    pub label: Option<&'a Label>,
    pub source: &'a Source,
    pub now: i64,
}

/// Inserts a key unless the user already has [`MAX_ACTIVE_KEYS_PER_USER`] active ones, in one
/// statement so concurrent mints cannot pass the cap together. `false` when refused.
pub async fn insert_key(db: &D1Database, key: &NewKey<'_>) -> Result<bool> {
    let result = db
        .prepare(format!(
            "INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, oauth_client_id, \
             created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE {UNDER_KEY_CAP}"
        ))
        .bind(&key_values(key, None))?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|meta| meta.changes).unwrap_or(0) == 1)
}

/// True while the user (`?2`) has fewer active keys than the cap (`?10`).
const UNDER_KEY_CAP: &str =
    "(SELECT count(*) FROM api_keys WHERE user_id = ?2 AND revoked_at IS NULL) < ?10";

/// The ten parameters of an inserted key: the eight columns, the code it was minted from
/// (`?9`, or NULL), and the cap on active keys (`?10`).
fn key_values(key: &NewKey<'_>, code_hash: Option<&str>) -> [JsValue; 10] {
    [
        text(key.id),
        text(key.user_id),
        text(key.hash.as_str()),
        text(key.last4),
        optional_text(key.label.map(Label::as_str)),
        text(key.source.column()),
        optional_text(key.source.client_id()),
        millis(key.now),
        optional_text(code_hash),
        JsValue::from_f64(MAX_ACTIVE_KEYS_PER_USER as f64),
    ]
}

/// Every key of a user, active and revoked, newest first.
pub async fn list_keys(db: &D1Database, user_id: &str) -> Result<Vec<KeyRecord>> {
    let rows: Vec<KeyRow> = db
        .prepare(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ?1 \
             ORDER BY created_at DESC, rowid DESC"
        ))
        .bind(&[text(user_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(KeyRecord::from).collect())
}

/// The `SET` clause of every revocation: `?3` is the time, `?4` the reason, and a key that
/// is already revoked keeps its first time and reason.
const REVOKE_ONCE: &str =
    "revoked_reason = CASE WHEN revoked_at IS NULL THEN ?4 ELSE revoked_reason END, \
     revoked_at = COALESCE(revoked_at, ?3)";

/// Revokes one of the user's keys; a key that is already revoked keeps its first
/// revocation time and reason. `None` when the user owns no key with that id.
pub async fn revoke_key(
    db: &D1Database,
    user_id: &str,
    key_id: &KeyId,
    now: i64,
) -> Result<Option<KeyRecord>> {
    let row: Option<KeyRow> = db
        .prepare(format!(
            "UPDATE api_keys SET {REVOKE_ONCE} WHERE id = ?1 AND user_id = ?2 \
             RETURNING {KEY_COLUMNS}"
        ))
        .bind(&[
            text(key_id.as_str()),
            text(user_id),
            millis(now),
            text(RevocationReason::User.column()),
        ])?
        .first(None)
        .await?;
    Ok(row.map(KeyRecord::from))
}

/// One row of the bearer lookup. Listed field by field: `#[serde(flatten)]` would buffer
/// the row and lose integer types on the way.
#[derive(Deserialize)]
struct BearerRow {
    id: String,
    label: Option<String>,
    last4: String,
    source: Option<String>,
    oauth_client_id: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    user_id: String,
    email: String,
    role: String,
}

/// The hot path of `/mcp`: the active key with this hash and its owner's current role, in
/// one query. No cache: a key revoked a moment ago is not found here.
pub async fn find_active_key_by_hash(
    db: &D1Database,
    hash: &KeyHash,
) -> Result<Option<(User, KeyRecord)>> {
    let row: Option<BearerRow> = db
        .prepare(
            "SELECT k.id, k.label, k.last4, k.source, k.oauth_client_id, k.created_at, \
             k.last_used_at, u.id AS user_id, u.email, u.role \
             FROM api_keys k JOIN users u ON u.id = k.user_id \
             WHERE k.key_hash = ?1 AND k.revoked_at IS NULL",
        )
        .bind(&[text(hash.as_str())])?
        .first(None)
        .await?;
    row.map(|row| {
        let user = UserRow {
            id: row.user_id,
            email: row.email,
            role: row.role,
        }
        .into_user()?;
        let key = KeyRecord {
            source: Source::from_columns(row.source.as_deref(), row.oauth_client_id),
            id: row.id,
            label: row.label,
            last4: row.last4,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: None,
            revoked_reason: None,
        };
        Ok((user, key))
    })
    .transpose()
}

/// Records a use of a key, at most once per `LAST_USED_RESOLUTION_MS`. Returned as a
/// statement so the caller can run it after the response has gone out.
pub fn touch_key(db: &D1Database, key_id: &str, now: i64) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE api_keys SET last_used_at = ?2 \
         WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
    )
    .bind(&[
        text(key_id),
        millis(now),
        millis(now - LAST_USED_RESOLUTION_MS),
    ])
}

// ---- OAuth clients and codes ----------------------------------------------------------

pub struct NewClient<'a> {
    pub id: &'a str,
    pub client_name: &'a str,
    pub redirect_uris: &'a [&'a str],
    pub token_endpoint_auth_method: &'a str,
    pub client_secret_hash: Option<&'a str>,
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
        optional_text(client.client_secret_hash),
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
    pub code_hash: &'a str,
    pub client_id: &'a str,
    pub user_id: &'a str,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub scope: &'a str,
    pub resource: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// Stores an approved code, and notes that its client is in use (the cleanup keeps clients
/// used within 90 days).
pub async fn insert_code(db: &D1Database, code: &NewCode<'_>) -> Result<()> {
    let insert = db
        .prepare(
            "INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, \
             scope, resource, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .bind(&[
            text(code.code_hash),
            text(code.client_id),
            text(code.user_id),
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
    db.batch(vec![insert, used]).await?;
    Ok(())
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

/// How many active keys a user has.
pub async fn count_active_keys(db: &D1Database, user_id: &str) -> Result<i64> {
    let row: Option<CountRow> = db
        .prepare("SELECT count(*) AS n FROM api_keys WHERE user_id = ?1 AND revoked_at IS NULL")
        .bind(&[text(user_id)])?
        .first(None)
        .await?;
    Ok(row.map_or(0, |row| row.n))
}

/// A code as the token endpoint finds it: what it is bound to and whom it was issued for.
#[derive(Deserialize)]
pub struct FoundCode {
    pub user_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
    pub resource: String,
    pub expires_at: i64,
}

/// The code with this hash, if it was issued to this client. A code presented by any
/// other client is not found: nothing about it changes.
pub async fn find_code(
    db: &D1Database,
    code_hash: &str,
    client_id: &ClientId,
) -> Result<Option<FoundCode>> {
    db.prepare(
        "SELECT user_id, redirect_uri, code_challenge, scope, resource, expires_at \
         FROM oauth_codes WHERE code_hash = ?1 AND client_id = ?2",
    )
    .bind(&[text(code_hash), text(client_id.as_str())])?
    .first(None)
    .await
}

/// How often a code has been exchanged, counted by the same statement that reads it.
#[derive(Deserialize)]
pub struct ExchangeCount {
    /// 1 on the first exchange; more means the code was replayed.
    pub exchanges: i64,
    /// The key the first exchange minted, once it has.
    pub key_id: Option<String>,
}

/// Counts one exchange of a code in one atomic statement, so two concurrent exchanges of
/// one code cannot both see it unused.
pub async fn count_exchange(
    db: &D1Database,
    code_hash: &str,
    client_id: &ClientId,
) -> Result<Option<ExchangeCount>> {
    db.prepare(
        "UPDATE oauth_codes SET exchanges = exchanges + 1 WHERE code_hash = ?1 AND client_id = ?2 \
         RETURNING exchanges, key_id",
    )
    .bind(&[text(code_hash), text(client_id.as_str())])?
    .first(None)
    .await
}

/// Mints the key for a code exchange in one transaction, and only while the code has been
/// exchanged exactly once (a replay counted between the exchange and this batch leaves
/// nothing minted): the client's earlier keys for this user are revoked (one key per
/// connected app), the new key is inserted (within the cap on active keys), and the code
/// records which key it minted. `false` when nothing was minted.
pub async fn insert_key_for_code(
    db: &D1Database,
    key: &NewKey<'_>,
    code_hash: &str,
) -> Result<bool> {
    const ONCE: &str = "EXISTS (SELECT 1 FROM oauth_codes WHERE code_hash = ?9 AND exchanges = 1)";
    let replace = db
        .prepare(format!(
            "UPDATE api_keys SET {REVOKE_ONCE} WHERE user_id = ?1 AND oauth_client_id = ?2 \
             AND source = 'oauth' AND revoked_at IS NULL AND {ONCE}"
        ))
        .bind(&[
            text(key.user_id),
            optional_text(key.source.client_id()),
            millis(key.now),
            text(RevocationReason::Replaced.column()),
            JsValue::NULL,
            JsValue::NULL,
            JsValue::NULL,
            JsValue::NULL,
            text(code_hash),
        ])?;
    let insert = db
        .prepare(format!(
            "INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, oauth_client_id, \
             created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE {ONCE} AND {UNDER_KEY_CAP}"
        ))
        .bind(&key_values(key, Some(code_hash)))?;
    let link = db
        .prepare("UPDATE oauth_codes SET key_id = ?2 WHERE code_hash = ?1 AND exchanges = 1")
        .bind(&[text(code_hash), text(key.id)])?;
    let results = db.batch(vec![replace, insert, link]).await?;
    let inserted = results
        .get(1)
        .map(|result| result.meta().map(|meta| meta.and_then(|meta| meta.changes)))
        .transpose()?
        .flatten()
        .unwrap_or(0);
    Ok(inserted == 1)
}

/// Revokes a key by id whoever owns it: the reaction to a replayed authorization code.
pub async fn revoke_key_by_id(
    db: &D1Database,
    key_id: &str,
    now: i64,
    reason: RevocationReason,
) -> Result<()> {
    db.prepare(format!("UPDATE api_keys SET {REVOKE_ONCE} WHERE id = ?1"))
        .bind(&[
            text(key_id),
            JsValue::NULL,
            millis(now),
            text(reason.column()),
        ])?
        .run()
        .await?;
    Ok(())
}

/// A leak report: revokes each key with one of these hashes that is still active, with
/// the reason `leaked` and where it was found, in one transaction. For each hash, whether
/// it is one of our keys at all (active or already revoked).
pub async fn report_leaks(
    db: &D1Database,
    found: &[(KeyHash, Option<&str>)],
    now: i64,
) -> Result<Vec<bool>> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let statements = found
        .iter()
        .map(|(hash, url)| {
            db.prepare(format!(
                "UPDATE api_keys SET \
                   revoked_detail = CASE WHEN revoked_at IS NULL THEN ?2 ELSE revoked_detail END, \
                   {REVOKE_ONCE} \
                 WHERE key_hash = ?1 RETURNING id"
            ))
            .bind(&[
                text(hash.as_str()),
                optional_text(*url),
                millis(now),
                text(RevocationReason::Leaked.column()),
            ])
        })
        .collect::<Result<Vec<_>>>()?;
    db.batch(statements)
        .await?
        .iter()
        .map(|result| Ok(!result.results::<serde_json::Value>()?.is_empty()))
        .collect()
}

/// RFC 7009: revokes the key with this hash if it was issued to this OAuth client.
pub async fn revoke_client_key_by_hash(
    db: &D1Database,
    hash: &KeyHash,
    client_id: &ClientId,
    now: i64,
) -> Result<()> {
    db.prepare(format!(
        "UPDATE api_keys SET {REVOKE_ONCE} \
         WHERE key_hash = ?1 AND source = 'oauth' AND oauth_client_id = ?2"
    ))
    .bind(&[
        text(hash.as_str()),
        text(client_id.as_str()),
        millis(now),
        text(RevocationReason::Client.column()),
    ])?
    .run()
    .await?;
    Ok(())
}

// ---- scheduled cleanup ------------------------------------------------------------------

/// Codes are kept a day past their expiry, to recognise replays.
pub const CODE_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;
/// Registered clients with no active key are forgotten after this long without use.
pub const UNUSED_CLIENT_RETENTION_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// What the scheduled cleanup removes, in one transaction: codes expired a day ago,
/// expired sessions, rate-limit counters past their windows, and OAuth clients (registered
/// or known by a document) with no active key and no use for 90 days.
pub async fn clean_up(db: &D1Database, now: i64) -> Result<()> {
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
    ];
    db.batch(statements).await?;
    Ok(())
}
