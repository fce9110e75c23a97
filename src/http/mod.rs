//! The Worker's HTTP surface: routing, request reading and response writing. Handlers
//! stay thin: parse the request, call the domain and the store, respond.

mod accounts;
mod api_keys;
mod bench;
mod client_documents;
mod context;
mod leaks;
mod limits;
mod mcp;
mod oauth;
mod pages;
mod request;
mod response;
mod well_known;

use wasm_bindgen::prelude::wasm_bindgen;
use worker::{console_log, Context, Env, Result};

use crate::auth::now_ms;
use crate::error::AppError;
use crate::request_log::RequestLog;
use crate::routes::{self, Endpoint, Routing};
use crate::store;
use context::RequestContext;
use request::Deps;
pub(crate) use request::Request;
pub(crate) use response::error_response;
pub(crate) use response::Response;

/// Handles one request and writes one structured log line for it (visible in
/// `wrangler dev` and `wrangler tail`): route, status, duration, and the key id when a
/// bearer key was accepted. Never a secret, and never the raw path, which could hold one.
pub async fn handle(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let started = now_ms();
    let method = req.method();
    let path = req.path().to_owned();
    let routing = routes::route(method.as_ref(), &path);
    let (response, key_id) = match RequestContext::for_request(&req, &env) {
        // A foreign `Host` is refused before any other work (DNS rebinding).
        Err(refused) => (error_response(&refused)?, None),
        Ok(request) => {
            let deps = Deps { env, ctx, request };
            let response = dispatch(req, &routing, &deps)
                .await
                .or_else(|error| error_response(&error))?;
            if deps.request.is_https() {
                response.headers().set("Strict-Transport-Security", HSTS)?;
            }
            (response, deps.request.key_id())
        }
    };
    let line = RequestLog {
        method: method.as_ref(),
        route: routing.log_name(),
        status: response.status(),
        duration_ms: now_ms() - started,
        key_id: key_id.as_deref(),
    }
    .to_line();
    log_soon(&line);
    Ok(response)
}

#[wasm_bindgen(
    inline_js = "export function log_soon(line) { queueMicrotask(() => console.log(line)); }"
)]
extern "C" {
    /// Writes the request's log line from a microtask of its own, in one crossing:
    /// `console.log` called with nothing else on the stack. With an inspector attached
    /// (`wrangler dev`) every console call carries its stack trace, and from inside the
    /// request's future that stack is the whole executor and handler chain.
    fn log_soon(line: &str);
}

/// Browsers that reached us over https keep doing so for a year (RFC 6797). Not
/// `includeSubDomains`: other hosts under a custom domain are not ours to decide for.
const HSTS: &str = "max-age=31536000";

/// Hands a routed request to its endpoint's handler (`crate::routes` is the table).
/// Static assets never get here: only the paths in `run_worker_first` and asset misses do.
async fn dispatch(req: Request, routing: &Routing<'_>, deps: &Deps) -> Result<Response, AppError> {
    let (endpoint, param) = match routing {
        Routing::Found {
            endpoint, param, ..
        } => (*endpoint, *param),
        // The benchmark's route does not exist unless the benchmark turned it on.
        Routing::MethodNotAllowed { template, .. }
            if *template == routes::BENCH_LOOKUP && !bench::enabled(&deps.env) =>
        {
            return Err(AppError::NotFound)
        }
        Routing::MethodNotAllowed { allow, .. } => {
            return Err(AppError::MethodNotAllowed(allow.clone()))
        }
        Routing::NotFound => return Err(AppError::NotFound),
    };
    match endpoint {
        Endpoint::Mcp => Ok(mcp::handle(req, deps).await?),
        Endpoint::ProtectedResource => well_known::protected_resource(deps),
        Endpoint::OriginProtectedResource => well_known::origin_protected_resource(deps),
        Endpoint::AuthorizationServerMetadata => oauth::metadata(deps),
        Endpoint::Register => oauth::register(req, deps).await,
        Endpoint::Authorize => oauth::authorize(req, deps).await,
        Endpoint::Token => oauth::token(req, deps).await,
        Endpoint::Revoke => oauth::revoke(req, deps).await,
        Endpoint::ConsentDetails => oauth::consent_details(req, deps).await,
        Endpoint::ConsentDecision => oauth::consent_decision(req, deps).await,
        Endpoint::SignUp => accounts::signup(req, deps).await,
        Endpoint::SignIn => accounts::login(req, deps).await,
        Endpoint::SignOut => accounts::logout(req, deps).await,
        Endpoint::Me => accounts::me(req, deps).await,
        Endpoint::ListKeys => api_keys::list(req, deps).await,
        Endpoint::MintKey => api_keys::mint(req, deps).await,
        Endpoint::RevokeKey => api_keys::revoke(req, deps, param.unwrap_or_default()).await,
        Endpoint::AuthPage => pages::static_page(req, deps).await,
        Endpoint::Activity => api_keys::activity(req, deps).await,
        Endpoint::RevocationNotice => api_keys::revocation_notice(req, deps).await,
        Endpoint::DismissRevocationNotice => api_keys::dismiss_revocation_notice(req, deps).await,
        Endpoint::LeakReport => leaks::github_report(req, deps).await,
        Endpoint::BenchLookup if bench::enabled(&deps.env) => bench::d1_lookup(req, deps).await,
        Endpoint::BenchLookup => Err(AppError::NotFound),
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
