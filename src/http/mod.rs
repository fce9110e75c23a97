//! The Worker's HTTP surface: routing, request reading and response writing. Handlers
//! stay thin: parse the request, call the domain and the store, respond.

mod accounts;
mod api_keys;
mod bench;
mod client_documents;
mod context;
mod limits;
mod mcp;
mod oauth;
mod pages;
mod request;
mod response;
mod well_known;

use worker::{console_log, Context, Env, Method, Request, Response, Result};

use crate::auth::now_ms;
use crate::error::AppError;
use crate::store;
use context::RequestContext;
use request::Deps;
use response::error_response;

/// Handles one request and writes one structured log line for it (visible in
/// `wrangler dev` and `wrangler tail`): route, status, duration, and the key id when a
/// bearer key was accepted. Never a secret, and never the raw path, which could hold one.
pub async fn handle(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let started = now_ms();
    let method = req.method();
    let path = req.path();
    let (response, key_id) = match RequestContext::for_request(&req, &env) {
        // A foreign `Host` is refused before any other work (DNS rebinding).
        Err(refused) => (error_response(&refused)?, None),
        Ok(request) => {
            let deps = Deps { env, ctx, request };
            let response = if path == "/mcp" {
                mcp::handle(req, &deps).await?
            } else {
                route(req, &path, &deps).await?
            };
            if deps.request.is_https() {
                response.headers().set("Strict-Transport-Security", HSTS)?;
            }
            (response, deps.request.key_id())
        }
    };
    let line = serde_json::json!({
        "method": method.as_ref(),
        "route": route_name(&path),
        "status": response.status_code(),
        "duration_ms": now_ms() - started,
        "key_id": key_id,
    });
    console_log!("{line}");
    Ok(response)
}

/// Browsers that reached us over https keep doing so for a year (RFC 6797). Not
/// `includeSubDomains`: other hosts under a custom domain are not ours to decide for.
const HSTS: &str = "max-age=31536000";

/// The route a path belongs to, for logs: templates instead of ids.
fn route_name(path: &str) -> &'static str {
    match path {
        "/mcp" => "/mcp",
        "/api/auth/signup" => "/api/auth/signup",
        "/api/auth/login" => "/api/auth/login",
        "/api/auth/logout" => "/api/auth/logout",
        "/signin" => "/signin",
        "/signup" => "/signup",
        "/api/me" => "/api/me",
        "/api/keys" => "/api/keys",
        "/api/activity" => "/api/activity",
        "/api/revocation-notice" => "/api/revocation-notice",
        "/api/revocation-notice/dismiss" => "/api/revocation-notice/dismiss",
        "/.well-known/oauth-protected-resource" => "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp" => "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-authorization-server" => "/.well-known/oauth-authorization-server",
        "/oauth/register" => "/oauth/register",
        "/oauth/authorize" => "/oauth/authorize",
        "/oauth/token" => "/oauth/token",
        "/oauth/revoke" => "/oauth/revoke",
        "/api/oauth/consent" => "/api/oauth/consent",
        _ if api_keys::revoke_path_id(path).is_some() => "/api/keys/{id}/revoke",
        _ => "(unmatched)",
    }
}

/// Routes one portal API request. Static assets never get here: only the paths listed
/// in `run_worker_first` and asset misses do.
async fn route(req: Request, path: &str, deps: &Deps) -> Result<Response> {
    let result = match (req.method(), path) {
        (Method::Get, "/.well-known/oauth-protected-resource") => {
            well_known::origin_protected_resource(deps)
        }
        (Method::Get, "/.well-known/oauth-protected-resource/mcp") => {
            well_known::protected_resource(deps)
        }
        (Method::Get, "/.well-known/oauth-authorization-server") => oauth::metadata(deps),
        (Method::Post, "/oauth/register") => oauth::register(req, deps).await,
        (Method::Get, "/oauth/authorize") => oauth::authorize(req, deps).await,
        (Method::Post, "/oauth/token") => oauth::token(req, deps).await,
        (Method::Post, "/oauth/revoke") => oauth::revoke(req, deps).await,
        (Method::Get, "/api/oauth/consent") => oauth::consent_details(req, deps).await,
        (Method::Post, "/api/oauth/consent") => oauth::consent_decision(req, deps).await,
        (Method::Post, "/api/auth/signup" | "/signup") => accounts::signup(req, deps).await,
        (Method::Post, "/api/auth/login" | "/signin") => accounts::login(req, deps).await,
        (Method::Get | Method::Head, "/signin" | "/signup") => pages::static_page(req, deps).await,
        (Method::Post, "/api/auth/logout") => accounts::logout(req, deps).await,
        (Method::Get, "/api/me") => accounts::me(req, deps).await,
        (Method::Get, "/api/keys") => api_keys::list(req, deps).await,
        (Method::Post, "/api/keys") => api_keys::mint(req, deps).await,
        (Method::Get, "/api/activity") => api_keys::activity(req, deps).await,
        (Method::Get, "/api/revocation-notice") => api_keys::revocation_notice(req, deps).await,
        (Method::Post, "/api/revocation-notice/dismiss") => {
            api_keys::dismiss_revocation_notice(req, deps).await
        }
        (method, path) => match (method, api_keys::revoke_path_id(path)) {
            (Method::Post, Some(id)) => api_keys::revoke(req, deps, &id).await,
            (_, Some(_)) => Err(AppError::MethodNotAllowed("POST")),
            (Method::Get | Method::Post, None)
                if path == bench::LOOKUP_PATH && bench::enabled(&deps.env) =>
            {
                bench::d1_lookup(req, &deps.env).await
            }
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
        "/signin" | "/signup" => AppError::MethodNotAllowed("GET, HEAD, POST"),
        "/api/me"
        | "/.well-known/oauth-protected-resource"
        | "/.well-known/oauth-protected-resource/mcp" => AppError::MethodNotAllowed("GET"),
        "/api/keys" | "/api/oauth/consent" => AppError::MethodNotAllowed("GET, POST"),
        "/api/activity" | "/api/revocation-notice" => AppError::MethodNotAllowed("GET"),
        "/api/revocation-notice/dismiss" => AppError::MethodNotAllowed("POST"),
        "/oauth/register" | "/oauth/token" | "/oauth/revoke" => AppError::MethodNotAllowed("POST"),
        "/oauth/authorize" | "/.well-known/oauth-authorization-server" => {
            AppError::MethodNotAllowed("GET")
        }
        _ => AppError::NotFound,
    }
}

/// The scheduled cleanup (the Cron Trigger in wrangler.toml): what expired, what no one
/// uses, so that nothing anonymous grows D1 without bound. Logged like a request.
pub async fn clean_up(env: &Env) -> Result<()> {
    let started = now_ms();
    let outcome = store::clean_up(&env.d1("DB")?, started).await;
    let line = serde_json::json!({
        "event": "scheduled",
        "task": "cleanup",
        "ok": outcome.is_ok(),
        "duration_ms": now_ms() - started,
    });
    console_log!("{line}");
    outcome
}
