//! Writing responses: JSON bodies with the security headers every response carries.
//!
//! A response is the runtime's own JS `Response`, built in one call (`new Response(body,
//! init)`): the body crosses as a string, and the headers come from a `Headers` object
//! made once per isolate, which the constructor copies. Priced in workerd (docs/
//! benchmarks.md): copying a ready `Headers` costs about half of building one from a plain
//! object, and the `worker` crate's `Response` (an empty `Headers`, another from the
//! object, a `Uint8Array` copy of the body, then a second copy of the headers in the
//! conversion) cost twice the one call.

use serde_json::Value;
use worker::js_sys::{Object, Reflect};
use worker::wasm_bindgen::JsValue;
use worker::web_sys::{Headers, ResponseInit};
use worker::{console_error, Result};

use crate::error::AppError;

/// What handlers answer with: the JS `Response` itself, handed to the runtime as it is.
pub type Response = worker::web_sys::Response;

/// Headers on every response the Worker writes itself. Everything it writes is
/// per-user or carries a secret, so nothing may be cached.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    (
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("Referrer-Policy", "no-referrer"),
];

thread_local! {
    /// The security headers, and the same with `Content-Type: application/json`, made once
    /// per isolate. Never changed: each response gets its own copy of one of them.
    static SECURITY_ONLY: std::result::Result<Headers, JsValue> = headers_with(None);
    static JSON: std::result::Result<Headers, JsValue> =
        headers_with(Some(("Content-Type", "application/json")));
}

fn headers_with(extra: Option<(&str, &str)>) -> std::result::Result<Headers, JsValue> {
    let object = Object::new();
    for (name, value) in extra.into_iter().chain(SECURITY_HEADERS) {
        Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value))?;
    }
    Headers::new_with_record_from_str_to_str(&object)
}

type HeaderSet = std::thread::LocalKey<std::result::Result<Headers, JsValue>>;

/// `new Response(body, { status, headers })` with one of the per-isolate header sets.
fn respond(status: u16, body: Option<&str>, headers: &'static HeaderSet) -> Result<Response> {
    let init = ResponseInit::new();
    init.set_status(status);
    headers.with(|headers| match headers {
        Ok(headers) => {
            init.set_headers(headers);
            Ok(())
        }
        Err(error) => Err(error.clone()),
    })?;
    Ok(Response::new_with_opt_str_and_init(body, &init)?)
}

/// Adds the security headers to a response built elsewhere (one crossing per header).
pub fn set_security_headers(headers: &worker::Headers) -> Result<()> {
    for (name, value) in SECURITY_HEADERS {
        headers.set(name, value)?;
    }
    Ok(())
}

pub fn json_response(status: u16, body: &Value) -> Result<Response> {
    json_text_response(status, &serde_json::to_string(body)?)
}

/// A JSON response whose body is already serialised.
pub fn json_text_response(status: u16, body: &str) -> Result<Response> {
    respond(status, Some(body), &JSON)
}

/// An empty response with the security headers.
pub fn empty_response(status: u16) -> Result<Response> {
    respond(status, None, &SECURITY_ONLY)
}

/// The response for an error. Internal detail is logged here and nowhere else, and the
/// log never holds a secret: errors carry D1 and runtime messages, not request data.
pub fn error_response(error: &AppError) -> Result<Response> {
    if let AppError::Internal(detail) = error {
        console_error!("internal error: {detail}");
    }
    let response = json_text_response(error.status(), &error.body_json())?;
    match error {
        AppError::MethodNotAllowed(allowed) => response.headers().set("Allow", allowed)?,
        AppError::TooManyRequests {
            retry_after_seconds,
        } => response
            .headers()
            .set("Retry-After", &retry_after_seconds.to_string())?,
        _ => {}
    }
    Ok(response)
}

/// A redirect (302 or 303) within the site, with the headers every response carries.
pub fn redirect(status: u16, location: &str) -> std::result::Result<Response, AppError> {
    let response = empty_response(status)?;
    response.headers().set("Location", location)?;
    Ok(response)
}
