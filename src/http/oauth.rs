//! The OAuth 2.1 authorization server MCP clients sign in through. The rules live in
//! `crate::oauth`; these handlers read requests, talk to the store and respond.
//!
//! The flow: `GET /oauth/authorize` checks the request and sends the browser to the
//! consent page (`/app/oauth/consent`, a portal page that signs the user in first). That
//! page reads `GET /api/oauth/consent` and posts the decision to `POST /api/oauth/consent`
//! (same-origin, session, CSRF token), which answers where to send the browser: back to
//! the client with a code, or with `access_denied`. The client then exchanges the code
//! at `POST /oauth/token` for an ordinary `hdr_user_` key.

use serde_json::{json, Value};
use worker::{Request, Response, Url};

use super::request::{
    optional_string, public_origin, read_body, read_json_object, require_same_origin,
    required_string, Deps, MAX_API_BODY_BYTES,
};
use super::response::{json_response, set_security_headers};
use crate::auth::{now_ms, signed_in_session};
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::error::AppError;
use crate::keys::{ApiKey, KeyId, Label, Source};
use crate::oauth::authorize::{
    code_redirect_url, error_redirect_url, requested_client_id, validate_authorize_request,
    AuthorizeError, AuthorizeErrorCode, AuthorizeRequest,
};
use crate::oauth::metadata::{authorization_server_metadata, mcp_resource};
use crate::oauth::registration::{
    parse_registration, ClientId, ClientSecret, TokenEndpointAuthMethod,
};
use crate::oauth::revocation::parse_revocation_request;
use crate::oauth::token::{
    authenticate_client, check_code_binding, parse_token_request, presented_client, token_response,
    AuthorizationCode, OAuthError, PresentedClient, StoredCode, TOKEN_RESPONSE_HEADERS,
};
use crate::oauth::{form, pkce::CodeChallenge};
use crate::store::{self, NewClient, NewCode, NewKey, OAuthClient};

/// Where `GET /oauth/authorize` sends the browser once the request checks out.
const CONSENT_PAGE: &str = "/app/oauth/consent";

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub fn metadata(req: &Request, deps: &Deps) -> Result<Response, AppError> {
    let issuer = public_origin(req, &deps.env)?;
    Ok(json_response(200, &authorization_server_metadata(&issuer))?)
}

// ---- registration (RFC 7591) --------------------------------------------------------

/// `POST /oauth/register`. Registered clients never expire: some desktop clients never
/// register again.
pub async fn register(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    let body = match read_json_object(&mut req, MAX_API_BODY_BYTES, false).await {
        Ok(body) => Value::Object(body),
        Err(AppError::BadRequest { message, .. }) => {
            let error = json!({ "error": "invalid_client_metadata", "error_description": message });
            return Ok(json_response(400, &error)?);
        }
        Err(other) => return Err(other),
    };
    let registration = match parse_registration(&body) {
        Ok(registration) => registration,
        Err(error) => return Ok(json_response(error.status(), &error.to_json())?),
    };

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
    let mut stored_metadata = response.clone();
    if let Some(object) = stored_metadata.as_object_mut() {
        object.remove("client_secret");
    }
    store::insert_client(
        &deps.db()?,
        &NewClient {
            id: client_id.as_str(),
            client_name: &registration.client_name,
            redirect_uris: &redirect_uris,
            token_endpoint_auth_method: registration.token_endpoint_auth_method.as_str(),
            client_secret_hash: secret_hash.as_deref(),
            metadata: &stored_metadata,
            now,
        },
    )
    .await?;
    Ok(json_response(201, &response)?)
}

// ---- authorization -------------------------------------------------------------------

/// The query of an authorization request as parameters, and as the raw string that is
/// handed on to the consent page.
fn query_params(req: &Request) -> Result<(String, Vec<(String, String)>), AppError> {
    let query = req.url()?.query().unwrap_or_default().to_owned();
    let params = form::parse(&query);
    Ok((query, params))
}

