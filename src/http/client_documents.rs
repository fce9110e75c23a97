//! Fetching Client ID Metadata Documents, and keeping them in D1 within the bounds of
//! their `Cache-Control`. The rules for what a document must hold are in
//! `crate::oauth::metadata_document`; this is the I/O around them.
//!
//! The fetch is a GET that never follows a redirect, gives up after
//! [`FETCH_TIMEOUT_MS`], and reads at most [`MAX_DOCUMENT_BYTES`] (plus one, to tell "too
//! large" from "exactly the limit"). Which addresses it may reach is the platform's
//! business: `global_fetch_strictly_public` (wrangler.toml) keeps it off private networks,
//! and `DocumentUrl` refuses IP literals and local names before anything is sent.

use futures_util::future::{select, Either};
use worker::js_sys::{Promise, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;
use worker::{
    AbortController, AbortSignal, Env, Fetch, Headers, Method, Request, RequestInit,
    RequestRedirect, ResponseBody,
};

use super::limits;
use crate::error::AppError;
use crate::oauth::metadata_document::{
    cache_ttl_ms, parse_document, ClientDocument, DocumentError, DocumentUrl, FETCH_TIMEOUT_MS,
    MAX_DOCUMENT_BYTES,
};
use crate::oauth::redirect_uri::RedirectUri;
use crate::oauth::registration::TokenEndpointAuthMethod;
use crate::store::{self, CachedDocument, FetchedClient, OAuthClient};
use crate::throttle;

/// `CIMD_ALLOW_INSECURE_LOOPBACK=1` (from `.dev.vars` or `--var`, never wrangler.toml)
/// admits `http://127.0.0.1:<port>/…` and `http://localhost:<port>/…` documents.
pub fn allow_insecure_loopback(env: &Env) -> bool {
    env.var("CIMD_ALLOW_INSECURE_LOOPBACK")
        .is_ok_and(|value| value.to_string() == "1")
}

/// The client a document URL names: the cached copy while it is fresh, otherwise the
/// document fetched and checked anew (and cached) — a fetch counted against the address
/// of the client that asked for it. The outer error is ours (D1, or the limit), the inner
/// one the document's, which the user is shown.
pub async fn document_client(
    db: &worker::D1Database,
    url: &DocumentUrl,
    now: i64,
    client_address: &str,
) -> Result<Result<OAuthClient, DocumentError>, AppError> {
    let id = url.internal_id();
    if let Some(cached) = store::find_client(db, &id).await? {
        if cached
            .document
            .as_ref()
            .is_some_and(|document| document.url == url.as_str() && document.expires_at > now)
        {
            return Ok(Ok(cached));
        }
    }
    limits::count(db, &throttle::DOCUMENT_FETCHES_PER_ADDRESS, client_address).await?;
    let (document, ttl_ms) = match fetch(url).await {
        Ok(fetched) => fetched,
        Err(error) => return Ok(Err(error)),
    };
    let redirect_uris: Vec<&str> = document
        .redirect_uris
        .iter()
        .map(RedirectUri::as_str)
        .collect();
    let expires_at = now + ttl_ms;
    store::upsert_document_client(
        db,
        &FetchedClient {
            id: &id,
            url: url.as_str(),
            client_name: &document.client_name,
            redirect_uris: &redirect_uris,
            client_uri: document.client_uri.as_deref(),
            now,
            expires_at,
        },
    )
    .await?;
    Ok(Ok(OAuthClient {
        id,
        redirect_uris: redirect_uris.iter().map(|uri| (*uri).to_owned()).collect(),
        client_name: document.client_name,
        token_endpoint_auth_method: TokenEndpointAuthMethod::None,
        client_secret_hash: None,
        client_uri: document.client_uri,
        document: Some(CachedDocument {
            url: url.as_str().to_owned(),
            expires_at,
        }),
    }))
}

/// GETs the document within the time limit; the checked document and how long to keep it.
async fn fetch(url: &DocumentUrl) -> Result<(ClientDocument, i64), DocumentError> {
    let controller = AbortController::default();
    let attempt = Box::pin(fetch_and_read(url, controller.signal()));
    let timeout = timeout(FETCH_TIMEOUT_MS);
    match select(attempt, timeout).await {
        Either::Left((result, _)) => result,
        Either::Right((_, attempt)) => {
            drop(attempt);
            controller.abort();
            Err(DocumentError::Unreachable)
        }
    }
}

/// A promise that `setTimeout` resolves after `ms`, awaited as any other. Not
/// `worker::Delay`: it wakes its task before it records that it fired, and the request's
/// executor (`crate::eager`) polls inside the wake, so the request would hang. A timer left
/// running once the fetch has won resolves a promise nobody awaits.
fn timeout(ms: u64) -> JsFuture {
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let ms = i32::try_from(ms).unwrap_or(i32::MAX);
    JsFuture::from(Promise::new(&mut |resolve, _| {
        // No timer (never seen): resolved at once, so the time is up rather than never.
        if global
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .is_err()
        {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }))
}

async fn fetch_and_read(
    url: &DocumentUrl,
    signal: AbortSignal,
) -> Result<(ClientDocument, i64), DocumentError> {
    let unreachable = |_| DocumentError::Unreachable;
    let headers = Headers::new();
    headers
        .set("Accept", "application/json")
        .map_err(unreachable)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(headers)
        // The draft: "MUST NOT automatically follow HTTP redirects". A 3xx is an error.
        .with_redirect(RequestRedirect::Manual);
    let request = Request::new_with_init(url.as_str(), &init).map_err(unreachable)?;
    let response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(unreachable)?;
    let status = response.status_code();
    if status != 200 {
        return Err(DocumentError::Status(status));
    }
    let content_type = response.headers().get("Content-Type").ok().flatten();
    let cache_control = response.headers().get("Cache-Control").ok().flatten();
    let body = match response.body() {
        ResponseBody::Stream(stream) => read_capped(stream.clone(), MAX_DOCUMENT_BYTES)
            .await
            .map_err(|_| DocumentError::Unreachable)?
            .ok_or(DocumentError::TooLarge)?,
        ResponseBody::Empty | ResponseBody::Body(_) => Vec::new(),
    };
    let document = parse_document(url, status, content_type.as_deref(), &body)?;
    Ok((document, cache_ttl_ms(cache_control.as_deref())))
}

/// Reads a response body to its end, or stops as soon as it would hold more than `limit`
/// bytes (`None`, and the download is cancelled): whatever the server declared, no more
/// than `limit` bytes are buffered.
async fn read_capped(
    body: web_sys::ReadableStream,
    limit: usize,
) -> Result<Option<Vec<u8>>, JsValue> {
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::new();
    loop {
        let result: web_sys::ReadableStreamReadResult =
            JsFuture::from(reader.read()).await?.unchecked_into();
        if result.get_done().unwrap_or(true) {
            return Ok(Some(bytes));
        }
        let chunk = Uint8Array::new(&result.get_value());
        let start = bytes.len();
        let end = start + chunk.length() as usize;
        if end > limit {
            let _ = reader.cancel();
            return Ok(None);
        }
        bytes.resize(end, 0);
        chunk.copy_to(&mut bytes[start..]);
    }
}
