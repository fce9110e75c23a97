//! RFC 7009 token revocation at `POST /oauth/revoke`.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! The handler's order is: [`parse_revocation_request`]; identify and authenticate the
//! client exactly as the token endpoint does (`token::presented_client`,
//! `token::authenticate_client`); then, if the token is one of our keys issued to that
//! client (RFC 7009 §2.1: a client may revoke only its own tokens; the store's statement
//! matches on the client id), revoke it. A token that is malformed, unknown, someone
//! else's or already revoked is still answered with 200 and an empty body (RFC 7009 §2.2): the client's
//! goal, that the token no longer works, is met either way.

use std::fmt;

use super::error::OAuthError;
use super::form;

/// A revocation request. `token_type_hint` is read but not needed: there is one kind of
/// token, and RFC 7009 §2.1 lets the server ignore the hint.
pub struct RevocationRequest {
    pub token: String,
    pub token_type_hint: Option<String>,
}

impl fmt::Debug for RevocationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationRequest")
            .field("token", &"<redacted>")
            .field("token_type_hint", &self.token_type_hint)
            .finish()
    }
}

pub fn parse_revocation_request(
    params: &[(String, String)],
) -> Result<RevocationRequest, OAuthError> {
    let Some(token) = form::single(params, "token")? else {
        return Err(OAuthError::invalid_request("The request has no token."));
    };
    let token_type_hint = form::single(params, "token_type_hint")?.map(str::to_owned);
    Ok(RevocationRequest {
        token: token.to_owned(),
        token_type_hint,
    })
}

#[cfg(test)]
mod tests;
