//! The API keys endpoints behind the portal page: the key list, minting, revoking, the
//! notice of automatic revocations, and the account's activity ("Recent activity").

use super::Request;
use serde_json::{json, Value};

use super::limits;
use super::request::{
    optional_string, query_params, read_json_object, require_same_origin, Deps, MAX_API_BODY_BYTES,
};
use super::response::{json_response, Response};
use crate::activity::ClientMeta;
use crate::auth::{now_ms, signed_in_user};
use crate::error::AppError;
use crate::keys::{ApiKey, KeyId, KeyRecord, Label, LabelError, Source, LABEL_MAX_CHARS};
use crate::listing::{parse_cursor, Cursor, KeyQuery, ListingError};
use crate::store::{self, NewKey, MAX_ACTIVE_KEYS_PER_USER, MAX_NOTICE_KEYS};
use crate::throttle;

/// `GET /api/keys[?status=&source=&q=&limit=&cursor=]`: the caller's keys, active and
/// revoked, newest first, as `{keys, next_cursor}`. Plain, it is every key (the contract);
/// with `limit` (1–100) or a `cursor` it is one page, and `next_cursor` (or `null` on the
/// last page) is the `cursor` of the next. `status` and `source` filter, `q` searches
/// labels and last 4.
pub async fn list(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
    let query = KeyQuery::parse(&query_params(&req)?).map_err(listing_error)?;
    let (keys, next) = store::list_keys(&db, &user.id, &query).await?;
    let keys: Vec<Value> = keys.iter().map(KeyRecord::to_json).collect();
    let next_cursor = next.as_ref().map(Cursor::encode);
    Ok(json_response(
        200,
        &json!({ "keys": keys, "next_cursor": next_cursor }),
    )?)
}

/// A list request the server cannot answer: 400, with what was wrong.
pub fn listing_error(error: ListingError) -> AppError {
    AppError::bad_request(error.code(), error.message())
}

/// `POST /api/keys`: mints a key. The one response that ever carries a raw key.
pub async fn mint(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, deps)?;
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
    let meta = deps.request.client_meta(&req);
    let body = read_json_object(&mut req, MAX_API_BODY_BYTES, true).await?;
    let label =
        Label::parse(optional_string(&body, "label")?.unwrap_or_default()).map_err(|error| {
            let message = match error {
                LabelError::TooLong => {
                    format!("The label can be at most {LABEL_MAX_CHARS} characters.")
                }
                LabelError::ControlCharacter => {
                    "The label cannot contain control characters.".to_owned()
                }
                LabelError::InvisibleCharacter => {
                    "The label cannot contain invisible formatting characters (such as direction overrides or zero-width spaces).".to_owned()
                }
            };
            AppError::bad_request("invalid_label", message)
        })?;

    limits::count(&db, &throttle::MINTS_PER_USER, user.id.as_str()).await?;

    let secret = ApiKey::generate();
    let record = KeyRecord {
        id: KeyId::generate(),
        label: label.as_ref().map(|label| label.as_str().to_owned()),
        last4: secret.last4(),
        source: Source::Portal,
        created_at: now_ms(),
        last_used_at: None,
        last_used_from: ClientMeta::default(),
        revoked_at: None,
        revoked_reason: None,
        revoked_detail: None,
    };
    let inserted = store::insert_key(
        &db,
        &NewKey {
            id: &record.id,
            user_id: &user.id,
            hash: &secret.hash(),
            last4: &record.last4,
            label: label.as_ref(),
            source: &record.source,
            now: record.created_at,
        },
        &meta,
    )
    .await?;
    if !inserted {
        return Err(too_many_keys());
    }

    let mut body = record.to_json();
    body["secret"] = Value::from(secret.expose_secret());
    Ok(json_response(201, &body)?)
}

/// `POST /api/keys/{id}/revoke`. Someone else's key and a key that does not exist get
/// the same 404, so key ids cannot be probed.
pub async fn revoke(req: Request, deps: &Deps, id: &str) -> Result<Response, AppError> {
    require_same_origin(&req, deps)?;
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
    let key_id = KeyId::parse(id).ok_or(AppError::NotFound)?;
    let meta = deps.request.client_meta(&req);
    let revoked = store::revoke_key(&db, &user.id, &key_id, &meta, now_ms())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(json_response(200, &revoked.to_json())?)
}

/// `GET /api/revocation-notice`: the caller's keys that were revoked automatically (by
/// anything but the user) and whose notice the user has not dismissed, most recent first:
/// `{keys}`, at most 100.
pub async fn revocation_notice(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
    let keys = store::unseen_automatic_revocations(&db, &user.id).await?;
    let keys: Vec<Value> = keys.iter().map(KeyRecord::to_json).collect();
    Ok(json_response(200, &json!({ "keys": keys }))?)
}

/// `POST /api/revocation-notice/dismiss` `{key_ids}`: the notice of these keys has been seen,
/// on every device from now on. The ids are the ones the page showed, so a key revoked
/// after the page loaded is still announced. Ids that are not the caller's automatically
/// revoked keys change nothing. Answers `{dismissed}`, how many notices it dismissed.
pub async fn dismiss_revocation_notice(
    mut req: Request,
    deps: &Deps,
) -> Result<Response, AppError> {
    require_same_origin(&req, deps)?;
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
    let body = read_json_object(&mut req, MAX_API_BODY_BYTES, false).await?;
    let invalid = || {
        AppError::bad_request(
            "invalid_body",
            format!("`key_ids` must be a list of at most {MAX_NOTICE_KEYS} key ids."),
        )
    };
    let key_ids = match body.get("key_ids") {
        Some(Value::Array(ids)) if ids.len() <= MAX_NOTICE_KEYS => ids
            .iter()
            .map(|id| id.as_str().and_then(KeyId::parse).ok_or_else(invalid))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(invalid()),
    };
    let dismissed = store::dismiss_revocation_notices(&db, &user.id, &key_ids, now_ms()).await?;
    Ok(json_response(200, &json!({ "dismissed": dismissed }))?)
}

/// The answer when a user already holds the most active keys allowed.
pub fn too_many_keys() -> AppError {
    AppError::Conflict {
        code: "too_many_keys",
        message: format!(
            "You have reached the limit of {MAX_ACTIVE_KEYS_PER_USER} active keys. Revoke keys you no longer use, then try again."
        ),
    }
}

/// `GET /api/activity[?cursor=]`: the caller's activity, newest first, 20 entries at a time:
/// `{activity, next_cursor}`.
pub async fn activity(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
    let after = parse_cursor(&query_params(&req)?, "act_").map_err(listing_error)?;
    let (entries, next) = store::list_activity(&db, &user.id, after.as_ref()).await?;
    let next_cursor = next.as_ref().map(Cursor::encode);
    Ok(json_response(
        200,
        &json!({ "activity": entries, "next_cursor": next_cursor }),
    )?)
}
