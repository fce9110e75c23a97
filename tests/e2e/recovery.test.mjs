// A panic costs one request, not the isolate. The release build aborts on panic (a WASM
// trap); src/entry.js and wasm-bindgen's glue then replace the WASM instance, so the
// requests after it are served as before, D1 included. The benchmark's route panics on
// request when the Worker runs with BENCH_ROUTES=1 (src/http/bench.rs): once in its first
// poll, inside the runtime's call, and once inside an awaited promise's callback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { spawnApp } from '../support/app.mjs';

let app;
before(async () => {
  app = await spawnApp({ vars: { BENCH_ROUTES: '1' } });
});
after(() => app?.stop());

const UNKNOWN_KEY = `hdr_user_${'0'.repeat(64)}`; // well-formed: /mcp looks it up

/** The bench route's lookup by hash; `hash` "panic" and "panic-after-await" panic. */
const lookup = (hash) => fetch(`${app.baseUrl}/api/bench/d1-lookup`, {
  method: 'POST',
  headers: { 'X-Key-Hash': hash },
  signal: AbortSignal.timeout(60_000),
});

/** How many times the log has `pattern`, once that is at least `atLeast` (the log lags). */
async function logged(pattern, atLeast = 1) {
  const count = () => (app.logs().match(new RegExp(pattern, 'g')) ?? []).length;
  for (let attempt = 0; attempt < 100 && count() < atLeast; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(count() >= atLeast, `the log has ${pattern} ${atLeast} times`);
  return count();
}

/** Requests that take each kind of path through the Worker, answered as they should be. */
async function servesAsBefore() {
  const document = await fetch(`${app.baseUrl}/.well-known/oauth-protected-resource`);
  assert.equal(document.status, 200, 'a document answered without awaiting');
  assert.ok((await document.json()).resource, 'the document has its fields');

  const miss = await lookup('0'.repeat(64));
  assert.equal(miss.status, 404, 'a D1 read answered: no such key');
  assert.deepEqual(await miss.json(), {});

  const mcp = await fetch(`${app.baseUrl}/mcp`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${UNKNOWN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(mcp.status, 401, '/mcp looked the key up and refused it');
  assert.equal((await mcp.json()).error.code, 'unauthorized');
}

test('before any panic, the three paths answer', servesAsBefore);

const RESET = 'Reinitializing Wasm application';

/**
 * Makes the bench route panic, then checks: that request's 500, the panic in the log, the
 * requests after it served as before, and the instance replaced once. The trap is flagged
 * by the panic hook (and by src/entry.js when it reaches it), and src/entry.js replaces
 * the instance before the next request.
 */
async function panicsAndRecovers(hash, panicMessage) {
  const resets = await logged(RESET, 0);
  const response = await lookup(hash);
  assert.equal(response.status, 500);
  await response.arrayBuffer();
  // The panic's place and message, as the `worker` crate's panic hook logs them.
  await logged(`panicked at src/http/bench\\.rs:\\d+:\\d+:[^\\n]*\\n\\s*${panicMessage}`);

  await servesAsBefore();
  assert.equal(await logged(RESET, resets + 1), resets + 1, 'one reset of the instance');
}

test('a panic before the first await: that request gets a 500, the next are served by a new instance', () =>
  panicsAndRecovers('panic', 'asked to panic before the D1 read'));

test('a panic inside an awaited promise\'s callback: that request ends, the next are served', async () => {
  // No answer can come from that request's task any more: workerd sees a request that
  // waits on nothing and ends it ("would never generate a response").
  await panicsAndRecovers('panic-after-await', 'asked to panic after the D1 read');
  // And again: the instance that served those is whole, not one more panic from broken.
  await servesAsBefore();
});
