// A small HTTP client for the Worker: one method per endpoint, a cookie jar per client
// (one client = one browser profile), and responses read once into plain objects.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';

import { Agent, setGlobalDispatcher } from 'undici';

// wrangler dev closes idle keep-alive connections after 5 s. Undici would otherwise reuse
// a connection the server is closing at that moment and fail a POST with "other side
// closed"; dropping idle connections after half a second leaves no such window.
setGlobalDispatcher(new Agent({ keepAliveTimeout: 500, keepAliveMaxTimeout: 500 }));

export const KEY_PATTERN = /^hdr_user_[0-9a-f]{64}$/;

/**
 * One request on its own connection, closed afterwards. For bodies the server refuses
 * without reading (413): on a shared keep-alive connection the unread rest of the body
 * would break the next request.
 */
export function isolatedRequest(url, { method = 'POST', headers = {}, body = '' } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = null; }
        resolve({ status: res.statusCode, headers: new Headers(res.headers), text, body: json });
      });
    });
    // The server may answer and close before the whole body is sent.
    req.on('error', (error) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? null : reject(error)));
    req.end(body);
  });
}

export async function readResponse(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  return { status: response.status, headers: response.headers, text, body };
}

/**
 * A client address of its own, sent as `CF-Connecting-IP` (which Cloudflare sets and
 * `wrangler dev` passes through), so that the per-address limits count each test client
 * separately, as they would count separate people. The limits tests choose theirs.
 */
export function clientAddress() {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${c % 254 + 1}`;
}

export class Client {
  constructor(baseUrl, { address = clientAddress() } = {}) {
    this.baseUrl = baseUrl;
    this.cookie = null;
    this.address = address;
  }

  /** Any request; JSON bodies are serialised, the session cookie is sent and kept. */
  async request(method, path, { json, body, headers = {} } = {}) {
    const finalHeaders = { 'cf-connecting-ip': this.address, ...headers };
    if (this.cookie) finalHeaders.cookie = this.cookie;
    if (json !== undefined) {
      finalHeaders['content-type'] ??= 'application/json';
      body = JSON.stringify(json);
    }
    const response = await fetch(this.baseUrl + path, { method, headers: finalHeaders, body, redirect: 'manual' });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const pair = setCookie.split(';')[0];
      this.cookie = pair.endsWith('=') ? null : pair;
    }
    return readResponse(response);
  }

  signup(email, password) { return this.request('POST', '/api/auth/signup', { json: { email, password } }); }
  login(email, password) { return this.request('POST', '/api/auth/login', { json: { email, password } }); }
  logout() { return this.request('POST', '/api/auth/logout'); }
  me() { return this.request('GET', '/api/me'); }
  /** Every key: plain `GET /api/keys` is not paged. */
  listKeys() { return this.request('GET', '/api/keys'); }

  mint(label, headers = {}) {
    return this.request('POST', '/api/keys', { json: label === undefined ? {} : { label }, headers });
  }

  /** Mints a key and returns it (`{ id, secret, … }`); the test fails unless that was a 201. */
  async mintKey(label, headers = {}) {
    const response = await this.mint(label, headers);
    assert.equal(response.status, 201, response.text);
    return response.body;
  }

  /** The key with this id from the (unpaged) list, or undefined. */
  async keyById(id) {
    const response = await this.listKeys();
    assert.equal(response.status, 200, response.text);
    return response.body.keys.find((key) => key.id === id);
  }

  revoke(id) { return this.request('POST', `/api/keys/${encodeURIComponent(id)}/revoke`); }

  /** A JSON-RPC call to /mcp with a bearer key (no cookie: MCP clients have none). */
  async mcp(key, message, headers = {}) {
    const finalHeaders = {
      'cf-connecting-ip': this.address,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    };
    if (key !== null) finalHeaders.authorization = `Bearer ${key}`;
    const response = await fetch(`${this.baseUrl}/mcp`, {
      method: 'POST',
      headers: finalHeaders,
      body: typeof message === 'string' ? message : JSON.stringify(message),
    });
    return readResponse(response);
  }
}

let counter = 0;
/** A unique email for this test run. */
export function uniqueEmail(name = 'user') {
  counter += 1;
  return `${name}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

/** A new client with a freshly signed-up account. */
export async function signedUpClient(baseUrl, name) {
  const client = new Client(baseUrl);
  const email = uniqueEmail(name);
  const response = await client.signup(email, PASSWORD);
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${response.text}`);
  client.email = email;
  client.user = response.body.user;
  return client;
}

export function rpc(method, params, id = 1) {
  return { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) };
}
