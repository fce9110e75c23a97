//! The OAuth 2.1 authorization server MCP clients sign in through. The rules live in
//! `crate::oauth`; these handlers read requests, talk to the store and respond.
//!
//! The flow: `GET /oauth/authorize` checks the request and sends the browser to the
//! consent page (`/app/oauth/consent`, a portal page that signs the user in first). That
//! page reads `GET /api/oauth/consent` and posts the decision to `POST /api/oauth/consent`
//! (same-origin, session, CSRF token), which answers where to send the browser: back to
//! the client with a code, or with `access_denied`. The client then exchanges the code
//! at `POST /oauth/token` for an ordinary `hdr_user_` key.
//!
//! Until the signed-in user has decided, nothing redirects off the site: a request that
//! fails its checks is shown on Hadron's own error page, with a link that names where it
//! would go (RFC 9700 §4.11.2: no open redirector).

use super::Request;
use serde_json::{json, Value};

use super::api_keys::too_many_keys;
use super::client_documents::{allow_insecure_loopback, document_client};
use super::limits;
use super::request::{
    optional_string, read_body, read_json_object, require_same_origin, required_string, Deps,
};
use super::response::{empty_response, json_response, redirect, set_security_headers, Response};
use crate::activity::ActivityKind;
use crate::auth::{now_ms, signed_in_session};
use crate::crypto::constant_time_eq;
use crate::error::AppError;
use crate::keys::{ApiKey, KeyId, Label, RevocationReason, Source};
use crate::oauth::authorize::{
    code_redirect_url, error_redirect_url, requested_client_id, validate_authorize_request,
    AuthorizeError, AuthorizeErrorCode, AuthorizeRequest, RequestedClient,
};
use crate::oauth::consent::{consent_csrf_token, Destination};
use crate::oauth::error::OAuthError;
use crate::oauth::error_page;
use crate::oauth::form;
use crate::oauth::metadata::{authorization_server_metadata, mcp_resource};
use crate::oauth::registration::{parse_registration, ClientId, ClientSecret, RegistrationError};
use crate::oauth::revocation::parse_revocation_request;
use crate::oauth::token::{
    authenticate_client, check_code_binding, parse_token_request, presented_client,
    proves_possession, token_response, AuthorizationCode, PresentedClient, StoredCode,
    TOKEN_RESPONSE_HEADERS,
};
use crate::store::{
    self, NewActivity, NewClient, NewCode, NewKey, OAuthClient, Revocation,
    MAX_ACTIVE_KEYS_PER_USER,
};
use crate::throttle;

/// Where `GET /oauth/authorize` sends the browser once the request checks out.
const CONSENT_PAGE: &str = "/app/oauth/consent";
/// The portal page a request that cannot continue is shown on (`portal/pages/oauth/error.html`).
const ERROR_PAGE: &str = "/oauth/error";

/// How an OAuth endpoint fails: with an answer the protocol defines (`E`: an RFC 6749
/// error, an authorization error, a registration error), or on our side (a 500).
enum Failure<E> {
    Protocol(E),
    Internal(AppError),
}

impl<E> From<AppError> for Failure<E> {
    fn from(error: AppError) -> Self {
        Failure::Internal(error)
    }
}

impl<E> From<worker::Error> for Failure<E> {
    fn from(error: worker::Error) -> Self {
        Failure::Internal(error.into())
    }
}

impl From<OAuthError> for Failure<OAuthError> {
    fn from(error: OAuthError) -> Self {
        Failure::Protocol(error)
    }
}

impl From<AuthorizeError> for Failure<AuthorizeError> {
    fn from(error: AuthorizeError) -> Self {
        Failure::Protocol(error)
    }
}

impl From<RegistrationError> for Failure<RegistrationError> {
    fn from(error: RegistrationError) -> Self {
        Failure::Protocol(error)
    }
}

impl<E> Failure<E> {
    /// The response for a protocol failure, written by `answer`; internal ones stay errors.
    fn respond(
        self,
        answer: impl FnOnce(E) -> Result<Response, AppError>,
    ) -> Result<Response, AppError> {
        match self {
            Failure::Protocol(error) => answer(error),
            Failure::Internal(error) => Err(error),
        }
    }
}

