//! Reading requests: where they come from and what their JSON body holds.

use serde_json::{Map, Value};
use worker::js_sys::Uint8Array;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;
use worker::{Context, Env, Request};

use crate::error::AppError;

/// What handlers need from the runtime besides the request.
pub struct Deps {
    pub env: Env,
    pub ctx: Context,
}

impl Deps {
    pub fn db(&self) -> Result<worker::D1Database, AppError> {
        Ok(self.env.d1("DB")?)
    }
}

/// The origin users reach us at: `PUBLIC_ORIGIN` when configured (behind a proxy or a
/// custom domain), otherwise the origin of the request itself.
pub fn public_origin(req: &Request, env: &Env) -> Result<String, AppError> {
    if let Ok(configured) = env.var("PUBLIC_ORIGIN") {
        let configured = configured.to_string();
        let configured = configured.trim().trim_end_matches('/');
        if !configured.is_empty() {
            return Ok(configured.to_owned());
        }
    }
    Ok(req.url()?.origin().ascii_serialization())
}

/// State-changing portal calls must come from our own pages. A browser always sends
/// `Origin` on a POST; tools like curl send none and carry no ambient cookie risk.
pub fn require_same_origin(req: &Request, env: &Env) -> Result<(), AppError> {
    let headers = req.headers();
    if let Some(site) = headers.get("Sec-Fetch-Site")? {
        if site != "same-origin" && site != "none" {
            return Err(AppError::CrossSite);
        }
    }
    match headers.get("Origin")? {
        None => Ok(()),
        Some(origin) if origin == public_origin(req, env)? => Ok(()),
        Some(_) => Err(AppError::CrossSite),
    }
}

/// The largest JSON body the portal API reads.
pub const MAX_API_BODY_BYTES: usize = 16 * 1024;

/// Reads a JSON object body of at most `limit` bytes. An empty body reads as `{}` when
/// `allow_empty`, so `POST /api/keys` works without one.
pub async fn read_json_object(
    req: &mut Request,
    limit: usize,
    allow_empty: bool,
) -> Result<Map<String, Value>, AppError> {
    let bytes = read_body(req, limit).await?;
    if bytes.is_empty() && allow_empty {
        return Ok(Map::new());
    }
    require_json_content_type(req)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(AppError::bad_request(
            "invalid_body",
            "The body must be a JSON object.",
        )),
        Err(_) => Err(AppError::bad_request(
            "invalid_json",
            "The body is not valid JSON.",
        )),
    }
}

pub fn require_json_content_type(req: &Request) -> Result<(), AppError> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType)
    }
}

/// The body, refused with 413 past `limit`: by its declared length when there is one, so
/// an oversized upload is not read at all, and otherwise (chunked) by reading no more than
/// `limit` bytes of it.
pub async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, AppError> {
    let too_large = AppError::PayloadTooLarge { limit_bytes: limit };
    if let Some(declared) = req.headers().get("Content-Length")? {
        if declared
            .trim()
            .parse::<usize>()
            .map_or(true, |length| length > limit)
        {
            return Err(too_large);
        }
    }
    let Some(body) = req.inner().body() else {
        return Ok(Vec::new());
    };
    read_capped(body, limit)
        .await
        .map_err(|_| AppError::bad_request("unreadable_body", "The body could not be read."))?
        .ok_or(too_large)
}

/// Reads a body stream to its end, or stops as soon as it would hold more than `limit`
/// bytes (`None`): whatever the sender declared, no more than `limit` bytes are buffered.
///
/// On stopping early the stream is let go, not cancelled: the runtime then discards the
/// rest of a request body itself, whereas workerd leaves the response of a request whose
/// body was cancelled midway hanging (seen with a chunked 10 MB upload).
pub async fn read_capped(
    body: web_sys::ReadableStream,
    limit: usize,
) -> Result<Option<Vec<u8>>, JsValue> {
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::new();
    loop {
        let result: web_sys::ReadableStreamReadResult =
            JsFuture::from(reader.read()).await?.unchecked_into();
        if result.get_done().unwrap_or(true) {
            return Ok(Some(bytes));
        }
        let chunk = Uint8Array::new(&result.get_value());
        let start = bytes.len();
        let end = start + chunk.length() as usize;
        if end > limit {
            reader.release_lock();
            return Ok(None);
        }
        bytes.resize(end, 0);
        chunk.copy_to(&mut bytes[start..]);
    }
}

/// A string field that may be absent or null.
pub fn optional_string<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, AppError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(AppError::bad_request(
            "invalid_body",
            format!("`{field}` must be a string."),
        )),
    }
}

pub fn required_string<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, AppError> {
    optional_string(body, field)?
        .ok_or_else(|| AppError::bad_request("invalid_body", format!("`{field}` is required.")))
}
