//! The error answer of the token and revocation endpoints (RFC 6749 §5.2), apart from
//! the internal failures the handlers map to a 500.
//! Pure: no `worker` import, so it unit-tests on the host.

use serde_json::{json, Value};

/// The `error` values of RFC 6749 §5.2, plus RFC 8707's `invalid_target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    InvalidTarget,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::InvalidTarget => "invalid_target",
        }
    }
}

/// An error of the token or revocation endpoint, answered as RFC 6749 §5.2 JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    /// Printable ASCII without `"` or `\`, as RFC 6749 §5.2 requires.
    pub description: String,
}

impl OAuthError {
    pub fn new(error: OAuthErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidClient, description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidGrant, description)
    }

    /// 401 for a failed client authentication, 400 for everything else (RFC 6749 §5.2).
    pub fn status(&self) -> u16 {
        match self.error {
            OAuthErrorCode::InvalidClient => 401,
            _ => 400,
        }
    }

    /// The `WWW-Authenticate` header a 401 must carry. We always challenge with Basic,
    /// the header scheme a client may authenticate with here.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        (self.error == OAuthErrorCode::InvalidClient).then_some("Basic realm=\"oauth\"")
    }

    pub fn to_json(&self) -> Value {
        json!({ "error": self.error.as_str(), "error_description": self.description })
    }
}