/// OAuth request bodies are small; a registration with ten long redirect URIs still fits.
const MAX_OAUTH_BODY_BYTES: usize = 4 * 1024;

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub fn metadata(deps: &Deps) -> Result<Response, AppError> {
    Ok(json_response(
        200,
        &authorization_server_metadata(deps.origin()),
    )?)
}

// ---- registration (RFC 7591) --------------------------------------------------------

/// `POST /oauth/register`. Each registration is a stored client, so the client's address
/// may register only so many, and the request is small.
pub async fn register(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    match registration(&mut req, deps).await {
        Ok(body) => Ok(json_response(201, &body)?),
        Err(failure) => {
            failure.respond(|error| Ok(json_response(error.status(), &error.to_json())?))
        }
    }
}

async fn registration(req: &mut Request, deps: &Deps) -> Result<Value, Failure<RegistrationError>> {
    let db = deps.db()?;
    limits::count(
        &db,
        &throttle::REGISTRATIONS_PER_ADDRESS,
        deps.request.client_address(),
    )
    .await?;
    let body = match read_json_object(req, MAX_OAUTH_BODY_BYTES, false).await {
        Ok(body) => Value::Object(body),
        Err(AppError::BadRequest { message, .. }) => {
            return Err(RegistrationError::metadata(message).into())
        }
        Err(other) => return Err(other.into()),
    };
    let registration = parse_registration(&body)?;
    let client_id = ClientId::generate();
    let secret = registration
        .token_endpoint_auth_method
        .issues_secret()
        .then(ClientSecret::generate);
    let now = now_ms();
    let response = registration.response_json(&client_id, now, secret.as_ref());
    let redirect_uris: Vec<&str> = registration
        .redirect_uris
        .iter()
        .map(|uri| uri.as_str())
        .collect();
    let secret_hash = secret.as_ref().map(ClientSecret::hash);
    store::insert_client(
        &db,
        &NewClient {
            id: client_id.as_str(),
            client_name: &registration.client_name,
            redirect_uris: &redirect_uris,
            token_endpoint_auth_method: registration.token_endpoint_auth_method.as_str(),
            client_secret_hash: secret_hash.as_ref(),
            client_uri: registration.client_uri.as_deref(),
            now,
        },
    )
    .await?;
    Ok(response)
}

// ---- authorization -------------------------------------------------------------------

/// The query of an authorization request as parameters, and as the raw string that is
/// handed on to the consent page.
fn query_params(req: &Request) -> Result<(String, Vec<(String, String)>), AppError> {
    let query = req.url()?.query().unwrap_or_default().to_owned();
    let params = form::parse(&query);
    Ok((query, params))
}

/// An authorization request that checked out, with the client it is for.
struct Checked {
    requested: RequestedClient,
    client: OAuthClient,
    request: AuthorizeRequest,
}

/// Checks an authorization request against the client it names: a registered one, or one
/// known by its metadata document (fetched, or cached in D1).
async fn check_request(
    params: &[(String, String)],
    deps: &Deps,
    origin: &str,
) -> Result<Checked, Failure<AuthorizeError>> {
    let requested = requested_client_id(params, allow_insecure_loopback(&deps.env))?;
    let db = deps.db()?;
    let not_redirectable = |description: String| AuthorizeError::NotRedirectable { description };
    let client = match &requested {
        RequestedClient::Registered(id) => match store::find_client(&db, id).await? {
            // A document client is known by its URL only, never by its derived id.
            Some(client) if client.document.is_none() => client,
            _ => {
                return Err(not_redirectable(
                    "No client is registered under this client_id.".into(),
                )
                .into())
            }
        },
        RequestedClient::Document(url) => {
            document_client(&db, url, now_ms(), deps.request.client_address())
                .await?
                .map_err(|error| not_redirectable(error.to_string()))?
        }
    };
    let request = validate_authorize_request(
        params,
        &requested,
        &client.redirect_uris,
        &mcp_resource(origin),
    )?;
    Ok(Checked {
        requested,
        client,
        request,
    })
}

/// `GET /oauth/authorize`: a good request goes to the consent page; anything else is
/// Hadron's error page — never a redirect, since the user has not decided anything yet.
pub async fn authorize(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let origin = deps.origin();
    let (query, params) = query_params(&req)?;
    match check_request(&params, deps, origin).await {
        Ok(_) => redirect(302, &format!("{CONSENT_PAGE}?{query}")),
        Err(Failure::Protocol(error)) => error_page(&error, deps).await,
        Err(Failure::Internal(error)) => Err(error),
    }
}

