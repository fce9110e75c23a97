//! Reading requests: where they come from and what their JSON body holds.

use serde_json::{Map, Value};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::js_sys::{Reflect, Uint8Array};
use worker::{web_sys, Context, Env, Headers, Method};

use super::context::RequestContext;
use crate::error::AppError;

/// The request as the runtime handed it, read directly. The `worker` crate's `Request`
/// reads `request.cf` when it is made, and workerd builds and freezes that object on every
/// read: a CPU profile of the no-D1 route put it at ≈ 24 µs per request, for a property
/// only the activity log's country needs (`RequestContext::client_meta` reads it then).
pub struct Request {
    inner: web_sys::Request,
    method: String,
    url: String,
    headers: Headers,
}

impl From<web_sys::Request> for Request {
    fn from(inner: web_sys::Request) -> Self {
        Request {
            method: inner.method(),
            url: inner.url(),
            headers: Headers(inner.headers()),
            inner,
        }
    }
}

impl Request {
    pub fn method(&self) -> Method {
        Method::from(self.method.clone())
    }

    pub fn path(&self) -> &str {
        crate::routes::path_of(&self.url)
    }

    /// The URL as the runtime gave it, unparsed.
    pub fn href(&self) -> &str {
        &self.url
    }

    pub fn url(&self) -> worker::Result<url::Url> {
        url::Url::parse(&self.url).map_err(|error| worker::Error::RustError(error.to_string()))
    }

    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    pub fn inner(&self) -> &web_sys::Request {
        &self.inner
    }

    pub fn into_inner(self) -> web_sys::Request {
        self.inner
    }

    /// The whole body (`arrayBuffer()`), copied into WASM memory.
    pub async fn bytes(&mut self) -> worker::Result<Vec<u8>> {
        let buffer = JsFuture::from(self.inner.array_buffer()?).await?;
        Ok(Uint8Array::new(&buffer).to_vec())
    }
}

/// What handlers need besides the request: the runtime, and what is known about the
/// request itself (built once at the entry).
pub struct Deps {
    pub env: Env,
    pub ctx: Context,
    pub request: RequestContext,
}

impl Deps {
    /// The `DB` binding as it is: `Env::d1` would also compare its constructor's name,
    /// three calls into JS on every request. A missing binding is refused here; a binding
    /// of another kind fails at its first query.
    pub fn db(&self) -> Result<worker::D1Database, AppError> {
        let binding = Reflect::get(&self.env, &JsValue::from_str("DB"))
            .ok()
            .filter(|binding| !binding.is_undefined())
            .ok_or_else(|| AppError::Internal("no D1 binding named DB".into()))?;
        Ok(binding.unchecked_into())
    }

    /// The validated public origin, e.g. `https://keys.example.com`.
    pub fn origin(&self) -> &str {
        self.request.origin()
    }
}

#[wasm_bindgen(
    inline_js = "export function header_values(headers, names) { return names.split(',').map((name) => headers.get(name) ?? '\\0').join('\\n'); }"
)]
extern "C" {
    /// The values of the comma-separated header `names`, one line each, in one crossing
    /// (`crate::header_values` splits them). `Headers.get` throws only for an invalid
    /// name, and the names are constants.
    pub fn header_values(headers: &worker::web_sys::Headers, names: &str) -> String;
}

/// The query string's parameters, decoded, in order.
pub fn query_params(req: &Request) -> Result<Vec<(String, String)>, AppError> {
    Ok(crate::oauth::form::parse(
        req.url()?.query().unwrap_or_default(),
    ))
}

/// State-changing portal calls must come from our own pages. A browser always sends
/// `Origin` on a POST; tools like curl send none and carry no ambient cookie risk.
pub fn require_same_origin(req: &Request, deps: &Deps) -> Result<(), AppError> {
    let headers = req.headers();
    if let Some(site) = headers.get("Sec-Fetch-Site")? {
        if site != "same-origin" && site != "none" {
            return Err(AppError::CrossSite);
        }
    }
    match headers.get("Origin")? {
        None => Ok(()),
        Some(origin) if origin == deps.origin() => Ok(()),
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
    require_json_media_type(req.headers().get("Content-Type")?.as_deref())
}

/// `content_type` is the request's `Content-Type`, `None` when it has none.
pub fn require_json_media_type(content_type: Option<&str>) -> Result<(), AppError> {
    let content_type = content_type.unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType)
    }
}

/// The body, read no further than `limit` bytes. Its declared `Content-Length` decides
/// before anything is read: past `limit` it is a 413, and within it exactly that many
/// bytes are read. A body without a declared length is refused with 411 (Length
/// Required, RFC 9110 §15.5.12) and not read at all: every client of these small JSON and
/// form endpoints declares one, and a partly read stream makes workerd's local proxy fail
/// the response ("restarted mid-request") at random.
pub async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, AppError> {
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let Some(declared) = req.headers().get("Content-Length")? else {
        return Err(AppError::LengthRequired);
    };
    match declared.trim().parse::<usize>() {
        Ok(length) if length <= limit => {}
        _ => return Err(AppError::PayloadTooLarge { limit_bytes: limit }),
    }
    req.bytes()
        .await
        .map_err(|_| AppError::bad_request("unreadable_body", "The body could not be read."))
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
