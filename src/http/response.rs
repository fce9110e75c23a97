//! Writing responses: JSON bodies with the security headers every response carries.

use serde_json::Value;
use worker::{console_error, Headers, Response, Result};

use crate::error::AppError;

/// Headers on every response the Worker writes itself. Everything it writes is
/// per-user or carries a secret, so nothing may be cached.
pub fn set_security_headers(headers: &Headers) -> Result<()> {
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set(
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'",
    )?;
    headers.set("Referrer-Policy", "no-referrer")?;
    Ok(())
}

pub fn json_response(status: u16, body: &Value) -> Result<Response> {
    let response = Response::from_json(body)?.with_status(status);
    set_security_headers(response.headers())?;
    Ok(response)
}

/// The response for an error. Internal detail is logged here and nowhere else, and the
/// log never holds a secret: errors carry D1 and runtime messages, not request data.
pub fn error_response(error: &AppError) -> Result<Response> {
    if let AppError::Internal(detail) = error {
        console_error!("internal error: {detail}");
    }
    let response = json_response(error.status(), &error.body())?;
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
    let response = Response::empty()?.with_status(status);
    set_security_headers(response.headers())?;
    response.headers().set("Location", location)?;
    Ok(response)
}