/// The way back to the client for an error it should hear about: where the link goes and
/// the words that name it.
fn return_link(error: &AuthorizeError, origin: &str) -> Option<(String, String)> {
    let AuthorizeError::Redirect { redirect_uri, .. } = error else {
        return None;
    };
    let url = error.redirect_url(origin)?;
    Some((url, Destination::of(redirect_uri).label()))
}

fn invalid_authorization_request(
    error: &AuthorizeError,
    origin: &str,
) -> Result<Response, AppError> {
    let link = return_link(error, origin);
    let body = json!({
        "error": { "code": "invalid_authorization_request", "message": error.description() },
        "redirect_to": link.as_ref().map(|(url, _)| url),
        "redirect_destination": link.as_ref().map(|(_, label)| label),
    });
    Ok(json_response(400, &body)?)
}

/// `GET /api/oauth/consent?<the authorization request>`: what the consent page shows.
pub async fn consent_details(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let (user, session_hash) = signed_in_session(&req, &db, deps.request.is_https()).await?;
    let origin = deps.origin();
    let (_, params) = query_params(&req)?;
    let checked = match check_request(&params, deps, origin).await {
        Ok(checked) => checked,
        Err(failure) => {
            return failure.respond(|error| invalid_authorization_request(&error, origin))
        }
    };
    let Checked {
        requested,
        client,
        request,
    } = checked;
    let vouched_by = match &requested {
        RequestedClient::Document(url) => Some(url.host()),
        RequestedClient::Registered(_) => None,
    };
    let destination = Destination::of(&request.redirect_uri);
    let body = json!({
        "client": {
            "id": client.id.as_str(),
            "client_id": requested.as_presented(),
            "kind": if vouched_by.is_some() { "metadata_document" } else { "registered" },
            "name": client.client_name,
            "name_is_self_declared": vouched_by.is_none(),
            "vouched_by": vouched_by,
            "client_uri": client.client_uri,
        },
        "redirect_uri": request.redirect_uri,
        "destination": destination.to_json(),
        "redirect_destination": destination.label(),
        "scope": request.scope,
        "resource": request.resource,
        "user": user.to_json(),
        "csrf_token": consent_csrf_token(&session_hash),
    });
    Ok(json_response(200, &body)?)
}

/// `POST /api/oauth/consent` `{request, decision: "approve"|"deny", csrf_token}`: the
/// user's answer. Answers `{redirect_to}`, where the page sends the browser. Failed
/// decisions count against the client's address.
pub async fn consent_decision(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, deps)?;
    let db = deps.db()?;
    let (user, session_hash) = signed_in_session(&req, &db, deps.request.is_https()).await?;
    let attempt = limits::count(
        &db,
        &throttle::CONSENT_FAILURES_PER_ADDRESS,
        deps.request.client_address(),
    )
    .await?;
    let body = read_json_object(&mut req, MAX_OAUTH_BODY_BYTES, false).await?;
    let csrf_token = required_string(&body, "csrf_token")?;
    if !constant_time_eq(
        csrf_token.as_bytes(),
        consent_csrf_token(&session_hash).as_bytes(),
    ) {
        return Err(AppError::bad_request(
            "invalid_csrf_token",
            "The consent form expired. Reload the page and try again.",
        ));
    }
    let approve = match required_string(&body, "decision")? {
        "approve" => true,
        "deny" => false,
        _ => {
            return Err(AppError::bad_request(
                "invalid_body",
                "`decision` must be \"approve\" or \"deny\".",
            ))
        }
    };
    let query = optional_string(&body, "request")?.unwrap_or_default();
    let origin = deps.origin();
    let Checked {
        client, request, ..
    } = match check_request(&form::parse(query), deps, origin).await {
        Ok(checked) => checked,
        Err(failure) => {
            return failure.respond(|error| invalid_authorization_request(&error, origin))
        }
    };
    if approve && store::count_active_keys(&db, &user.id).await? >= MAX_ACTIVE_KEYS_PER_USER {
        return Err(too_many_keys());
    }
    attempt.refund(&db).await?;

    // The user has decided: from here on the answer goes back to the client. The decision
    // is an activity entry, with the client as the consent page named it.
    let now = now_ms();
    let meta = deps.request.client_meta(&req);
    let detail = json!({
        "client_id": client.id.as_str(),
        "client_name": client.client_name,
    });
    let decision = NewActivity {
        user_id: &user.id,
        kind: if approve {
            ActivityKind::ConsentApproved
        } else {
            ActivityKind::ConsentDenied
        },
        key_id: None,
        detail: Some(&detail),
        meta: &meta,
        now,
    };
    let redirect_to = if approve {
        let code = AuthorizationCode::generate();
        let stored = StoredCode::for_request(&request, now);
        store::insert_code(
            &db,
            &NewCode {
                code_hash: &code.hash(),
                client_id: request.client_id.as_str(),
                user_id: &user.id,
                redirect_uri: &request.redirect_uri,
                code_challenge: request.code_challenge.as_str(),
                scope: &request.scope,
                resource: &request.resource,
                now,
                expires_at: stored.expires_at_ms,
            },
            &decision,
        )
        .await?;
        code_redirect_url(
            &request.redirect_uri,
            code.expose_secret(),
            request.state.as_deref(),
            origin,
        )
    } else {
        store::activity_statement(&db, &decision)?.run().await?;
        error_redirect_url(
            &request.redirect_uri,
            AuthorizeErrorCode::AccessDenied,
            Some("The user denied the request."),
            request.state.as_deref(),
            origin,
        )
    };
    Ok(json_response(200, &json!({ "redirect_to": redirect_to }))?)
}

