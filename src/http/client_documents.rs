//! Fetching Client ID Metadata Documents, and keeping them in D1 within the bounds of
//! their `Cache-Control`. The rules for what a document must hold are in
//! `crate::oauth::metadata_document`; this is the I/O around them.
//!
//! The fetch is a GET that never follows a redirect, gives up after
//! [`FETCH_TIMEOUT_MS`], and reads at most [`MAX_DOCUMENT_BYTES`] (plus one, to tell "too
//! large" from "exactly the limit"). Which addresses it may reach is the platform's
//! business: `global_fetch_strictly_public` (wrangler.toml) keeps it off private networks,
//! and `DocumentUrl` refuses IP literals and local names before anything is sent.

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{
    AbortController, AbortSignal, Delay, Env, Fetch, Headers, Method, Request, RequestInit,
    RequestRedirect, ResponseBody,
};

use super::request::read_capped;
use crate::error::AppError;
use crate::oauth::metadata_document::{
    cache_ttl_ms, parse_document, ClientDocument, DocumentError, DocumentUrl, FETCH_TIMEOUT_MS,
    MAX_DOCUMENT_BYTES,
};
use crate::oauth::redirect_uri::RedirectUri;
use crate::oauth::registration::TokenEndpointAuthMethod;
use crate::store::{self, CachedDocument, FetchedClient, OAuthClient};

/// `CIMD_ALLOW_INSECURE_LOOPBACK=1` (from `.dev.vars` or `--var`, never wrangler.toml)
/// admits `http://127.0.0.1:<port>/…` and `http://localhost:<port>/…` documents.
pub fn allow_insecure_loopback(env: &Env) -> bool {
    env.var("CIMD_ALLOW_INSECURE_LOOPBACK")
        .is_ok_and(|value| value.to_string() == "1")
}

/// The client a document URL names: the cached copy while it is fresh, otherwise the
/// document fetched and checked anew (and cached). The outer error is ours (D1), the
/// inner one the document's, which the user is shown.
pub async fn document_client(
    db: &worker::D1Database,
    url: &DocumentUrl,
    now: i64,
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
    let timeout = Delay::from(Duration::from_millis(FETCH_TIMEOUT_MS));
    match select(attempt, timeout).await {
        Either::Left((result, _)) => result,
        Either::Right(((), attempt)) => {
            drop(attempt);
            controller.abort();
            Err(DocumentError::Unreachable)
        }
    }
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
