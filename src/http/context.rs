//! What every handler knows about the request it serves, worked out once at the entry:
//! the validated public origin (the one place the `Host` rule is applied), the client's
//! address, and what the log line should say about it.

use std::cell::{OnceCell, RefCell};

use worker::js_sys::Reflect;
use worker::{Env, Headers};

use super::Request;

use crate::activity::ClientMeta;
use crate::error::AppError;
use crate::public_origin::{OriginMemo, PublicOrigin};

thread_local! {
    /// The `Host` rule with `PUBLIC_ORIGIN`, made once per isolate (a var cannot change
    /// during an isolate's life, and `Env::var` costs five calls into JS: the value, its
    /// constructor's name, the comparison, the text), and its last answer.
    static ORIGIN_MEMO: OnceCell<RefCell<OriginMemo>> = const { OnceCell::new() };
}

pub struct RequestContext {
    origin: PublicOrigin,
    headers: Headers,
    /// `CF-Connecting-IP`, read when first asked for: the `/mcp` hot path never asks.
    client_ip: OnceCell<Option<String>>,
    /// The id of the key a bearer request was accepted with, for the log line.
    key_id: RefCell<Option<String>>,
}

impl RequestContext {
    /// Builds the context, or refuses a request whose `Host` is not this server's (421):
    /// before any other work, so a rebound DNS name reaches nothing.
    pub fn for_request(req: &Request, env: &Env) -> Result<Self, AppError> {
        let origin = ORIGIN_MEMO
            .with(|memo| {
                memo.get_or_init(|| {
                    let configured = env.var("PUBLIC_ORIGIN").ok().map(|value| value.to_string());
                    RefCell::new(OriginMemo::new(configured))
                })
                .borrow_mut()
                .for_request(req.href())
            })
            .map_err(AppError::MisdirectedRequest)?;
        Ok(RequestContext {
            origin,
            headers: req.headers().clone(),
            client_ip: OnceCell::new(),
            key_id: RefCell::new(None),
        })
    }

    /// The origin users reach us at, e.g. `https://keys.example.com`.
    pub fn origin(&self) -> &str {
        self.origin.as_str()
    }

    pub fn is_https(&self) -> bool {
        self.origin.is_https()
    }

    /// `CF-Connecting-IP`: set by Cloudflare on every request and not forgeable there.
    /// Absent only locally (`wrangler dev` without the header), where all such requests
    /// share one budget, `unknown`.
    pub fn client_address(&self) -> &str {
        self.client_ip().unwrap_or("unknown")
    }

    /// The same header as it came, `None` when it was absent.
    fn client_ip(&self) -> Option<&str> {
        self.client_ip
            .get_or_init(|| self.headers.get("CF-Connecting-IP").ok().flatten())
            .as_deref()
    }

    /// Where the request came from, for the activity log and a key's last use. Read when
    /// asked for (a header and `request.cf`), so paths that record nothing pay nothing.
    /// `ClientMeta::new` drops wrangler dev's placeholder country.
    pub fn client_meta(&self, req: &Request) -> ClientMeta {
        let ip = self.client_ip();
        let country = Reflect::get(req.inner(), &"cf".into())
            .and_then(|cf| Reflect::get(&cf, &"country".into()))
            .ok()
            .and_then(|country| country.as_string());
        let user_agent = req.headers().get("User-Agent").ok().flatten();
        ClientMeta::new(ip, country.as_deref(), user_agent.as_deref())
    }

    pub fn record_key(&self, key_id: &str) {
        *self.key_id.borrow_mut() = Some(key_id.to_owned());
    }

    pub fn key_id(&self) -> Option<String> {
        self.key_id.borrow().clone()
    }
}
