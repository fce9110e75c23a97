// The Worker's default export: the module workerd calls, around the WASM exports of
// `src/entry.rs` (`fetch`) and `src/lib.rs` (`scheduled`). It takes the place of
// worker-build's entry (scripts/esbuild-entry.mjs puts it there at bundling time).
//
// worker-build's entry is a `WorkerEntrypoint` subclass behind a `Proxy`: workerd builds
// an instance of it for every request, and its `get` trap wraps `fetch` in a new `Proxy`
// (and an `async` function) before each call. This is the plain object a JS Worker
// exports, and it keeps what that entry does for a panic: the abort handler of
// wasm-bindgen's glue (the `worker` crate's `on_abort`) replaces the instance on the next
// call into it, and a `RuntimeError` that reaches this module or the isolate's `error`
// event resets the instance before the next request.

import * as wasm from "./index.js";

Error.stackTraceLimit = 100;
const initState = wasm.__worker_init_state();

function resetAfterCriticalError() {
  if (initState.criticalError) {
    console.log("Reinitializing Wasm application");
    wasm.__wbg_reset_state();
    initState.criticalError = false;
    initState.instanceId++;
  }
}

function noteCritical(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    console.error("Critical", error);
    initState.criticalError = true;
  }
}

addEventListener("error", (event) => noteCritical(event.error));

// One call into WASM: the instance reset first, a `RuntimeError` thrown back noted.
function callWasm(handler, event, env, ctx) {
  resetAfterCriticalError();
  try {
    return handler(event, env, ctx);
  } catch (error) {
    noteCritical(error);
    throw error;
  }
}

export default {
  // A `Response`, or a promise of one when the request awaits something.
  fetch(request, env, ctx) {
    return callWasm(wasm.fetch, request, env, ctx);
  },

  scheduled(controller, env, ctx) {
    return callWasm(wasm.scheduled, controller, env, ctx);
  },
};
