// Mends a race in the pinned wrangler's dev proxy. Run by `npm ci` / `npm install`
// (package.json "postinstall"); safe to run again.
//
// `wrangler dev` puts a proxy Worker (wrangler-dist/ProxyWorker.js, in its own workerd) in
// front of the user's Worker and forwards every request over a pooled keep-alive
// connection. workerd's HTTP server closes a connection after 5 s idle, and its client keeps
// idle connections about as long, so a request sent just as the server closes the connection
// fails with "Network connection lost" before the Worker ever sees it (reported upstream:
// cloudflare/workers-sdk#14641). wrangler 4.86.0, the last release that runs on Node 20
// (../shared/TOOLCHAIN.md), then does the wrong thing with it:
// - a GET or HEAD to any path but "/" is queued to be retried after the next reload, because
//   the URL it compares includes the path; with no reload coming it never gets an answer
//   (seen as a 300 s `GET /oauth/authorize` in oauth-clients.test.mjs and a page whose
//   scripts never loaded in consent.test.mjs);
// - any other method gets "503 Your worker restarted mid-request", though nothing restarted.
// tests/e2e/dev-proxy.test.mjs sends requests at the 5 s boundary to catch both.
//
// The patch replaces the forwarding step with `hadronForward` below: when the request
// failed and the proxy is still pointed at the same Worker (no reload began or ended in
// between), the Worker never received it, so it is sent again on a new connection. A body
// of declared length up to 1 MiB is kept for that; a body without a length stays a stream,
// as before, so the Worker still sees it without one (and such a request cannot be sent
// twice). Across a reload wrangler's own handling remains (GET and HEAD wait for the new
// Worker, now also when it is already there; others get the 503).
//
// The code it replaces is checked by its SHA-256, so a different wrangler fails here
// loudly instead of being patched blindly.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler');
const TARGET = join(WRANGLER, 'wrangler-dist', 'ProxyWorker.js');
const VERSION = '4.86.0';
const MARKER = '/* hadron-keys: scripts/patch-wrangler.mjs */';

// The statement in ProxyWorker's processQueue() that forwards one request, from its first
// characters to the end of its `.catch(...)`, and its SHA-256 in wrangler 4.86.0.
const START = 'void fetch(userWorkerUrl, new Request(request, { headers }))';
const LAST_WORDS = 'Only GET or HEAD requests are retried automatically.';
const STATEMENT_END = '\n      });\n';
const STATEMENT_SHA256 = '3e4c9aa4eebc85c86b4133da879119fe3f6eb38082b4e6813a6bf94c09aed43b';

const REPLACEMENT = 'void hadronForward(this, request, deferredResponse, proxyData, userWorkerUrl, innerUrl, outerUrl, headers);\n';

const FORWARD = `
${MARKER}
// How many times a request is sent when the connection fails under it. Each failure takes
// one stale connection out of the pool, and after a burst of concurrent requests many
// connections go idle, and stale, together; a Worker that is down fails every attempt at once.
const HADRON_ATTEMPTS = 32;
// The largest body kept to be sent again. Only a body of declared length is kept: sent again
// it has the same Content-Length. A body without one stays a stream, so the Worker still
// sees it without a length (and, like a larger one, it cannot be sent twice).
const HADRON_REPLAY_BYTES = 1024 * 1024;
async function hadronForward(proxy, request, deferredResponse, proxyData, userWorkerUrl, innerUrl, outerUrl, headers) {
  try {
    const bodyless = request.method === "GET" || request.method === "HEAD" || request.body === null;
    const length = request.headers.get("content-length");
    const replayable = bodyless || (length !== null && Number(length) <= HADRON_REPLAY_BYTES);
    const init = bodyless || !replayable ? { headers } : { headers, body: await request.arrayBuffer() };
    for (let attempt = 1; ; attempt += 1) {
      let res;
      try {
        res = await fetch(userWorkerUrl, new Request(request, init));
      } catch (error) {
        const sameWorker = proxy.proxyData === proxyData;
        if (sameWorker && replayable && attempt < HADRON_ATTEMPTS) continue;
        if (sameWorker) {
          deferredResponse.resolve(new Response(
            \`wrangler dev lost its connection to the Worker \${replayable ? \`\${attempt} times\` : "with a body it cannot send again"}: \${error.message}\`,
            { status: 502 },
          ));
        } else if (request.method === "GET" || request.method === "HEAD") {
          // Sent to a Worker that is being replaced: wait for the new one, or go to it now.
          proxy.requestRetryQueue.set(request, deferredResponse);
          proxy.processQueue();
        } else {
          deferredResponse.resolve(new Response(
            "Your worker restarted mid-request. Please try sending the request again. Only GET or HEAD requests are retried automatically.",
            { status: 503, headers: { "Retry-After": "0" } },
          ));
        }
        return;
      }
      res = new Response(res.body, res);
      rewriteUrlRelatedHeaders(res.headers, innerUrl, outerUrl);
      await checkForPreviewTokenError(res, proxy.env, proxyData);
      if (isHtmlResponse(res)) res = insertLiveReloadScript(request, res, proxy.env, proxyData);
      if (isSseResponse(res)) void sendMessageToProxyController(proxy.env, { type: "sseResponseDetected" });
      deferredResponse.resolve(res);
      return;
    }
  } catch (error) {
    deferredResponse.reject(error);
  }
}
`;

function fail(message) {
  console.error(`scripts/patch-wrangler.mjs: ${message}`);
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(join(WRANGLER, 'package.json'), 'utf8'));
if (version !== VERSION) {
  fail(`wrangler is ${version}, the patch is for ${VERSION}: check whether the new version still needs it `
    + '(see the comment at the top of this script), then update or remove it.');
}
const source = readFileSync(TARGET, 'utf8');
if (source.includes(MARKER)) process.exit(0); // already patched

const start = source.indexOf(START);
const lastWords = source.indexOf(LAST_WORDS, start);
const end = lastWords === -1 ? -1 : source.indexOf(STATEMENT_END, lastWords);
if (start === -1 || end === -1) fail(`the forwarding statement was not found in ${TARGET}`);
const statement = source.slice(start, end + STATEMENT_END.length);
const digest = createHash('sha256').update(statement).digest('hex');
if (digest !== STATEMENT_SHA256) fail(`the forwarding statement in ${TARGET} is not the one this patch knows (${digest})`);

writeFileSync(TARGET, `${source.slice(0, start)}${REPLACEMENT}${source.slice(end + STATEMENT_END.length)}${FORWARD}`);
console.log(`patched wrangler ${VERSION}'s dev proxy (scripts/patch-wrangler.mjs)`);
