// The requests `make bench` measures, and the check that both Workers answer them alike.

import { sha256Hex } from './seed.mjs';

const RPC_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
const RPC_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

/**
 * The benchmarked routes. `randomClient`: a different CF-Connecting-IP per request, as
 * refused tokens from many clients would come (nothing counts them any more).
 */
export function benchRoutes({ key, unknownKey }) {
  return [
    {
      id: 'mcp',
      label: 'authenticated /mcp tools/list',
      path: '/mcp',
      method: 'POST',
      body: RPC_BODY,
      headers: { ...RPC_HEADERS, Authorization: `Bearer ${key}` },
      expect: 200,
    },
    {
      id: 'no-d1',
      label: 'no D1 (/.well-known/oauth-protected-resource/mcp)',
      path: '/.well-known/oauth-protected-resource/mcp',
      method: 'GET',
      headers: {},
      expect: 200,
    },
    {
      id: 'd1-lookup',
      label: 'the D1 lookup alone (/api/bench/d1-lookup)',
      path: '/api/bench/d1-lookup',
      // A GET: the route does not read a body, and workerd closes the connection after a
      // response that left a request body unread, which would add a reconnect per request
      // to this baseline alone. (The two 401 routes below pay that, for both Workers
      // alike: a refused request's body is never read.)
      method: 'GET',
      headers: { Accept: RPC_HEADERS.Accept, 'X-Key-Hash': sha256Hex(key) },
      expect: 200,
    },
    {
      id: 'malformed',
      label: 'malformed key (no D1)',
      path: '/mcp',
      method: 'POST',
      body: RPC_BODY,
      headers: { ...RPC_HEADERS, Authorization: 'Bearer hdr_user_not-a-key' },
      expect: 401,
      randomClient: true,
    },
    {
      id: 'unknown',
      label: 'unknown well-formed key',
      path: '/mcp',
      method: 'POST',
      body: RPC_BODY,
      headers: { ...RPC_HEADERS, Authorization: `Bearer ${unknownKey}` },
      expect: 401,
      randomClient: true,
    },
  ];
}

/** Requests not measured but answered by both, checked too so the baseline stays honest. */
function parityProbes({ key }) {
  const auth = { ...RPC_HEADERS, Authorization: `Bearer ${key}` };
  const rpc = (body, headers = auth) => ({ path: '/mcp', method: 'POST', body: JSON.stringify(body), headers });
  return [
    { label: 'initialize', ...rpc({ jsonrpc: '2.0', id: 'a', method: 'initialize', params: { protocolVersion: '2025-06-18' } }) },
    { label: 'ping', ...rpc({ jsonrpc: '2.0', id: 2, method: 'ping' }) },
    { label: 'notification → 202', ...rpc({ jsonrpc: '2.0', method: 'notifications/initialized' }) },
    { label: 'unknown method', ...rpc({ jsonrpc: '2.0', id: 3, method: 'resources/list' }) },
    { label: 'batch', ...rpc([{ jsonrpc: '2.0', id: 4, method: 'ping' }]) },
    { label: 'invalid JSON', path: '/mcp', method: 'POST', body: '{"jsonrpc":', headers: auth },
    { label: 'wrong jsonrpc version', ...rpc({ jsonrpc: '1.0', id: 5, method: 'ping' }) },
    { label: 'params not an object', ...rpc({ jsonrpc: '2.0', id: 6, method: 'ping', params: [1] }) },
    { label: 'unsupported protocol version', ...rpc({ jsonrpc: '2.0', id: 7, method: 'ping' }, { ...auth, 'MCP-Protocol-Version': '1999-01-01' }) },
    { label: 'text/plain body', ...rpc({ jsonrpc: '2.0', id: 8, method: 'ping' }, { ...auth, 'Content-Type': 'text/plain' }) },
    { label: 'GET /mcp → 405', path: '/mcp', method: 'GET', headers: { Authorization: `Bearer ${key}` } },
    { label: 'no Authorization → 401 without error=', ...rpc({ jsonrpc: '2.0', id: 9, method: 'ping' }, RPC_HEADERS) },
    { label: 'Basic scheme → 401 without error=', ...rpc({ jsonrpc: '2.0', id: 10, method: 'ping' }, { ...RPC_HEADERS, Authorization: 'Basic dXNlcjpwYXNz' }) },
    { label: 'lower-case scheme, extra blanks', ...rpc({ jsonrpc: '2.0', id: 11, method: 'tools/list' }, { ...RPC_HEADERS, Authorization: `  bearer    ${key}` }) },
    { label: 'two tokens → 401', ...rpc({ jsonrpc: '2.0', id: 12, method: 'ping' }, { ...RPC_HEADERS, Authorization: `Bearer ${key} x` }) },
    { label: 'foreign Origin → 403', ...rpc({ jsonrpc: '2.0', id: 13, method: 'ping' }, { ...auth, Origin: 'https://evil.example' }) },
    { label: 'GET the path-less discovery document', path: '/.well-known/oauth-protected-resource', method: 'GET', headers: {} },
    { label: 'POST the discovery document → 405', path: '/.well-known/oauth-protected-resource/mcp', method: 'POST', headers: {} },
    { label: 'bench lookup of an unknown hash → 404', path: '/api/bench/d1-lookup', method: 'GET', headers: { 'X-Key-Hash': '0'.repeat(64) } },
  ];
}

// Headers that say how the bytes travel, not what the Worker answered.
const TRANSPORT_HEADERS = new Set(['content-length', 'transfer-encoding', 'date', 'connection', 'keep-alive', 'content-encoding', 'vary']);

async function answer(baseUrl, request) {
  const headers = { 'Accept-Encoding': 'identity', 'CF-Connecting-IP': `198.51.100.${1 + Math.floor(Math.random() * 254)}`, ...request.headers };
  const response = await fetch(baseUrl + request.path, { method: request.method, headers, body: request.body });
  const origin = new URL(baseUrl).origin;
  const text = (await response.text()).replaceAll(origin, '<origin>');
  const shownHeaders = [...response.headers]
    .filter(([name]) => !TRANSPORT_HEADERS.has(name))
    .map(([name, value]) => `${name}: ${value.replaceAll(origin, '<origin>')}`)
    .sort();
  return { status: response.status, text, headers: shownHeaders };
}

/**
 * Sends every benchmarked request and every probe to both Workers and compares status,
 * body and headers (the Workers' own origins replaced by a placeholder). Returns the
 * differences; the benchmark refuses to measure when there are any.
 */
export async function checkParity(project, js, fixture) {
  const differences = [];
  const requests = [
    ...benchRoutes(fixture).map((route) => ({ ...route, label: `${route.id}: ${route.label}` })),
    ...parityProbes(fixture),
  ];
  for (const request of requests) {
    const [a, b] = [await answer(project.baseUrl, request), await answer(js.baseUrl, request)];
    if (request.expect !== undefined && a.status !== request.expect) {
      differences.push(`${request.label}: the project answered ${a.status}, the benchmark expects ${request.expect}: ${a.text.slice(0, 200)}`);
    }
    if (a.status !== b.status || a.text !== b.text) {
      differences.push(`${request.label}:\n  project ${a.status} ${a.text.slice(0, 400)}\n  JS      ${b.status} ${b.text.slice(0, 400)}`);
    } else if (a.headers.join('\n') !== b.headers.join('\n')) {
      differences.push(`${request.label} (headers):\n  project ${a.headers.join(' | ')}\n  JS      ${b.headers.join(' | ')}`);
    }
  }
  return { differences, checked: requests.length };
}
