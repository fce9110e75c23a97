// The plain-JS baseline of `make bench`: the per-request work of the project's `/mcp` and
// of the two baseline routes, written the way a careful JS Worker would write it, so the
// benchmark can put the Rust Worker side by side with it (issue 11).
//
// Same as the project (src/http/mcp.rs, mod.rs, context.rs, response.rs, bench.rs, auth.rs,
// store.rs, src/public_origin.rs, src/mcp/jsonrpc.rs):
// - the Host check before any other work: PUBLIC_ORIGIN's host and port when it is set,
//   otherwise a loopback name (127.0.0.0/8, localhost, [::1]); anything else is a 421;
// - the Origin check against that public origin;
// - Authorization parsed by the rules of src/credentials.rs `parse_bearer`, then the key
//   format `^hdr_user_[0-9a-f]{64}$`;
// - SHA-256 of the key (crypto.subtle), the same SQL as `store::find_active_key_by_hash`;
// - every refused token is a 401 (no rate limiter), with the same WWW-Authenticate
//   challenge (resource metadata URL, scope, error) and body;
// - `last_used_at` written after the response (`ctx.waitUntil`), at most once a minute per
//   key, with the same SQL as `store::touch_key`;
// - the same order of checks (method, MCP-Protocol-Version, Content-Type, body size,
//   UTF-8, JSON-RPC shape, batches of at most 32 when the protocol version has them), the
//   same JSON-RPC answers for `initialize`, `ping` and `tools/list`, byte for byte
//   (serde_json writes object keys in sorted order, so the objects below are written in
//   that order);
// - the same security headers on every response (HSTS over https) and the same one-line
//   JSON log.
// Not here: `tools/call` (not benchmarked: it answers Method not found) and every portal,
// OAuth and asset route, which answer the generic 404.
//
// The benchmark checks before measuring that both Workers answer each benchmarked request
// with the same status and body (scripts/bench/check.mjs).

const MAX_MCP_BODY_BYTES = 256 * 1024;
const LAST_USED_RESOLUTION_MS = 60_000;
const SUPPORTED_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];
const BATCHING_PROTOCOL_VERSION = '2025-03-26';
const MAX_BATCH_LEN = 32;
const BENCH_LOOKUP_PATH = '/api/bench/d1-lookup';
const HSTS = 'max-age=31536000';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;

const FIND_ACTIVE_KEY_BY_HASH =
  'SELECT k.id, k.label, k.last4, k.source, k.oauth_client_id, k.created_at, '
  + 'k.last_used_at, u.id AS user_id, u.email, u.role '
  + 'FROM api_keys k JOIN users u ON u.id = k.user_id '
  + 'WHERE k.key_hash = ?1 AND k.revoked_at IS NULL';
const TOUCH_KEY =
  'UPDATE api_keys SET last_used_at = ?2 '
  + 'WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)';

const KEY_FORMAT = /^hdr_user_[0-9a-f]{64}$/;

const NO_ARGUMENTS = { additionalProperties: false, properties: {}, type: 'object' };
const READ_ONLY = { openWorldHint: false, readOnlyHint: true };
const TOOLS_LIST_RESULT = {
  tools: [
    {
      annotations: READ_ONLY,
      description: 'The Hadron user behind this key, their current role, and which key made the call.',
      inputSchema: NO_ARGUMENTS,
      name: 'whoami',
      title: 'Who am I',
    },
    {
      annotations: READ_ONLY,
      description: 'Every API key of this account, active and revoked, newest first. Never includes secrets.',
      inputSchema: NO_ARGUMENTS,
      name: 'list_api_keys',
      title: 'List API keys',
    },
  ],
};

/** The one place the routes of the log line are named (src/http/mod.rs `route_name`). */
const ROUTE_NAMES = new Set([
  '/mcp',
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/mcp',
  BENCH_LOOKUP_PATH,
]);

