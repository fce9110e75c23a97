// A local server for Client ID Metadata Documents, so tests can be the client that names
// itself by a URL. The Worker fetches from it only with CIMD_ALLOW_INSECURE_LOOPBACK=1.
//
// Each path answers what `serve(path, answer)` set: a JSON document (by default), any
// status, headers and body, a redirect, or no answer at all (to test the timeout).

import { createServer } from 'node:http';

export async function startDocumentServer() {
  const answers = new Map();
  const hits = new Map();
  const hanging = new Set();
  const server = createServer((req, res) => {
    hits.set(req.url, (hits.get(req.url) ?? 0) + 1);
    const answer = answers.get(req.url);
    if (!answer) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such document');
      return;
    }
    if (answer.hang) {
      hanging.add(res);
      return;
    }
    res.writeHead(answer.status ?? 200, answer.headers ?? { 'content-type': 'application/json' });
    res.end(answer.body ?? '');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;

  return {
    /** The client_id URL of `path`. */
    url: (path) => `${base}${path}`,
    /** Serves `document` (an object, made to name its own URL unless it says otherwise). */
    serveDocument(path, document, headers = {}) {
      const body = JSON.stringify({ client_id: `${base}${path}`, ...document });
      answers.set(path, { headers: { 'content-type': 'application/json', ...headers }, body });
      return `${base}${path}`;
    },
    /** Serves an arbitrary answer: `{ status, headers, body }` or `{ hang: true }`. */
    serve(path, answer) {
      answers.set(path, answer);
      return `${base}${path}`;
    },
    hits: (path) => hits.get(path) ?? 0,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
