//! Hadron keys: personal API keys, the portal API behind them, and the `/mcp` endpoint
//! that verifies them on every request. One Cloudflare Worker; storage is D1.

pub mod accounts;
pub mod activity;
pub mod credentials;
pub mod crypto;
pub mod eager;
pub mod error;
pub mod header_values;
pub mod keys;
pub mod listing;
pub mod mcp;
pub mod next_path;
pub mod oauth;
pub mod password;
pub mod public_origin;
pub mod request_log;
pub mod routes;
pub mod secret_scanning;
pub mod text;
pub mod throttle;
pub mod time;
pub mod webcrypto;

mod auth;
mod entry;
mod http;
mod store;

use worker::{event, Env, ScheduleContext, ScheduledEvent};

// A panic's message and place reach the log through the `worker` crate's own panic hook
// ("Critical Error: Rust panic: …", tests/e2e/recovery.test.mjs), which also flags the
// instance for the reset in src/entry.js.

// The `fetch` export is `entry::fetch`: a request that awaits nothing gets no promise.

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    // A failure is in the log line; the next run tries again.
    let _ = http::clean_up(&env).await;
}
