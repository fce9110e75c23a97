//! The discovery documents MCP clients read before anything else, and the names they
//! publish: endpoint paths, the one scope, the one protected resource.
//!
//! `origin` / `issuer` below is the public origin with no trailing slash
//! (`https://keys.example.com`), as `http::request::public_origin` returns it. The issuer
//! is the origin itself, so RFC 8414 §3.1 puts this server's metadata at
//! `/.well-known/oauth-authorization-server` with no path suffix.

use serde_json::{json, Value};

use super::pkce::S256;
use super::registration::TokenEndpointAuthMethod;

pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
pub const TOKEN_PATH: &str = "/oauth/token";
pub const REGISTER_PATH: &str = "/oauth/register";
pub const REVOKE_PATH: &str = "/oauth/revoke";
pub const MCP_PATH: &str = "/mcp";

/// The only scope: a token is a user key, and a user key reaches everything its owner's
/// role allows on `/mcp`.
pub const MCP_SCOPE: &str = "mcp";

/// The protected resource a token is for (RFC 8707 / RFC 9728): `<origin>/mcp`.
pub fn mcp_resource(origin: &str) -> String {
    format!("{origin}{MCP_PATH}")
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
        "authorization_endpoint": format!("{issuer}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "registration_endpoint": format!("{issuer}{REGISTER_PATH}"),
        "revocation_endpoint": format!("{issuer}{REVOKE_PATH}"),
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
    })
}

/// RFC 9728 protected resource metadata for `/mcp`, served at
/// `/.well-known/oauth-protected-resource/mcp` (and at the path-less well-known URL, for
/// clients that look there first).
pub fn protected_resource_metadata(origin: &str) -> Value {
    json!({
        "resource": mcp_resource(origin),
        "authorization_servers": [origin],
        "scopes_supported": [MCP_SCOPE],
        "bearer_methods_supported": ["header"],
        "resource_name": "Hadron MCP",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://keys.example.com";

    #[test]
    fn authorization_server_metadata_names_every_endpoint_under_the_issuer() {
        let metadata = authorization_server_metadata(ORIGIN);
        assert_eq!(metadata["issuer"], ORIGIN);
        assert_eq!(
            metadata["authorization_endpoint"],
            "https://keys.example.com/oauth/authorize"
        );
        assert_eq!(
            metadata["token_endpoint"],
            "https://keys.example.com/oauth/token"
        );
        assert_eq!(
            metadata["registration_endpoint"],
            "https://keys.example.com/oauth/register"
        );
        assert_eq!(
            metadata["revocation_endpoint"],
            "https://keys.example.com/oauth/revoke"
        );
    }

    #[test]
    fn authorization_server_metadata_offers_only_the_code_flow_with_s256() {
        let metadata = authorization_server_metadata(ORIGIN);
        assert_eq!(metadata["response_types_supported"], json!(["code"]));
        assert_eq!(metadata["response_modes_supported"], json!(["query"]));
        assert_eq!(
            metadata["grant_types_supported"],
            json!(["authorization_code"])
        );
        assert_eq!(
            metadata["code_challenge_methods_supported"],
            json!(["S256"])
        );
        assert_eq!(metadata["scopes_supported"], json!(["mcp"]));
        assert_eq!(
            metadata["authorization_response_iss_parameter_supported"],
            true
        );
    }

    #[test]
    fn public_and_secret_clients_are_both_advertised() {
        let metadata = authorization_server_metadata(ORIGIN);
        let methods = json!(["none", "client_secret_post", "client_secret_basic"]);
        assert_eq!(metadata["token_endpoint_auth_methods_supported"], methods);
        assert_eq!(
            metadata["revocation_endpoint_auth_methods_supported"],
            methods
        );
    }

    #[test]
    fn protected_resource_metadata_points_at_this_origin() {
        let metadata = protected_resource_metadata(ORIGIN);
        assert_eq!(metadata["resource"], "https://keys.example.com/mcp");
        assert_eq!(metadata["authorization_servers"], json!([ORIGIN]));
        assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));
        assert_eq!(metadata["scopes_supported"], json!(["mcp"]));
        assert_eq!(metadata["resource_name"], "Hadron MCP");
    }

    #[test]
    fn the_resource_server_and_the_authorization_server_agree_on_the_issuer() {
        let resource = protected_resource_metadata(ORIGIN);
        let server = authorization_server_metadata(ORIGIN);
        assert_eq!(resource["authorization_servers"][0], server["issuer"]);
    }

    #[test]
    fn local_development_origins_work_too() {
        let metadata = protected_resource_metadata("http://localhost:8787");
        assert_eq!(metadata["resource"], "http://localhost:8787/mcp");
    }
}
