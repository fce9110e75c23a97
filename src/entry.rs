//! The Worker's `fetch` export, instead of `#[event(fetch)]`: that macro turns every
//! request into a promise first (`future_to_promise`: a `Promise`, a task on
//! wasm-bindgen's executor, a microtask per wake), even when the handler awaits nothing.
//! Here the handler's future runs on `crate::eager`: polled in the runtime's own call, so
//! the discovery documents and most refusals hand the runtime the `Response` itself; a
//! request that awaits is polled again from inside each awaited promise's callback, and
//! its `Promise` is settled from the last poll.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::js_sys::{Function, Promise};
use worker::{console_error, worker_sys, Env};

use crate::eager::{start, Eager};
use crate::error::AppError;

#[wasm_bindgen]
pub fn fetch(
    req: worker::web_sys::Request,
    env: Env,
    ctx: worker_sys::Context,
) -> Result<JsValue, JsValue> {
    match start(crate::http::handle(
        req.into(),
        env,
        worker::Context::new(ctx),
    )) {
        Eager::Ready(answer) => settle(answer),
        Eager::Later(pending) => {
            let mut settlers: Option<(Function, Function)> = None;
            let promise = Promise::new(&mut |resolve, reject| settlers = Some((resolve, reject)));
            if let Some((resolve, reject)) = settlers {
                pending.then(move |answer| {
                    let _ = match settle(answer) {
                        Ok(response) => resolve.call1(&JsValue::UNDEFINED, &response),
                        Err(error) => reject.call1(&JsValue::UNDEFINED, &error),
                    };
                });
            }
            Ok(promise.into())
        }
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
