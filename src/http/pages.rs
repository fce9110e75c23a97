//! Portal pages that pass through the Worker: the sign-in and sign-up pages. Their forms
//! post to their own URL, so that without the page's script the form still signs in and
//! keeps its `next` (`POST /signin?next=…`); a GET is the static page itself.

use super::Request;

use super::request::Deps;
use super::response::Response;
use crate::error::AppError;

/// The static page at this path, as the assets would have served it.
pub async fn static_page(req: Request, deps: &Deps) -> Result<Response, AppError> {
    Ok(deps
        .env
        .assets("ASSETS")?
        .fetch_request(worker::Request::from(req.into_inner()))
        .await?
        .into())
}
