//! The Worker's HTTP surface: routing, request reading and response writing. Handlers
//! stay thin: parse the request, call the domain and the store, respond.

mod accounts;
mod api_keys;
mod mcp;
mod request;
mod response;
mod well_known;

use worker::{Context, Env, Method, Request, Response, Result};

use crate::error::AppError;
use request::Deps;
use response::error_response;

/// Routes one request. Static assets never get here: only the paths listed in
/// `run_worker_first` and asset misses do.
pub async fn route(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    if path == "/mcp" {
        return mcp::handle(req, env, ctx).await;
    }
    let deps = Deps { env, ctx };
    let result = match (req.method(), path.as_str()) {
        (
            Method::Get,
            "/.well-known/oauth-protected-resource" | "/.well-known/oauth-protected-resource/mcp",
        ) => well_known::protected_resource(&req, &deps),
        (Method::Post, "/api/auth/signup") => accounts::signup(req, &deps).await,
        (Method::Post, "/api/auth/login") => accounts::login(req, &deps).await,
        (Method::Post, "/api/auth/logout") => accounts::logout(req, &deps).await,
        (Method::Get, "/api/me") => accounts::me(req, &deps).await,
        (Method::Get, "/api/keys") => api_keys::list(req, &deps).await,
        (Method::Post, "/api/keys") => api_keys::mint(req, &deps).await,
        (method, path) => match (method, api_keys::revoke_path_id(path)) {
            (Method::Post, Some(id)) => api_keys::revoke(req, &deps, &id).await,
            (_, Some(_)) => Err(AppError::MethodNotAllowed("POST")),
            (_, None) => Err(method_not_allowed_or_not_found(path)),
        },
    };
    result.or_else(|error| error_response(&error))
}

/// A known path with the wrong method is a 405 that names the right one; anything
/// else is the one generic 404.
fn method_not_allowed_or_not_found(path: &str) -> AppError {
    match path {
        "/api/auth/signup" | "/api/auth/login" | "/api/auth/logout" => {
            AppError::MethodNotAllowed("POST")
        }
        "/api/me"
        | "/.well-known/oauth-protected-resource"
        | "/.well-known/oauth-protected-resource/mcp" => AppError::MethodNotAllowed("GET"),
        "/api/keys" => AppError::MethodNotAllowed("GET, POST"),
        _ => AppError::NotFound,
    }
}
