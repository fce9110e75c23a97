//! Writing responses: JSON bodies with the security headers every response carries.

use serde_json::Value;
use worker::js_sys::{Object, Reflect};
use worker::wasm_bindgen::JsValue;
use worker::{console_error, Headers, Response, ResponseBuilder, Result};

use crate::error::AppError;

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
    /// The security headers, and the same with `Content-Type: application/json`, as JS
    /// objects made once per isolate: a response's headers are then built in one call
    /// into JS (`new Headers(object)`, which copies) instead of one call per header.
    static SECURITY_HEADER_OBJECT: Object = header_object(None);
    static JSON_HEADER_OBJECT: Object = header_object(Some(("Content-Type", "application/json")));
}

fn header_object(extra: Option<(&str, &str)>) -> Object {
    let object = Object::new();
    for (name, value) in extra.into_iter().chain(SECURITY_HEADERS) {
        // Setting a property on a plain object we just made does not fail.
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    object
}

fn headers_from(object: &Object) -> Result<Headers> {
    Ok(Headers(
        worker::web_sys::Headers::new_with_record_from_str_to_str(object)?,
    ))
}

/// A fresh set of the security headers, for responses built without [`json_response`].
pub fn security_headers() -> Result<Headers> {
    SECURITY_HEADER_OBJECT.with(headers_from)
}

/// Adds the security headers to a response built elsewhere (one crossing per header).
pub fn set_security_headers(headers: &Headers) -> Result<()> {
    for (name, value) in SECURITY_HEADERS {
        headers.set(name, value)?;
    }
    Ok(())
}

pub fn json_response(status: u16, body: &Value) -> Result<Response> {
    json_text_response(status, serde_json::to_string(body)?)
}

/// A JSON response whose body is already serialised.
pub fn json_text_response(status: u16, body: String) -> Result<Response> {
    let headers = JSON_HEADER_OBJECT.with(headers_from)?;
    Ok(ResponseBuilder::new()
        .with_status(status)
        .with_headers(headers)
        .fixed(body.into_bytes()))
}

/// An empty response with the security headers.
pub fn empty_response(status: u16) -> Result<Response> {
    Ok(ResponseBuilder::new()
        .with_status(status)
        .with_headers(security_headers()?)
        .empty())
}

/// The response for an error. Internal detail is logged here and nowhere else, and the
/// log never holds a secret: errors carry D1 and runtime messages, not request data.
pub fn error_response(error: &AppError) -> Result<Response> {
    if let AppError::Internal(detail) = error {
        console_error!("internal error: {detail}");
    }
    let response = json_text_response(error.status(), error.body_json())?;
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
