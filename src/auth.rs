//! Who is calling: a portal session becomes a `User`, a bearer key becomes a `Caller`,
//! or the request is refused with an error that knows its response.

use worker::{D1Database, Date, Request};

use crate::accounts::User;
use crate::credentials::{parse_bearer, Bearer, SessionHash, SessionToken};
use crate::error::AppError;
use crate::keys::{ApiKey, KeyRecord};
use crate::store;

pub fn now_ms() -> i64 {
    i64::try_from(Date::now().as_millis()).unwrap_or(i64::MAX)
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

/// Format check, SHA-256, one D1 read. Nothing is cached: a key revoked a moment ago
/// fails here on the very next request.
/// `header` is the request's `Authorization`.
pub async fn authenticate_bearer(
    header: Option<&str>,
    db: &D1Database,
) -> Result<Caller, BearerRejection> {
    let token = match parse_bearer(header) {
        Bearer::Absent => return Err(BearerRejection::NoToken),
        Bearer::Malformed => return Err(BearerRejection::InvalidToken),
        Bearer::Token(token) => token,
    };
    let key = ApiKey::parse(token).ok_or(BearerRejection::InvalidToken)?;
    match store::find_active_key_by_hash(db, &key.hash()).await {
        Ok(Some((user, key))) => Ok(Caller { user, key }),
        Ok(None) => Err(BearerRejection::InvalidToken),
        Err(error) => Err(BearerRejection::Internal(error.into())),
    }
}
