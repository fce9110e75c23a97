//! Sign-up, sign-in, sign-out and the current user.

use serde_json::json;
use worker::{Request, Response};

use super::request::{
    read_json_object, require_same_origin, required_string, Deps, MAX_API_BODY_BYTES,
};
use super::response::json_response;
use crate::accounts::{Email, User};
use crate::auth::{now_ms, signed_in_user};
use crate::credentials::{clear_session_cookie, SessionToken, SESSION_TTL_SECONDS};
use crate::crypto::random_hex;
use crate::error::AppError;
use crate::password::{self, Password, PasswordError};
use crate::store;
use crate::throttle;

pub async fn signup(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, &deps.env)?;
    let body = read_json_object(&mut req, MAX_API_BODY_BYTES, false).await?;
    let email = Email::parse(required_string(&body, "email")?)
        .ok_or_else(|| AppError::bad_request("invalid_email", "Enter a valid email address."))?;
    let password =
        Password::parse(required_string(&body, "password")?.to_owned()).map_err(|error| {
            let message = match error {
                PasswordError::TooShort => {
                    format!("Use at least {} characters.", password::MIN_CHARS)
                }
                PasswordError::TooLong => {
                    format!("Use at most {} characters.", password::MAX_CHARS)
                }
            };
            AppError::bad_request("invalid_password", message)
        })?;

    let db = deps.db()?;
    let user = User {
        id: format!("usr_{}", random_hex::<16>()),
        email: email.as_str().to_owned(),
        role: crate::accounts::Role::Member,
    };
    if !store::create_user(&db, &user.id, &email, &password.hash(), now_ms()).await? {
        return Err(AppError::Conflict {
            code: "email_taken",
            message: "An account with this email already exists. Sign in instead.",
        });
    }
    start_session(&req, deps, &user, 201).await
}

pub async fn login(mut req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, &deps.env)?;
    let body = read_json_object(&mut req, MAX_API_BODY_BYTES, false).await?;
    let email = required_string(&body, "email")?;
    let attempt = required_string(&body, "password")?;
    if attempt.chars().count() > password::MAX_CHARS {
        return Err(AppError::InvalidCredentials);
    }

    let db = deps.db()?;
    let Some(email) = Email::parse(email) else {
        // No account can have this address; spend the hashing time all the same.
        password::verify(attempt, password::DECOY_PHC);
        return Err(AppError::InvalidCredentials);
    };
    let now = now_ms();
    let earlier_failures = store::login_failures(&db, &email).await?;
    if let Some((window_started_at, failures)) = earlier_failures {
        if let Some(retry_after_seconds) =
            throttle::login_retry_after(window_started_at, failures, now)
        {
            return Err(AppError::TooManyRequests {
                retry_after_seconds,
            });
        }
    }

    let found = store::find_login(&db, &email).await?;
    // An unknown email verifies against a decoy hash, so it costs the same time and gets
    // the same answer as a wrong password.
    let stored_hash = found
        .as_ref()
        .map_or(password::DECOY_PHC, |(_, hash)| hash.as_str());
    let password_matches = password::verify(attempt, stored_hash);
    match found {
        Some((user, _)) if password_matches => {
            let mut housekeeping = vec![store::delete_expired_sessions(&db, &user.id, now)?];
            if earlier_failures.is_some() {
                housekeeping.push(store::clear_login_failures(&db, &email)?);
            }
            deps.ctx.wait_until(async move {
                for statement in housekeeping {
                    let _ = statement.run().await;
                }
            });
            start_session(&req, deps, &user, 200).await
        }
        _ => {
            // Counted before answering, so the very next attempt sees it.
            store::record_login_failure(&db, &email, now, throttle::LOGIN_WINDOW_MS)?
                .run()
                .await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

async fn start_session(
    req: &Request,
    deps: &Deps,
    user: &User,
    status: u16,
) -> Result<Response, AppError> {
    let token = SessionToken::generate();
    let now = now_ms();
    store::create_session(
        &deps.db()?,
        &token.hash(),
        &user.id,
        now,
        now + SESSION_TTL_SECONDS * 1000,
    )
    .await?;
    let response = json_response(status, &json!({ "user": user.to_json() }))?;
    response
        .headers()
        .set("Set-Cookie", &token.set_cookie(is_https(req)?))?;
    Ok(response)
}

/// Ends the session server-side, so a copied cookie stops working too.
pub async fn logout(req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, &deps.env)?;
    let cookie = req.headers().get("Cookie")?;
    if let Some(token) = SessionToken::from_cookie_header(cookie.as_deref()) {
        store::delete_session(&deps.db()?, &token.hash()).await?;
    }
    let response = json_response(200, &json!({ "signed_out": true }))?;
    response
        .headers()
        .set("Set-Cookie", &clear_session_cookie(is_https(&req)?))?;
    Ok(response)
}

pub async fn me(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let user = signed_in_user(&req, &deps.db()?).await?;
    Ok(json_response(200, &json!({ "user": user.to_json() }))?)
}

fn is_https(req: &Request) -> Result<bool, AppError> {
    Ok(req.url()?.scheme() == "https")
}