/// Checks an authorization request against the registered client it names.
async fn check_request(
    params: &[(String, String)],
    db: &worker::D1Database,
    origin: &str,
) -> Result<Result<(OAuthClient, AuthorizeRequest), AuthorizeError>, AppError> {
    let client_id = match requested_client_id(params) {
        Ok(client_id) => client_id,
        Err(error) => return Ok(Err(error)),
    };
    let Some(client) = store::find_client(db, client_id.as_str()).await? else {
        return Ok(Err(AuthorizeError::NotRedirectable {
            description: "No client is registered under this client_id.".into(),
        }));
    };
    Ok(
        validate_authorize_request(params, &client.redirect_uris, &mcp_resource(origin))
            .map(|request| (client, request)),
    )
}

/// `GET /oauth/authorize`: an unknown client or redirect URI gets an error page (never a
/// redirect); other errors go back to the client; a good request goes to the consent page.
pub async fn authorize(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let origin = public_origin(&req, &deps.env)?;
    let (query, params) = query_params(&req)?;
    match check_request(&params, &deps.db()?, &origin).await? {
        Ok(_) => redirect(&format!("{CONSENT_PAGE}?{query}")),
        Err(error @ AuthorizeError::Redirect { .. }) => redirect(
            &error
                .redirect_url(&origin)
                .unwrap_or_else(|| CONSENT_PAGE.to_owned()),
        ),
        Err(AuthorizeError::NotRedirectable { description }) => error_page(&description),
    }
}

/// The consent form's CSRF token: derived from the session, so it needs no storage and
/// dies with the session.
fn consent_csrf_token(session_hash: &str) -> String {
    sha256_hex(format!("oauth-consent:{session_hash}").as_bytes())
}

/// Where the redirect URI will send the user, as the consent page names it: the host (and
/// port) of a web or loopback URI, the scheme of an app's private-use URI.
fn redirect_destination(redirect_uri: &str) -> String {
    match Url::parse(redirect_uri) {
        Ok(url) => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => format!("the app that handles {}: links", url.scheme()),
        },
        Err(_) => redirect_uri.to_owned(),
    }
}

fn invalid_authorization_request(
    error: &AuthorizeError,
    origin: &str,
) -> Result<Response, AppError> {
    let body = json!({
        "error": { "code": "invalid_authorization_request", "message": error.description() },
        "redirect_to": error.redirect_url(origin),
    });
    Ok(json_response(400, &body)?)
}

/// `GET /api/oauth/consent?<the authorization request>`: what the consent page shows.
pub async fn consent_details(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let db = deps.db()?;
    let (user, session_hash) = signed_in_session(&req, &db).await?;
    let origin = public_origin(&req, &deps.env)?;
    let (_, params) = query_params(&req)?;
    let (client, request) = match check_request(&params, &db, &origin).await? {
        Ok(checked) => checked,
        Err(error) => return invalid_authorization_request(&error, &origin),
    };
    let body = json!({
        "client": {
            "id": client.id,
            "name": client.client_name,
            "name_is_self_declared": true,
            "client_uri": client.client_uri,
        },
        "redirect_uri": request.redirect_uri,
        "redirect_destination": redirect_destination(&request.redirect_uri),
        "scope": request.scope,
        "resource": request.resource,
        "user": user.to_json(),
        "csrf_token": consent_csrf_token(&session_hash),
    });
    Ok(json_response(200, &body)?)
}

