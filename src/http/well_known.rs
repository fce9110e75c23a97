//! Discovery documents.

use std::cell::RefCell;

use super::request::Deps;
use super::response::{json_text_response, Response};
use crate::error::AppError;
use crate::oauth::metadata::{mcp_resource, protected_resource_metadata};

thread_local! {
    /// Each document serialised once per origin (the origin is fixed in production, so
    /// this is once per isolate): (origin, document) for `/mcp`, then for the origin.
    static MCP_DOCUMENT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    static ORIGIN_DOCUMENT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// The document in `cache` for `origin`, made by `make` when the origin is new.
fn cached(
    cache: &'static std::thread::LocalKey<RefCell<Option<(String, String)>>>,
    origin: &str,
    make: impl FnOnce() -> String,
) -> String {
    cache.with(|cell| {
        let mut cell = cell.borrow_mut();
        match &*cell {
            Some((cached_origin, document)) if cached_origin == origin => document.clone(),
            _ => {
                let document = make();
                *cell = Some((origin.to_owned(), document.clone()));
                document
            }
        }
    })
}

/// RFC 9728 protected resource metadata for `/mcp`, at
/// `/.well-known/oauth-protected-resource/mcp`.
pub fn protected_resource(deps: &Deps) -> Result<Response, AppError> {
    let origin = deps.origin();
    let document = cached(&MCP_DOCUMENT, origin, || {
        protected_resource_metadata(origin, &mcp_resource(origin)).to_string()
    });
    Ok(json_text_response(200, &document)?)
}

/// The same metadata at the path-less well-known URL, for clients that look there first.
/// There RFC 9728 §3.3 makes the resource the origin itself, which the authorization
/// server accepts as naming `/mcp` too.
pub fn origin_protected_resource(deps: &Deps) -> Result<Response, AppError> {
    let origin = deps.origin();
    let document = cached(&ORIGIN_DOCUMENT, origin, || {
        protected_resource_metadata(origin, origin).to_string()
    });
    Ok(json_text_response(200, &document)?)
}