class AppError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const crossSite = () => new AppError(403, 'cross_site_request', 'Requests from other sites are not allowed.');
const methodNotAllowed = (allow) => new AppError(405, 'method_not_allowed', 'This method is not allowed here.', { Allow: allow });
const notFound = () => new AppError(404, 'not_found', 'Not found.');
const lengthRequired = () => new AppError(411, 'length_required', 'Send the body with a Content-Length header.');
const payloadTooLarge = (limit) => new AppError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`);
const unsupportedMediaType = () => new AppError(415, 'unsupported_media_type', 'Send the body as application/json.');
const misdirected = (message) => new AppError(421, 'misdirected_request', message);
const internal = (detail) => {
  const error = new AppError(500, 'internal_error', 'Something went wrong on our side.');
  error.detail = detail;
  return error;
};

class RpcError {
  constructor(id, code, message) {
    this.id = id;
    this.code = code;
    this.message = message;
  }

  get isMalformed() {
    return this.code === PARSE_ERROR || this.code === INVALID_REQUEST;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message }, id: this.id, jsonrpc: '2.0' };
  }
}

function securityHeaders(extra) {
  return {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
    ...extra,
  };
}

function jsonResponse(status, body, extraHeaders = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: securityHeaders({ 'Content-Type': 'application/json', ...extraHeaders }),
  });
}

function errorResponse(error) {
  if (!(error instanceof AppError)) error = internal(String(error));
  if (error.detail !== undefined) console.error(`internal error: ${error.detail}`);
  return jsonResponse(error.status, { error: { code: error.code, message: error.message } }, error.headers);
}

/**
 * src/public_origin.rs: the origin users reach us at, or a 421 for a `Host` that is not
 * ours (DNS rebinding): PUBLIC_ORIGIN's host and port when set, else a loopback name.
 */
function publicOrigin(url, env) {
  const configured = (env.PUBLIC_ORIGIN ?? '').trim().replace(/\/+$/, '');
  if (configured === '') {
    const host = url.hostname;
    if (host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)) return url.origin;
    throw misdirected('This server answers only for 127.0.0.1 and localhost until PUBLIC_ORIGIN names its public origin.');
  }
  let publicUrl;
  try {
    publicUrl = new URL(configured);
  } catch {
    throw misdirected('PUBLIC_ORIGIN is not an origin such as https://keys.example.com.');
  }
  if (!['http:', 'https:'].includes(publicUrl.protocol) || publicUrl.pathname !== '/' || publicUrl.search !== ''
    || publicUrl.hash !== '' || publicUrl.username !== '' || publicUrl.password !== '') {
    throw misdirected('PUBLIC_ORIGIN is not an origin such as https://keys.example.com.');
  }
  if (publicUrl.host !== url.host) throw misdirected('This server does not answer for this host name.');
  return publicUrl.origin;
}

/** src/credentials.rs `parse_bearer`: absent, malformed, or one token. */
function parseBearer(header) {
  if (header === null) return { kind: 'absent' };
  const trimmed = header.replace(/^[ \t]+|[ \t]+$/g, '');
  const split = trimmed.search(/[ \t]/);
  const scheme = split === -1 ? trimmed : trimmed.slice(0, split);
  const rest = split === -1 ? '' : trimmed.slice(split + 1);
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'absent' };
  const token = rest.replace(/^[ \t]+/, '');
  return token !== '' && /^[\x21-\x7e]+$/.test(token) ? { kind: 'token', token } : { kind: 'malformed' };
}

async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The active key with this hash and its owner's current role, or null. */
async function findActiveKeyByHash(db, hash) {
  const row = await db.prepare(FIND_ACTIVE_KEY_BY_HASH).bind(hash).first();
  if (row === null) return null;
  if (row.role !== 'member' && row.role !== 'org_admin') throw internal(`unknown role in the users table: ${row.role}`);
  return {
    user: { id: row.user_id, email: row.email, role: row.role },
    key: { id: row.id, label: row.label, last4: row.last4, lastUsedAt: row.last_used_at },
  };
}

/** Returns the caller, or a rejection: `no_token` or `invalid_token`. */
async function authenticateBearer(request, db) {
  const bearer = parseBearer(request.headers.get('Authorization'));
  if (bearer.kind === 'absent') return { rejection: 'no_token' };
  if (bearer.kind === 'malformed' || !KEY_FORMAT.test(bearer.token)) return { rejection: 'invalid_token' };
  const caller = await findActiveKeyByHash(db, await sha256Hex(bearer.token));
  return caller ?? { rejection: 'invalid_token' };
}

function unauthorized(origin, tokenSent) {
  let challenge = `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", scope="mcp"`;
  if (tokenSent) challenge += ', error="invalid_token"';
  return jsonResponse(401, { error: { code: 'unauthorized', message: 'A valid bearer token is required.' } },
    { 'WWW-Authenticate': challenge });
}