/// `POST /api/oauth/consent` `{request, decision: "approve"|"deny", csrf_token}`: the
/// user's answer. Answers `{redirect_to}`, where the page sends the browser.
pub async fn consent_decision(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, &deps.env)?;
    let db = deps.db()?;
    let (user, session_hash) = signed_in_session(&req, &db).await?;
    let body = read_json_object(&mut req, MAX_API_BODY_BYTES, false).await?;
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
    let origin = public_origin(&req, &deps.env)?;
    let (_, request) = match check_request(&form::parse(query), &db, &origin).await? {
        Ok(checked) => checked,
        Err(error) => return invalid_authorization_request(&error, &origin),
    };

    let redirect_to = if approve {
        let code = AuthorizationCode::generate();
        let now = now_ms();
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
        )
        .await?;
        code_redirect_url(
            &request.redirect_uri,
            code.expose_secret(),
            request.state.as_deref(),
            &origin,
        )
    } else {
        error_redirect_url(
            &request.redirect_uri,
            AuthorizeErrorCode::AccessDenied,
            Some("The user denied the request."),
            request.state.as_deref(),
            &origin,
        )
    };
    Ok(json_response(200, &json!({ "redirect_to": redirect_to }))?)
}

// ---- token and revocation --------------------------------------------------------------

/// Reads a form-encoded OAuth request body; any other body is `invalid_request`.
async fn read_form(req: &mut Request) -> Result<Vec<(String, String)>, OAuthError> {
    let content_type = req
        .headers()
        .get("Content-Type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "Send the body as application/x-www-form-urlencoded.",
        ));
    }
    let body = read_body(req, MAX_API_BODY_BYTES)
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

/// Finds the presented client and checks its credentials as registered.
async fn authenticated_client(
    db: &worker::D1Database,
    presented: &PresentedClient,
) -> Result<Result<OAuthClient, OAuthError>, AppError> {
    let Some(client) = store::find_client(db, presented.client_id.as_str()).await? else {
        return Ok(Err(OAuthError::invalid_client("Unknown client.")));
    };
    let method =
        TokenEndpointAuthMethod::parse(&client.token_endpoint_auth_method).ok_or_else(|| {
            AppError::Internal(format!("client {} has an unknown auth method", client.id))
        })?;
    Ok(
        authenticate_client(presented, method, client.client_secret_hash.as_deref())
            .map(|()| client),
    )
}

/// `POST /oauth/token`: exchanges a code for a new key. A replayed code fails and revokes
/// the key its first exchange minted (RFC 6749 §4.1.2).
pub async fn token(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    match exchange(&mut req, deps).await? {
        Ok(body) => {
            let response = json_response(200, &body)?;
            for (name, value) in TOKEN_RESPONSE_HEADERS {
                response.headers().set(name, value)?;
            }
            Ok(response)
        }
        Err(error) => oauth_error_response(&error),
    }
}

async fn exchange(req: &mut Request, deps: &Deps) -> Result<Result<Value, OAuthError>, AppError> {
    let params = match read_form(req).await {
        Ok(params) => params,
        Err(error) => return Ok(Err(error)),
    };
    let authorization = req.headers().get("Authorization")?;
    let request = match parse_token_request(&params, authorization.as_deref()) {
        Ok(request) => request,
        Err(error) => return Ok(Err(error)),
    };
    let db = deps.db()?;
    let client = match authenticated_client(&db, &request.client).await? {
        Ok(client) => client,
        Err(error) => return Ok(Err(error)),
    };

    let now = now_ms();
    let cleanup = store::delete_stale_codes(&db, now)?;
    deps.ctx.wait_until(async move {
        let _ = cleanup.run().await;
    });
    let code_hash = request.code.hash();
    let refused = || OAuthError::invalid_grant("The code is invalid, expired or already used.");
    let Some(found) = store::exchange_code(&db, &code_hash).await? else {
        return Ok(Err(refused()));
    };
    if found.exchanges > 1 {
        if let Some(key_id) = &found.key_id {
            store::revoke_key_by_id(&db, key_id, now).await?;
        }
        return Ok(Err(refused()));
    }
    let stored = StoredCode {
        client_id: ClientId::parse(&found.client_id).ok_or_else(|| {
            AppError::Internal("a stored code names a malformed client id".into())
        })?,
        redirect_uri: found.redirect_uri,
        code_challenge: CodeChallenge::parse(&found.code_challenge)
            .ok_or_else(|| AppError::Internal("a stored code has a malformed challenge".into()))?,
        scope: found.scope,
        resource: found.resource,
        expires_at_ms: found.expires_at,
    };
    if let Err(error) = check_code_binding(&stored, &request, now) {
        return Ok(Err(error));
    }

    let secret = ApiKey::generate();
    let key_id = KeyId::generate();
    let label = Label::for_oauth_client(&client.client_name);
    let source = Source::OAuth {
        client_id: client.id.clone(),
    };
    store::insert_key_for_code(
        &db,
        &NewKey {
            id: key_id.as_str(),
            user_id: &found.user_id,
            hash: &secret.hash(),
            last4: &secret.last4(),
            label: Some(&label),
            source: &source,
            now,
        },
        &code_hash,
    )
    .await?;
    Ok(Ok(token_response(secret.expose_secret(), &stored.scope)))
}

