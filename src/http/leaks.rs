//! `POST /api/secret-scanning/github`: GitHub's secret scanning partner program. GitHub
//! finds one of our keys in public code and reports it, signed; every reported key that
//! is ours is revoked at once, with the reason `leaked` and where it was found. The rules
//! (headers, signature, body) are in `crate::secret_scanning`; docs/secret-scanning.md
//! says how an operator enrols.

use std::cell::RefCell;

use worker::{Fetch, Headers, Method, RequestInit};

use super::Request;

use super::limits;
use super::request::{read_body, Deps};
use super::response::{json_response, Response};
use crate::auth::now_ms;
use crate::error::AppError;
use crate::keys::ApiKey;
use crate::secret_scanning::{
    feedback, fetched_keys_serve, GitHubPublicKeys, Label, ReportError, SignedReport, VerifyError,
    KEY_IDENTIFIER_HEADER, MAX_KEYS_DOCUMENT_BYTES, MAX_REPORT_BYTES, PUBLIC_KEYS_URL,
    SIGNATURE_HEADER,
};
use crate::store;
use crate::throttle;
use crate::webcrypto::WebCrypto;

thread_local! {
    /// GitHub's keys as last fetched, and when.
    static FETCHED_KEYS: RefCell<Option<(i64, String)>> = const { RefCell::new(None) };
}

pub async fn github_report(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let attempt = limits::count(
        &db,
        &throttle::LEAK_REPORT_FAILURES_PER_ADDRESS,
        deps.request.client_address(),
    )
    .await?;
    let body = read_body(&mut req, MAX_REPORT_BYTES).await?;
    let key_identifier = req.headers().get(KEY_IDENTIFIER_HEADER)?;
    let signature = req.headers().get(SIGNATURE_HEADER)?;

    let mut keys = public_keys(deps, false).await?;
    let report = match SignedReport::new(
        &keys,
        key_identifier.as_deref(),
        signature.as_deref(),
        body.clone(),
    ) {
        // GitHub may have rotated its keys since this isolate fetched them: ask once more.
        Err(ReportError::UnknownKeyIdentifier) if is_fetched(deps) => {
            keys = public_keys(deps, true).await?;
            SignedReport::new(&keys, key_identifier.as_deref(), signature.as_deref(), body)
        }
        other => other,
    }
    .map_err(refused)?;
    let verified = match report.verify(&WebCrypto).await {
        Ok(verified) => verified,
        Err(VerifyError::Rejected(error)) => return Err(refused(error)),
        Err(VerifyError::Verifier(error)) => return Err(error.into()),
    };
    attempt.refund(&db).await?;

    // Only our own key format can be one of our keys; anything else is answered without
    // a lookup.
    let keys: Vec<Option<ApiKey>> = verified
        .tokens()
        .iter()
        .map(|token| ApiKey::parse(token.expose_secret()))
        .collect();
    let reported: Vec<_> = verified
        .tokens()
        .iter()
        .zip(&keys)
        .filter_map(|(token, key)| key.as_ref().map(|key| (key.hash(), token.url())))
        .collect();
    let mut found = store::report_leaks(&db, &reported, now_ms())
        .await?
        .into_iter();
    let verdicts = verified.tokens().iter().zip(&keys).map(|(token, key)| {
        // `found` has one answer per reported key, in order.
        let label = if key.is_some() && found.next().unwrap_or(false) {
            Label::TruePositive
        } else {
            Label::FalsePositive
        };
        (token, label)
    });
    Ok(json_response(200, &feedback(verdicts))?)
}

/// Every refused report is a 4xx that says no more than what kind of problem it was.
fn refused(error: ReportError) -> AppError {
    match error {
        ReportError::MissingKeyIdentifier
        | ReportError::UnknownKeyIdentifier
        | ReportError::MissingSignature
        | ReportError::MalformedSignature(_)
        | ReportError::SignatureMismatch => AppError::InvalidSignature,
        ReportError::BodyTooLarge => AppError::PayloadTooLarge {
            limit_bytes: MAX_REPORT_BYTES,
        },
        ReportError::MalformedBody | ReportError::TooManyTokens | ReportError::FieldTooLong(_) => {
            AppError::bad_request(
                "invalid_report",
                "The report is not a JSON array of at most 100 {token, type, url, source} objects.",
            )
        }
    }
}

/// Whether GitHub's keys come from its API (not from `GITHUB_SECRET_SCANNING_KEYS`).
fn is_fetched(deps: &Deps) -> bool {
    configured_keys(deps).is_none()
}

/// `GITHUB_SECRET_SCANNING_KEYS`: the same document GitHub publishes, for tests and local
/// runs (`.dev.vars`); when set, nothing is fetched.
fn configured_keys(deps: &Deps) -> Option<String> {
    deps.env
        .var("GITHUB_SECRET_SCANNING_KEYS")
        .ok()
        .map(|value| value.to_string())
        .filter(|value| !value.trim().is_empty())
}

/// GitHub's secret scanning keys: configured, kept from an earlier fetch in this isolate
/// (an hour), or fetched now. `refresh`: a report named a key we lack, so fetch again
/// unless the kept keys are too fresh for that (`fetched_keys_serve`).
async fn public_keys(deps: &Deps, refresh: bool) -> Result<GitHubPublicKeys, AppError> {
    let document = match configured_keys(deps) {
        Some(document) => document,
        None => {
            let now = now_ms();
            let kept = FETCHED_KEYS.with(|cell| {
                cell.borrow()
                    .as_ref()
                    .filter(|(fetched_at, _)| fetched_keys_serve(*fetched_at, now, refresh))
                    .map(|(_, document)| document.clone())
            });
            match kept {
                Some(document) => document,
                None => {
                    let document = fetch_keys().await?;
                    FETCHED_KEYS.with(|cell| *cell.borrow_mut() = Some((now, document.clone())));
                    document
                }
            }
        }
    };
    GitHubPublicKeys::parse(&document).map_err(|error| {
        AppError::Internal(format!(
            "GitHub's secret scanning keys do not parse: {error:?}"
        ))
    })
}

async fn fetch_keys() -> Result<String, AppError> {
    let headers = Headers::new();
    headers.set("Accept", "application/json")?;
    // GitHub's API refuses requests without a User-Agent.
    headers.set("User-Agent", "hadron-keys")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let request = worker::Request::new_with_init(PUBLIC_KEYS_URL, &init)?;
    let mut response = Fetch::Request(request).send().await?;
    if response.status_code() != 200 {
        return Err(AppError::Internal(format!(
            "GitHub's secret scanning keys: HTTP {}",
            response.status_code()
        )));
    }
    let document = response.text().await?;
    if document.len() > MAX_KEYS_DOCUMENT_BYTES {
        return Err(AppError::Internal(
            "GitHub's secret scanning keys are larger than expected".into(),
        ));
    }
    Ok(document)
}
