//! Who is calling: a portal session becomes a `User`, a bearer key becomes a `Caller`,
//! or the request is refused with an error that knows its response.

use worker::D1Database;

use crate::http::Request;

use crate::accounts::User;
use crate::credentials::{parse_bearer, Bearer, SessionHash, SessionToken};
use crate::error::AppError;
use crate::keys::{ApiKey, KeyRecord};
use crate::store;

/// `Date.now()`: one call into JS, no `Date` object (the `worker` crate's `Date::now`
/// makes one and reads it back, two crossings).
pub fn now_ms() -> i64 {
    worker::js_sys::Date::now() as i64
}

/// The signed-in user of the request's session cookie, with their current role. `https`
/// says which cookie name to read (`__Host-` over https).
pub async fn signed_in_user(req: &Request, db: &D1Database, https: bool) -> Result<User, AppError> {
    Ok(signed_in_session(req, db, https).await?.0)
}

/// The signed-in user and the hash of their session token (what per-session values such
/// as CSRF tokens are derived from).
pub async fn signed_in_session(
    req: &Request,
    db: &D1Database,
    https: bool,
) -> Result<(User, SessionHash), AppError> {
    let cookie = req.headers().get("Cookie")?;
    let token =
        SessionToken::from_cookie_header(cookie.as_deref(), https).ok_or(AppError::NotSignedIn)?;
    let token_hash = token.hash();
    let user = store::find_session_user(db, &token_hash, now_ms())
        .await?
        .ok_or(AppError::NotSignedIn)?;
    Ok((user, token_hash))
}

/// The user and key behind a verified bearer token.
pub struct Caller {
    pub user: User,
    pub key: KeyRecord,
}

/// Why a bearer request was refused. The response never says which of these it was,
/// only whether a token was offered at all (RFC 6750 §3.1).
#[derive(Debug)]
pub enum BearerRejection {
    NoToken,
    InvalidToken,
    Internal(AppError),
}

/// The key a bearer request offers in `header` (its `Authorization`), format-checked:
/// nothing is looked up, so a refusal here costs no D1 binding.
pub fn bearer_key(header: Option<&str>) -> Result<ApiKey, BearerRejection> {
    match parse_bearer(header) {
        Bearer::Absent => Err(BearerRejection::NoToken),
        Bearer::Malformed => Err(BearerRejection::InvalidToken),
        Bearer::Token(token) => ApiKey::parse(token).ok_or(BearerRejection::InvalidToken),
    }
}

/// SHA-256 and one D1 read. Nothing is cached: a key revoked a moment ago fails here on
/// the very next request.
pub async fn authenticate_bearer(key: &ApiKey, db: &D1Database) -> Result<Caller, BearerRejection> {
    match store::find_active_key_by_hash(db, &key.hash()).await {
        Ok(Some((user, key))) => Ok(Caller { user, key }),
        Ok(None) => Err(BearerRejection::InvalidToken),
        Err(error) => Err(BearerRejection::Internal(error.into())),
    }
}