/// `POST /oauth/revoke` (RFC 7009): a client gives back a token it was issued. Always 200
/// once the client is authenticated, whether or not the token was valid or its own.
pub async fn revoke(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    let params = match read_form(&mut req).await {
        Ok(params) => params,
        Err(error) => return oauth_error_response(&error),
    };
    let authorization = req.headers().get("Authorization")?;
    let revocation = match parse_revocation_request(&params).and_then(|revocation| {
        presented_client(&params, authorization.as_deref()).map(|client| (revocation, client))
    }) {
        Ok(parsed) => parsed,
        Err(error) => return oauth_error_response(&error),
    };
    let (revocation, presented) = revocation;
    let db = deps.db()?;
    let client = match authenticated_client(&db, &presented).await? {
        Ok(client) => client,
        Err(error) => return oauth_error_response(&error),
    };
    if let Some(key) = ApiKey::parse(&revocation.token) {
        store::revoke_client_key_by_hash(&db, &key.hash(), &client.id, now_ms()).await?;
    }
    let response = Response::empty()?.with_status(200);
    set_security_headers(response.headers())?;
    Ok(response)
}

// ---- responses -------------------------------------------------------------------------

fn redirect(location: &str) -> Result<Response, AppError> {
    let response = Response::empty()?.with_status(302);
    set_security_headers(response.headers())?;
    response.headers().set("Location", location)?;
    Ok(response)
}

/// An error the user sees instead of being redirected (an unknown client, or a redirect
/// URI the client never registered). Plain HTML, text escaped, no script.
fn error_page(description: &str) -> Result<Response, AppError> {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Authorization failed · Hadron</title>\
         <link rel=\"stylesheet\" href=\"/assets/css/portal.css\"></head>\
         <body><main class=\"oauth-error\"><h1>This sign-in request cannot continue</h1>\
         <p>{}</p><p>Go back to the application and try connecting again. \
         If it keeps happening, remove the connector and add it anew.</p>\
         <p><a href=\"/app/account/api-keys\">Go to your API keys</a></p></main></body></html>\n",
        escape_html(description)
    );
    let response = Response::from_html(html)?.with_status(400);
    set_security_headers(response.headers())?;
    response.headers().set(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    )?;
    Ok(response)
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_consent_page_names_where_the_user_goes_next() {
        assert_eq!(
            redirect_destination("http://127.0.0.1:33418/callback"),
            "127.0.0.1:33418"
        );
        assert_eq!(
            redirect_destination("https://vscode.dev/redirect"),
            "vscode.dev"
        );
        assert_eq!(
            redirect_destination("cursor://anysphere.cursor-mcp/oauth/callback"),
            "anysphere.cursor-mcp"
        );
        assert_eq!(
            redirect_destination("com.example.app:/callback"),
            "the app that handles com.example.app: links"
        );
    }

    #[test]
    fn the_csrf_token_depends_on_the_session() {
        assert_ne!(consent_csrf_token("a"), consent_csrf_token("b"));
        assert_eq!(consent_csrf_token("a"), consent_csrf_token("a"));
    }
}
