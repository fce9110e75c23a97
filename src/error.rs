//! One error type for the portal API. Each variant knows its status and a generic JSON
//! body; internal detail is logged (never a secret) and kept out of responses.

#[cfg(test)]
use serde_json::json;

use crate::request_log::push_json_string;

#[derive(Debug)]
pub enum AppError {
    /// 400: the request is well-formed HTTP but its content is wrong.
    BadRequest { code: &'static str, message: String },
    /// 401: no valid portal session.
    NotSignedIn,
    /// 401: the same answer for an unknown email and a wrong password.
    InvalidCredentials,
    /// 401: a signed request (a leak report) whose signature is missing or not genuine.
    InvalidSignature,
    /// 403: a state-changing call from another site.
    CrossSite,
    /// 421: the request's `Host` is not this server's (DNS rebinding, or a stray proxy).
    MisdirectedRequest(crate::public_origin::HostRefused),
    /// 404: unknown route, missing key, or someone else's key: always the same response.
    NotFound,
    /// 405, with the methods the route allows (the `Allow` header).
    MethodNotAllowed(String),
    /// 409: a conflicting resource, e.g. an email already registered.
    Conflict { code: &'static str, message: String },
    /// 411: a body without a declared length.
    LengthRequired,
    /// 413.
    PayloadTooLarge { limit_bytes: usize },
    /// 415.
    UnsupportedMediaType,
    /// 429, with how long to wait.
    TooManyRequests { retry_after_seconds: i64 },
    /// 500: something on our side; the detail goes to the log only.
    Internal(String),
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest { .. } => 400,
            AppError::NotSignedIn | AppError::InvalidCredentials | AppError::InvalidSignature => {
                401
            }
            AppError::CrossSite => 403,
            AppError::NotFound => 404,
            AppError::MisdirectedRequest(_) => 421,
            AppError::MethodNotAllowed(_) => 405,
            AppError::Conflict { .. } => 409,
            AppError::LengthRequired => 411,
            AppError::PayloadTooLarge { .. } => 413,
            AppError::UnsupportedMediaType => 415,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal(_) => 500,
        }
    }

    /// The machine-readable code and the sentence for the user.
    pub fn code_and_message(&self) -> (&'static str, String) {
        match self {
            AppError::BadRequest { code, message } => (code, message.clone()),
            AppError::NotSignedIn => ("not_signed_in", "Sign in to continue.".into()),
            AppError::InvalidCredentials => (
                "invalid_credentials",
                "The email or password is incorrect.".into(),
            ),
            AppError::InvalidSignature => (
                "invalid_signature",
                "The request is not signed by a key we accept.".into(),
            ),
            AppError::CrossSite => (
                "cross_site_request",
                "Requests from other sites are not allowed.".into(),
            ),
            AppError::NotFound => ("not_found", "Not found.".into()),
            AppError::MisdirectedRequest(refused) => ("misdirected_request", refused.to_string()),
            AppError::MethodNotAllowed(_) => (
                "method_not_allowed",
                "This method is not allowed here.".into(),
            ),
            AppError::Conflict { code, message } => (code, message.clone()),
            AppError::LengthRequired => (
                "length_required",
                "Send the body with a Content-Length header.".into(),
            ),
            AppError::PayloadTooLarge { limit_bytes } => (
                "payload_too_large",
                format!("The request body is larger than {limit_bytes} bytes."),
            ),
            AppError::UnsupportedMediaType => (
                "unsupported_media_type",
                "Send the body as application/json.".into(),
            ),
            AppError::TooManyRequests {
                retry_after_seconds,
            } => (
                "too_many_requests",
                format!("Too many attempts. Try again in {retry_after_seconds} seconds."),
            ),
            AppError::Internal(_) => ("internal_error", "Something went wrong on our side.".into()),
        }
    }

    /// `{"error":{"code":…,"message":…}}`, written as serde_json writes it.
    pub fn body_json(&self) -> String {
        let (code, message) = self.code_and_message();
        error_body_json(code, &message)
    }

    #[cfg(test)]
    pub fn body(&self) -> serde_json::Value {
        let (code, message) = self.code_and_message();
        json!({ "error": { "code": code, "message": message } })
    }
}

/// The generic error body, as JSON text (without building a `serde_json::Value`).
pub fn error_body_json(code: &str, message: &str) -> String {
    let mut body = String::with_capacity(32 + code.len() + message.len());
    body.push_str("{\"error\":{\"code\":");
    push_json_string(&mut body, code);
    body.push_str(",\"message\":");
    push_json_string(&mut body, message);
    body.push_str("}}");
    body
}

impl From<worker::Error> for AppError {
    fn from(error: worker::Error) -> Self {
        AppError::Internal(error.to_string())
    }
}

/// An exception thrown by a runtime call, e.g. setting a header on a response.
impl From<worker::wasm_bindgen::JsValue> for AppError {
    fn from(error: worker::wasm_bindgen::JsValue) -> Self {
        worker::Error::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_code_and_a_message() {
        let errors = [
            AppError::bad_request("invalid_label", "too long"),
            AppError::NotSignedIn,
            AppError::InvalidCredentials,
            AppError::InvalidSignature,
            AppError::CrossSite,
            AppError::NotFound,
            AppError::MisdirectedRequest(crate::public_origin::HostRefused::NotLoopback),
            AppError::MethodNotAllowed("GET".into()),
            AppError::Conflict {
                code: "email_taken",
                message: "taken".into(),
            },
            AppError::LengthRequired,
            AppError::PayloadTooLarge { limit_bytes: 10 },
            AppError::UnsupportedMediaType,
            AppError::TooManyRequests {
                retry_after_seconds: 60,
            },
            AppError::Internal("d1 exploded".into()),
        ];
        for error in errors {
            let body = error.body();
            assert!(body["error"]["code"].is_string(), "{error:?}");
            assert!(body["error"]["message"].is_string(), "{error:?}");
            assert!((400..600).contains(&error.status()));
        }
    }

    #[test]
    fn the_body_text_is_the_body_serialised() {
        let errors = [
            AppError::bad_request("invalid_label", "a \"quoted\" \\ label\n"),
            AppError::NotFound,
            AppError::PayloadTooLarge { limit_bytes: 10 },
            AppError::Internal("d1 exploded".into()),
        ];
        for error in errors {
            assert_eq!(error.body_json(), error.body().to_string(), "{error:?}");
        }
    }

    #[test]
    fn internal_detail_never_reaches_the_body() {
        let body = AppError::Internal("SQLITE_CONSTRAINT on key_hash".into()).body();
        assert!(!body.to_string().contains("SQLITE"));
    }
}
