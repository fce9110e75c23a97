//! Discovery documents.

use worker::{Request, Response};

use super::request::{public_origin, Deps};
use super::response::json_response;
use crate::error::AppError;
use crate::oauth::metadata::protected_resource_metadata;

/// RFC 9728 protected resource metadata for `/mcp`.
pub fn protected_resource(req: &Request, deps: &Deps) -> Result<Response, AppError> {
    let origin = public_origin(req, &deps.env)?;
    Ok(json_response(200, &protected_resource_metadata(&origin))?)
}