function recordUse(db, key, ctx) {
  const now = Date.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    const statement = db.prepare(TOUCH_KEY).bind(key.id, now, now - LAST_USED_RESOLUTION_MS);
    ctx.waitUntil(statement.run().catch(() => {}));
  }
}

function requireJsonContentType(request) {
  const contentType = request.headers.get('Content-Type') ?? '';
  if (contentType.split(';')[0].trim().toLowerCase() !== 'application/json') throw unsupportedMediaType();
}

/** src/http/request.rs `read_body`: a declared length within `limit` (411 without one). */
async function readBody(request, limit) {
  if (request.body === null) return new Uint8Array(0);
  const declared = request.headers.get('Content-Length');
  if (declared === null) throw lengthRequired();
  const trimmed = declared.trim();
  if (!/^\+?[0-9]+$/.test(trimmed) || Number(trimmed) > limit) throw payloadTooLarge(limit);
  let bytes;
  try {
    bytes = new Uint8Array(await request.arrayBuffer());
  } catch {
    throw new AppError(400, 'unreadable_body', 'The body could not be read.');
  }
  if (bytes.length > limit) throw payloadTooLarge(limit);
  return bytes;
}

/** src/mcp/jsonrpc.rs `parse_payload`: one message, or (2025-03-26 only) a batch. */
function parsePayload(text, acceptBatches) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RpcError(null, PARSE_ERROR, 'Parse error: the body is not JSON');
  }
  if (!Array.isArray(value)) return { single: parseMessage(value) };
  const invalid = (reason) => new RpcError(null, INVALID_REQUEST, `Invalid Request: ${reason}`);
  if (!acceptBatches) throw invalid('batches are not supported in this protocol version');
  if (value.length === 0) throw invalid('empty batch');
  if (value.length > MAX_BATCH_LEN) throw invalid(`a batch may hold at most ${MAX_BATCH_LEN} messages`);
  return {
    batch: value.map((item) => {
      try {
        return parseMessage(item);
      } catch (error) {
        if (error instanceof RpcError) return { kind: 'error', error };
        throw error;
      }
    }),
  };
}

/** src/mcp/jsonrpc.rs `parse_value`: one JSON-RPC message. */
function parseMessage(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RpcError(null, INVALID_REQUEST, 'Invalid Request: expected a JSON-RPC object');
  }
  const hasId = Object.hasOwn(value, 'id');
  const { id } = value;
  if (hasId && typeof id !== 'string' && typeof id !== 'number') {
    throw new RpcError(null, INVALID_REQUEST, 'Invalid Request: id must be a string or a number');
  }
  const invalid = (reason) => new RpcError(hasId ? id : null, INVALID_REQUEST, `Invalid Request: ${reason}`);
  if (value.jsonrpc !== '2.0') throw invalid('jsonrpc must be "2.0"');
  if (!Object.hasOwn(value, 'method')) {
    if (hasId && (Object.hasOwn(value, 'result') || Object.hasOwn(value, 'error'))) return { kind: 'response' };
    throw invalid('method is missing');
  }
  if (typeof value.method !== 'string') throw invalid('method must be a string');
  const params = value.params ?? {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new RpcError(hasId ? id : null, INVALID_PARAMS, 'Invalid params: params must be an object');
  }
  return hasId ? { kind: 'request', id, method: value.method, params } : { kind: 'notification' };
}

function initializeResult(params) {
  const requested = params.protocolVersion;
  return {
    capabilities: { tools: { listChanged: false } },
    instructions: 'Tools for the Hadron account behind the bearer key: `whoami` names '
      + 'the user, role and calling key; `list_api_keys` lists the account\'s keys.',
    protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : SUPPORTED_PROTOCOL_VERSIONS[0],
    serverInfo: { name: 'hadron-keys', title: 'Hadron keys', version: '0.1.0' },
  };
}

function accepted() {
  return new Response(null, { status: 202, headers: securityHeaders() });
}

/** The result of one request; an RpcError for one this server does not answer. */
function answer(message) {
  switch (message.method) {
    case 'initialize': return initializeResult(message.params);
    case 'ping': return {};
    case 'tools/list': return TOOLS_LIST_RESULT;
    default: throw new RpcError(message.id, METHOD_NOT_FOUND, `Method not found: ${message.method}`);
  }
}

