//! Sign-up, sign-in, sign-out and the current user.
//!
//! Sign-up and sign-in take JSON (what the portal's script sends) or a plain form post
//! (the same page before or without its script). Either way the password travels in the
//! body, never in a URL. A form post is answered with a redirect: to its `next` on
//! success, back to the form with an error code otherwise.

use super::Request;
use serde_json::json;

use super::limits;
use super::request::{
    read_body, read_json_object, require_same_origin, required_string, Deps, MAX_API_BODY_BYTES,
};
use super::response::{json_response, redirect, Response};
use crate::accounts::{Email, Role, User, UserId};
use crate::activity::ClientMeta;
use crate::auth::{now_ms, signed_in_user};
use crate::credentials::{clear_session_cookie, SessionToken, SESSION_TTL_SECONDS};
use crate::error::AppError;
use crate::next_path::{safe_next_path, DEFAULT_NEXT};
use crate::oauth::form;
use crate::password::{self, Password, PasswordError};
use crate::store::{self, NewSession};
use crate::throttle;

/// What a sign-in or sign-up form sent.
struct Submitted {
    email: String,
    password: String,
    /// For a plain form post: where to go on success (already checked to stay on the site).
    form_next: Option<String>,
}

/// Reads the body as JSON `{email, password}` or as a form `email=…&password=…`, whose
/// `next` is a form field or, for the page's own form posting to its URL
/// (`/signin?next=…`), that URL's.
async fn read_submitted(req: &mut Request) -> Result<Submitted, AppError> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        let body = read_json_object(req, MAX_API_BODY_BYTES, false).await?;
        return Ok(Submitted {
            email: required_string(&body, "email")?.to_owned(),
            password: required_string(&body, "password")?.to_owned(),
            form_next: None,
        });
    }
    let body = read_body(req, MAX_API_BODY_BYTES).await?;
    let body = std::str::from_utf8(&body)
        .map_err(|_| AppError::bad_request("invalid_body", "The form is not UTF-8."))?;
    let fields = form::parse(body);
    let field = |name: &str| {
        form::single(&fields, name)
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_owned()
    };
    let mut next = field("next");
    if next.is_empty() {
        let url = req.url()?;
        next = url
            .query_pairs()
            .find(|(name, _)| name == "next")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
    }
    Ok(Submitted {
        email: field("email"),
        password: field("password"),
        form_next: Some(safe_next_path(&next).unwrap_or_else(|| DEFAULT_NEXT.to_owned())),
    })
}

/// Which form a submission came from, for sending a failed form post back to it.
#[derive(Clone, Copy)]
enum Page {
    SignUp,
    SignIn,
}

impl Page {
    fn path(self) -> &'static str {
        match self {
            Page::SignUp => "/signup",
            Page::SignIn => "/signin",
        }
    }
}

pub async fn signup(req: Request, deps: &Deps) -> Result<Response, AppError> {
    sign_in_or_up(req, deps, Page::SignUp).await
}

pub async fn login(req: Request, deps: &Deps) -> Result<Response, AppError> {
    sign_in_or_up(req, deps, Page::SignIn).await
}

async fn sign_in_or_up(mut req: Request, deps: &Deps, page: Page) -> Result<Response, AppError> {
    require_same_origin(&req, deps)?;
    let meta = deps.request.client_meta(&req);
    let submitted = read_submitted(&mut req).await?;
    let outcome = match page {
        Page::SignUp => create_account(deps, &submitted).await,
        Page::SignIn => check_credentials(deps, &submitted).await,
    };
    let outcome = match outcome {
        Ok(user) => start_session(deps, &user, &meta, matches!(page, Page::SignIn))
            .await
            .map(|cookie| (user, cookie)),
        Err(error) => Err(error),
    };
    match (outcome, submitted.form_next) {
        (Ok((user, cookie)), None) => {
            let status = if matches!(page, Page::SignUp) {
                201
            } else {
                200
            };
            let response = json_response(status, &json!({ "user": user.to_json() }))?;
            response.headers().set("Set-Cookie", &cookie)?;
            Ok(response)
        }
        (Ok((_, cookie)), Some(next)) => {
            let response = redirect(303, &next)?;
            response.headers().set("Set-Cookie", &cookie)?;
            Ok(response)
        }
        (Err(error @ AppError::Internal(_)), _) | (Err(error), None) => Err(error),
        (Err(error), Some(next)) => {
            let (code, _) = error.code_and_message();
            let query = form::encode(&[("error", code), ("next", &next)]);
            redirect(303, &format!("{}?{query}", page.path()))
        }
    }
}

