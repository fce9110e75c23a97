//! Discovery documents.

use worker::Response;

use super::request::Deps;
use super::response::json_response;
use crate::error::AppError;
use crate::oauth::metadata::{mcp_resource, protected_resource_metadata};

/// RFC 9728 protected resource metadata for `/mcp`, at
/// `/.well-known/oauth-protected-resource/mcp`.
pub fn protected_resource(deps: &Deps) -> Result<Response, AppError> {
    let origin = deps.origin();
    Ok(json_response(
        200,
        &protected_resource_metadata(origin, &mcp_resource(origin)),
    )?)
}

/// The same metadata at the path-less well-known URL, for clients that look there first.
/// There RFC 9728 §3.3 makes the resource the origin itself, which the authorization
/// server accepts as naming `/mcp` too.
pub fn origin_protected_resource(deps: &Deps) -> Result<Response, AppError> {
    let origin = deps.origin();
    Ok(json_response(
        200,
        &protected_resource_metadata(origin, origin),
    )?)
}
