//! The discovery documents MCP clients read before anything else, and the names they
//! publish: endpoint paths, the one scope, the one protected resource.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! `origin` / `issuer` below is the public origin with no trailing slash
//! (`https://keys.example.com`), as `http::request::public_origin` returns it. The issuer
//! is the origin itself, so RFC 8414 §3.1 puts this server's metadata at
//! `/.well-known/oauth-authorization-server` with no path suffix.

use serde_json::{json, Value};

use super::pkce::S256;
use super::registration::TokenEndpointAuthMethod;

use crate::routes::{AUTHORIZE, MCP, REGISTER, REVOKE, TOKEN};

/// The only scope: a token is a user key, and a user key reaches everything its owner's
/// role allows on `/mcp`.
pub const MCP_SCOPE: &str = "mcp";

/// The protected resource a token is for (RFC 8707 / RFC 9728): `<origin>/mcp`.
pub fn mcp_resource(origin: &str) -> String {
    format!("{origin}{MCP}")
}

fn auth_methods() -> Vec<&'static str> {
    TokenEndpointAuthMethod::ALL
        .iter()
        .map(|method| method.as_str())
        .collect()
}

/// RFC 8414 authorization server metadata, served at
/// `/.well-known/oauth-authorization-server`.
pub fn authorization_server_metadata(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}{AUTHORIZE}"),
        "token_endpoint": format!("{issuer}{TOKEN}"),
        "registration_endpoint": format!("{issuer}{REGISTER}"),
        "revocation_endpoint": format!("{issuer}{REVOKE}"),
        "scopes_supported": [MCP_SCOPE],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        // No refresh_token: keys never expire, so there is nothing to refresh.
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": [S256],
        "token_endpoint_auth_methods_supported": auth_methods(),
        "revocation_endpoint_auth_methods_supported": auth_methods(),
        // RFC 9207: every authorization response carries `iss`, against mix-up attacks.
        "authorization_response_iss_parameter_supported": true,
        // A client may name itself by the https URL of its metadata document (MCP
        // 2025-11-25), instead of registering.
        "client_id_metadata_document_supported": true,
    })
}

/// RFC 9728 protected resource metadata naming `resource`: `<origin>/mcp` at
/// `/.well-known/oauth-protected-resource/mcp`, the origin itself at the path-less
/// well-known URL (RFC 9728 §3.3: the resource is the URL the document was found for).
pub fn protected_resource_metadata(origin: &str, resource: &str) -> Value {
    json!({
        "resource": resource,
        "authorization_servers": [origin],
        "scopes_supported": [MCP_SCOPE],
        "bearer_methods_supported": ["header"],
        "resource_name": "Hadron MCP",
    })
}

#[cfg(test)]
mod tests;