/// A new account, within the sign-up limit of the client's address.
async fn create_account(deps: &Deps, submitted: &Submitted) -> Result<User, AppError> {
    let db = deps.db()?;
    limits::count(
        &db,
        &throttle::SIGN_UPS_PER_ADDRESS,
        deps.request.client_address(),
    )
    .await?;
    let email = Email::parse(&submitted.email)
        .ok_or_else(|| AppError::bad_request("invalid_email", "Enter a valid email address."))?;
    let password = Password::parse(submitted.password.clone()).map_err(|error| {
        let message = match error {
            PasswordError::TooShort => format!("Use at least {} characters.", password::MIN_CHARS),
            PasswordError::TooLong => format!("Use at most {} characters.", password::MAX_CHARS),
        };
        AppError::bad_request("invalid_password", message)
    })?;
    let user = User {
        id: UserId::generate(),
        email,
        role: Role::Member,
    };
    if !store::create_user(&db, &user.id, &user.email, &password.hash(), now_ms()).await? {
        return Err(AppError::Conflict {
            code: "email_taken",
            message: "An account with this email already exists. Sign in instead.".into(),
        });
    }
    Ok(user)
}

/// The user whose email and password these are. Both limits are counted before the
/// password is hashed, by atomic upserts, so concurrent guesses cannot slip past them: the
/// account's (its failures) and the address's (failures across accounts). A successful
/// sign-in forgets the account's count and hands the address's attempt back.
async fn check_credentials(deps: &Deps, submitted: &Submitted) -> Result<User, AppError> {
    let db = deps.db()?;
    let attempt = submitted.password.as_str();
    let address = limits::count(
        &db,
        &throttle::SIGN_IN_FAILURES_PER_ADDRESS,
        deps.request.client_address(),
    )
    .await?;
    if attempt.chars().count() > password::MAX_CHARS {
        return Err(AppError::InvalidCredentials);
    }
    let Some(email) = Email::parse(&submitted.email) else {
        // No account can have this address; spend the hashing time all the same.
        password::verify(attempt, password::DECOY_PHC);
        return Err(AppError::InvalidCredentials);
    };
    let account =
        limits::count(&db, &throttle::SIGN_IN_FAILURES_PER_ACCOUNT, email.as_str()).await?;

    let found = store::find_login(&db, &email).await?;
    // An unknown email verifies against a decoy hash, so it costs the same time and gets
    // the same answer as a wrong password.
    let stored_hash = found
        .as_ref()
        .map_or(password::DECOY_PHC, |(_, hash)| hash.as_str());
    if !password::verify(attempt, stored_hash) {
        return Err(AppError::InvalidCredentials);
    }
    let Some((user, _)) = found else {
        return Err(AppError::InvalidCredentials);
    };
    db.batch(vec![account.forget(&db)?, address.refund_statement(&db)?])
        .await?;
    Ok(user)
}

/// Starts a session for `user`; the `Set-Cookie` value that carries it. The address it
/// comes from is remembered for the account; a sign-in from one the account has not used
/// lately is an activity entry.
async fn start_session(
    deps: &Deps,
    user: &User,
    meta: &ClientMeta,
    is_sign_in: bool,
) -> Result<String, AppError> {
    let token = SessionToken::generate();
    let now = now_ms();
    store::create_session(
        &deps.db()?,
        &NewSession {
            token_hash: &token.hash(),
            user_id: &user.id,
            now,
            expires_at: now + SESSION_TTL_SECONDS * 1000,
            meta,
            is_sign_in,
        },
    )
    .await?;
    Ok(token.set_cookie(deps.request.is_https()))
}

/// Ends the session server-side, so a copied cookie stops working too.
pub async fn logout(req: Request, deps: &Deps) -> Result<Response, AppError> {
    require_same_origin(&req, deps)?;
    let https = deps.request.is_https();
    let cookie = req.headers().get("Cookie")?;
    if let Some(token) = SessionToken::from_cookie_header(cookie.as_deref(), https) {
        store::delete_session(&deps.db()?, &token.hash()).await?;
    }
    let response = json_response(200, &json!({ "signed_out": true }))?;
    response
        .headers()
        .set("Set-Cookie", &clear_session_cookie(https))?;
    Ok(response)
}

pub async fn me(req: Request, deps: &Deps) -> Result<Response, AppError> {
    let user = signed_in_user(&req, &deps.db()?, deps.request.is_https()).await?;
    Ok(json_response(200, &json!({ "user": user.to_json() }))?)
}
