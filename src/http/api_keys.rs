//! The API keys endpoints behind the portal page.

use serde_json::{json, Value};
use worker::{Request, Response};

use super::limits;
use super::request::{
    optional_string, read_json_object, require_same_origin, Deps, MAX_API_BODY_BYTES,
};
use super::response::json_response;
use crate::auth::{now_ms, signed_in_user};
use crate::error::AppError;
use crate::keys::{ApiKey, KeyId, KeyRecord, Label, LabelError, Source, LABEL_MAX_CHARS};
use crate::store::{self, NewKey, MAX_ACTIVE_KEYS_PER_USER};
use crate::throttle;

/// `GET /api/keys`: every key of the caller, active and revoked, newest first.
pub async fn list(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
    let keys = store::list_keys(&db, &user.id).await?;
    let keys: Vec<Value> = keys.iter().map(KeyRecord::to_json).collect();
    Ok(json_response(200, &json!({ "keys": keys }))?)
}

/// `POST /api/keys`: mints a key. The one response that ever carries a raw key.
pub async fn mint(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, deps)?;
    let db = deps.db()?;
    let user = signed_in_user(&req, &db, deps.request.is_https()).await?;
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

    limits::count(&db, &throttle::MINTS_PER_USER, &user.id).await?;

    let secret = ApiKey::generate();
    let record = KeyRecord {
        id: KeyId::generate().as_str().to_owned(),
        label: label.as_ref().map(|label| label.as_str().to_owned()),
        last4: secret.last4(),
        source: Source::Portal,
        created_at: now_ms(),
        last_used_at: None,
        revoked_at: None,
        revoked_reason: None,
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
    let revoked = store::revoke_key(&db, &user.id, &key_id, now_ms())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(json_response(200, &revoked.to_json())?)
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
