//! A baseline for `make bench`, off unless the Worker runs with `BENCH_ROUTES=1` (the
//! benchmark passes it with `--var`; `wrangler.toml` never sets it).
//!
//! `/api/bench/d1-lookup` does the same single D1 query as an authenticated `/mcp`
//! request (by the hash in `X-Key-Hash`) and nothing else: no format check, no SHA-256, no
//! JSON-RPC. The benchmark POSTs it the same body as the `/mcp` request (which it does
//! not read), so the gap between the two is what our own code costs.

use std::cell::OnceCell;

use worker::Env;

use super::request::Deps;
use super::Request;

use super::response::{json_response, Response};
use crate::error::AppError;
use crate::keys::KeyHash;
use crate::store;

thread_local! {
    /// `BENCH_ROUTES`, read once per isolate as `PUBLIC_ORIGIN` is: this route is the
    /// baseline for `/mcp`, which reads no var per request.
    static ENABLED: OnceCell<bool> = const { OnceCell::new() };
}

/// The `X-Key-Hash` values that make this route panic (never a SHA-256 in hex).
const PANIC_NOW: &str = "panic";
const PANIC_AFTER_AWAIT: &str = "panic-after-await";

pub fn enabled(env: &Env) -> bool {
    ENABLED.with(|enabled| {
        *enabled.get_or_init(|| {
            env.var("BENCH_ROUTES")
                .is_ok_and(|value| value.to_string() == "1")
        })
    })
}

pub async fn d1_lookup(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let hash = req.headers().get("X-Key-Hash")?.unwrap_or_default();
    // tests/e2e/recovery.test.mjs: a panic before and after an await, and the requests
    // after it served by a fresh instance. Nothing else here can panic on purpose.
    if hash == PANIC_NOW {
        panic!("asked to panic before the D1 read");
    }
    let panic_after_await = hash == PANIC_AFTER_AWAIT;
    let found = store::find_active_key_by_hash(&deps.db()?, &KeyHash::from_stored(hash)).await?;
    if panic_after_await {
        panic!("asked to panic after the D1 read");
    }
    Ok(json_response(
        if found.is_some() { 200 } else { 404 },
        &serde_json::json!({}),
    )?)
}