/** src/http/mcp.rs `answer_batch`: one answer per request, in order; 202 if none. */
function answerBatch(messages) {
  const responses = [];
  for (const message of messages) {
    if (message.kind === 'error') {
      responses.push(message.error);
    } else if (message.kind === 'request' && message.method === 'initialize') {
      responses.push(new RpcError(message.id, INVALID_REQUEST, 'Invalid Request: initialize cannot be batched'));
    } else if (message.kind === 'request') {
      try {
        responses.push({ id: message.id, jsonrpc: '2.0', result: answer(message) });
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
        responses.push(error);
      }
    }
  }
  return responses.length === 0 ? accepted() : jsonResponse(200, responses);
}

/** `/mcp`: the response and the id of the accepted key, for the log. */
async function mcp(request, origin, ctx, env) {
  const sentOrigin = request.headers.get('Origin');
  if (sentOrigin !== null && sentOrigin !== origin) throw crossSite();
  const db = env.DB;
  const caller = await authenticateBearer(request, db);
  if (caller.rejection !== undefined) {
    return { response: unauthorized(origin, caller.rejection === 'invalid_token'), keyId: null };
  }
  const keyId = caller.key.id;
  try {
    if (request.method !== 'POST') throw methodNotAllowed('POST');
    recordUse(db, caller.key, ctx);
    const version = request.headers.get('MCP-Protocol-Version');
    if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      throw new RpcError(null, INVALID_REQUEST, `Unsupported MCP-Protocol-Version: ${version}`);
    }
    requireJsonContentType(request);
    const bytes = await readBody(request, MAX_MCP_BODY_BYTES);
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new RpcError(null, PARSE_ERROR, 'Parse error: the body is not UTF-8');
    }
    const payload = parsePayload(text, version === null || version === BATCHING_PROTOCOL_VERSION);
    if (payload.batch !== undefined) return { response: answerBatch(payload.batch), keyId };
    const message = payload.single;
    if (message.kind !== 'request') return { response: accepted(), keyId };
    const result = answer(message);
    return { response: jsonResponse(200, { id: message.id, jsonrpc: '2.0', result }), keyId };
  } catch (error) {
    if (error instanceof RpcError) return { response: jsonResponse(error.isMalformed ? 400 : 200, error), keyId };
    throw Object.assign(error, { keyId });
  }
}

/** `/api/bench/d1-lookup`, like src/http/bench.rs: the D1 lookup alone, by `X-Key-Hash`. */
async function benchLookup(request, env) {
  const found = await findActiveKeyByHash(env.DB, request.headers.get('X-Key-Hash') ?? '');
  return jsonResponse(found === null ? 404 : 200, {});
}

async function route(request, pathname, origin, env) {
  if (pathname === '/.well-known/oauth-protected-resource' || pathname === '/.well-known/oauth-protected-resource/mcp') {
    if (request.method !== 'GET') throw methodNotAllowed('GET');
    // RFC 9728 §3.3: the resource is the URL the document was found for.
    return jsonResponse(200, {
      authorization_servers: [origin],
      bearer_methods_supported: ['header'],
      resource: pathname === '/.well-known/oauth-protected-resource' ? origin : `${origin}/mcp`,
      resource_name: 'Hadron MCP',
      scopes_supported: ['mcp'],
    });
  }
  if (pathname === BENCH_LOOKUP_PATH && env.BENCH_ROUTES === '1' && (request.method === 'GET' || request.method === 'POST')) {
    return benchLookup(request, env);
  }
  throw notFound();
}

export default {
  async fetch(request, env, ctx) {
    const started = Date.now();
    const url = new URL(request.url);
    const path = url.pathname;
    let response;
    let keyId = null;
    let https = false;
    try {
      const origin = publicOrigin(url, env);
      https = origin.startsWith('https:');
      if (path === '/mcp') ({ response, keyId } = await mcp(request, origin, ctx, env));
      else response = await route(request, path, origin, env);
    } catch (error) {
      keyId = error?.keyId ?? keyId;
      response = errorResponse(error);
    }
    if (https) response.headers.set('Strict-Transport-Security', HSTS);
    console.log(JSON.stringify({
      duration_ms: Date.now() - started,
      key_id: keyId,
      method: request.method,
      route: ROUTE_NAMES.has(path) ? path : '(unmatched)',
      status: response.status,
    }));
    return response;
  },
};