// ---- token and revocation --------------------------------------------------------------

/// Reads a form-encoded OAuth request body; any other body is `invalid_request`.
async fn read_form(req: &mut Request) -> Result<Vec<(String, String)>, Failure<OAuthError>> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "Send the body as application/x-www-form-urlencoded.",
        )
        .into());
    }
    let body = read_body(req, MAX_OAUTH_BODY_BYTES)
        .await
        .map_err(|_| OAuthError::invalid_request("The body is too large or unreadable."))?;
    let body = std::str::from_utf8(&body)
        .map_err(|_| OAuthError::invalid_request("The body is not UTF-8."))?;
    Ok(form::parse(body))
}

fn oauth_error_response(error: &OAuthError) -> Result<Response, AppError> {
    let response = json_response(error.status(), &error.to_json())?;
    if let Some(challenge) = error.www_authenticate() {
        response.headers().set("WWW-Authenticate", challenge)?;
    }
    Ok(response)
}

/// Finds the presented client and checks its credentials as registered. A document client
/// must present its URL, a registered one its `dcr_` id.
async fn authenticated_client(
    db: &worker::D1Database,
    presented: &PresentedClient,
) -> Result<OAuthClient, Failure<OAuthError>> {
    let unknown = || OAuthError::invalid_client("Unknown client.");
    let client = store::find_client(db, &presented.client_id)
        .await?
        .ok_or_else(unknown)?;
    if client.document.is_some() != presented.by_document {
        return Err(unknown().into());
    }
    authenticate_client(
        presented,
        client.token_endpoint_auth_method,
        client.client_secret_hash.as_deref(),
    )?;
    Ok(client)
}

/// `POST /oauth/token`: exchanges a code for a new key (the order of checks is in
/// `crate::oauth::token`). Failed exchanges count against the client's address.
pub async fn token(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let attempt = limits::count(
        &db,
        &throttle::TOKEN_FAILURES_PER_ADDRESS,
        deps.request.client_address(),
    )
    .await?;
    match exchange(&mut req, deps).await {
        Ok(body) => {
            attempt.refund(&db).await?;
            let response = json_response(200, &body)?;
            for (name, value) in TOKEN_RESPONSE_HEADERS {
                response.headers().set(name, value)?;
            }
            Ok(response)
        }
        Err(failure) => failure.respond(|error| oauth_error_response(&error)),
    }
}

