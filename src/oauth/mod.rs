//! The OAuth 2.1 authorization server MCP clients sign in through, as pure rules: no
//! `worker` import, so every rule here is unit-tested on the host. The handlers in
//! `http` read requests, call these, talk to the store, and write the responses.
//!
//! Shape of the server: dynamic client registration (RFC 7591), the authorization code
//! flow with PKCE S256 only, one scope (`mcp`), one resource (`<origin>/mcp`), and the
//! access token is an ordinary user key — no refresh tokens, no expiry.

pub mod authorize;
pub mod base64;
pub mod consent;
pub mod error;
pub mod error_page;
pub mod form;
pub mod metadata;
pub mod metadata_document;
pub mod pkce;
pub mod redirect_uri;
pub mod registration;
pub mod revocation;
pub mod token;

#[cfg(test)]
pub(crate) mod test_fixtures;
