//! Discovery documents.

use serde_json::json;
use worker::{Request, Response};

use super::request::{public_origin, Deps};
use super::response::json_response;
use crate::error::AppError;

/// RFC 9728 protected resource metadata for `/mcp`.
pub fn protected_resource(req: &Request, deps: &Deps) -> Result<Response, AppError> {
    let origin = public_origin(req, &deps.env)?;
    let document = json!({
        "resource": format!("{origin}/mcp"),
        "authorization_servers": [origin],
        "bearer_methods_supported": ["header"],
        "resource_name": "Hadron MCP",
    });
    Ok(json_response(200, &document)?)
}
