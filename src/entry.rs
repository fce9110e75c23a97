//! The Worker's `fetch` export, instead of `#[event(fetch)]`: that macro turns every
//! request into a promise first (`future_to_promise`: a `Promise` and its executor, a
//! task, a microtask, and a call back into the module to resolve it), even when the
//! handler awaits nothing. Here the handler's future is polled once in the runtime's own
//! call (`crate::eager`): the discovery documents and most refusals await nothing and hand
//! the runtime the `Response` itself; the rest continue on wasm-bindgen's executor.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;
use worker::{console_error, worker_sys, Env};

use crate::eager::{poll_once, Eager};
use crate::error::AppError;

#[wasm_bindgen]
pub fn fetch(
    req: worker::web_sys::Request,
    env: Env,
    ctx: worker_sys::Context,
) -> Result<JsValue, JsValue> {
    let future = crate::http::handle(req.into(), env, worker::Context::new(ctx));
    match poll_once(Box::pin(future)) {
        Eager::Ready(answer) => settle(answer),
        Eager::Later(rest) => Ok(future_to_promise(async move { settle(rest.await) }).into()),
    }
}

/// The response; an error that escaped the handler is our JSON 500 with the security
/// headers (`error_response` logs its detail), and only if even that cannot be built is
/// the error thrown to the runtime, which answers 500 itself.
fn settle(answer: worker::Result<crate::http::Response>) -> Result<JsValue, JsValue> {
    let response = answer.or_else(|error| crate::http::error_response(&AppError::from(error)));
    response.map(JsValue::from).map_err(|error| {
        console_error!("{error}");
        JsValue::from(error)
    })
}