async fn exchange(req: &mut Request, deps: &Deps) -> Result<Value, Failure<OAuthError>> {
    let params = read_form(req).await?;
    let authorization = req.headers().get("Authorization")?;
    let request = parse_token_request(&params, authorization.as_deref())?;
    let db = deps.db()?;
    let client = authenticated_client(&db, &request.client).await?;

    let now = now_ms();
    let code_hash = request.code.hash();
    let refused = || OAuthError::invalid_grant("The code is invalid, expired or already used.");
    let found = store::find_code(&db, &code_hash, &client.id)
        .await?
        .ok_or_else(refused)?;
    let stored = &found.code;
    if !proves_possession(stored, &request) {
        return Err(refused().into());
    }
    let count = store::count_exchange(&db, &code_hash, &client.id)
        .await?
        .ok_or_else(refused)?;
    let meta = deps.request.client_meta(req);
    if count.exchanges > 1 {
        if let Some(key_id) = &count.key_id {
            let revocation = Revocation {
                reason: RevocationReason::CodeReplay,
                detail: None,
                meta: &meta,
                now,
            };
            store::revoke_key_by_id(&db, key_id, &revocation).await?;
        }
        return Err(refused().into());
    }
    check_code_binding(stored, &request, now)?;

    let secret = ApiKey::generate();
    let key_id = KeyId::generate();
    let label = Label::for_oauth_client(&client.client_name);
    let source = Source::OAuth {
        client_id: client.id.as_str().to_owned(),
    };
    let minted = store::insert_key_for_code(
        &db,
        &NewKey {
            id: &key_id,
            user_id: &found.user_id,
            hash: &secret.hash(),
            last4: &secret.last4(),
            label: Some(&label),
            source: &source,
            now,
        },
        &code_hash,
        &meta,
    )
    .await?;
    if !minted {
        // The code was replayed between our count and the mint: nothing was minted.
        return Err(refused().into());
    }
    Ok(token_response(secret.expose_secret(), &stored.scope))
}

/// `POST /oauth/revoke` (RFC 7009): a client gives back a token it was issued. Always 200
/// once the client is authenticated, whether or not the token was valid or its own.
/// Failures count against the client's address, like the token endpoint's.
pub async fn revoke(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let attempt = limits::count(
        &db,
        &throttle::TOKEN_FAILURES_PER_ADDRESS,
        deps.request.client_address(),
    )
    .await?;
    match revocation(&mut req, deps).await {
        Ok(()) => {
            attempt.refund(&db).await?;
            Ok(empty_response(200)?)
        }
        Err(failure) => failure.respond(|error| oauth_error_response(&error)),
    }
}

async fn revocation(req: &mut Request, deps: &Deps) -> Result<(), Failure<OAuthError>> {
    let params = read_form(req).await?;
    let authorization = req.headers().get("Authorization")?;
    let revocation = parse_revocation_request(&params)?;
    let presented = presented_client(&params, authorization.as_deref())?;
    let db = deps.db()?;
    let client = authenticated_client(&db, &presented).await?;
    if let Some(key) = ApiKey::parse(&revocation.token) {
        let meta = deps.request.client_meta(req);
        store::revoke_client_key_by_hash(&db, &key.hash(), &client.id, &meta, now_ms()).await?;
    }
    Ok(())
}

// ---- responses -------------------------------------------------------------------------

/// An authorization request that cannot continue, shown to the user instead of being
/// redirected: the portal's page for it (in the one shell, no script), filled in with the
/// reason. When the client should hear about the error (its redirect URI is a registered
/// one), a link offers the way back and says where it goes; following it is the user's
/// choice.
async fn error_page(error: &AuthorizeError, deps: &Deps) -> Result<Response, AppError> {
    let link = return_link(error, deps.origin());
    let way_back = link
        .as_ref()
        .map(|(url, label)| (url.as_str(), label.as_str()));
    let portal_page = portal_error_page(deps).await;
    let html = portal_page
        .and_then(|page| error_page::fill(&page, error.description(), way_back))
        .unwrap_or_else(|| error_page::plain(error.description(), way_back));
    let response = worker::Response::from_html(html)?.with_status(400);
    set_security_headers(response.headers())?;
    response.headers().set(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    )?;
    Ok(response.into())
}

/// The portal's page for a failed authorization request, from the assets.
async fn portal_error_page(deps: &Deps) -> Option<String> {
    let assets = deps.env.assets("ASSETS").ok()?;
    let mut page = assets
        .fetch(format!("{}{ERROR_PAGE}", deps.origin()), None)
        .await
        .ok()?;
    if page.status_code() != 200 {
        return None;
    }
    page.text().await.ok()
}
