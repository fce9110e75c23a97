// Hostile input beyond the API table in api.test.mjs: oversized headers, invalid UTF-8,
// deep nesting, wrong content types, path traversal on static assets, and SQL and HTML in
// every text field. The answer is always a clear 4xx (or the text stored verbatim),
// never a 5xx and never a panic.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';

import { spawnApp } from '../support/app.mjs';
import { query } from '../support/d1.mjs';
import { Client, isolatedRequest, PASSWORD, rpc, signedUpClient, uniqueEmail } from '../support/client.mjs';
import { authorizeParams, decide, pkcePair, registerClient } from '../support/oauth.mjs';

let app;
let user;
let key;

before(async () => {
  app = await spawnApp();
  user = await signedUpClient(app.baseUrl, 'hostile');
  key = (await user.mint('hostile')).body.secret;
});

after(async () => {
  await app?.stop();
});

/** A GET with the path exactly as written: no URL normalisation on our side. */
function rawGet(path) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: app.port, path, method: 'GET', agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const invalidUtf8 = Buffer.from([0x7b, 0x22, 0x6c, 0x61, 0x62, 0x65, 0x6c, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
const nestedArrays = (depth) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
// Deep enough to overflow any recursive parser without a depth limit, small enough to
// stay under each route's body limit (256 KiB for /mcp, 16 KiB for the portal API).
const deeplyNested = nestedArrays(100_000);
const deeplyNestedObject = nestedObjects(40_000);
const nestedSmall = nestedArrays(7_000);
const nestedSmallObject = nestedObjects(2_500);

test('oversized headers are refused with a 4xx', async () => {
  const huge = `Bearer hdr_user_${'a'.repeat(64 * 1024)}`;
  const response = await isolatedRequest(`${app.baseUrl}/mcp`, {
    headers: { authorization: huge, 'content-type': 'application/json' },
    body: JSON.stringify(rpc('ping')),
  });
  assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
  const cookie = await isolatedRequest(`${app.baseUrl}/api/me`, { method: 'GET', headers: { cookie: `hadron_session=${'a'.repeat(30_000)}` } });
  assert.ok(cookie.status >= 400 && cookie.status < 500, `status ${cookie.status}`);
});

test('invalid UTF-8, deep nesting and wrong content types get clear 4xx errors', async () => {
  const json = { 'content-type': 'application/json' };
  const cases = [
    ['mcp, invalid UTF-8', '/mcp', { ...json, authorization: `Bearer ${key}` }, invalidUtf8, 400],
    ['mcp, nested arrays', '/mcp', { ...json, authorization: `Bearer ${key}` }, deeplyNested, 400],
    ['mcp, nested objects', '/mcp', { ...json, authorization: `Bearer ${key}` }, deeplyNestedObject, 400],
    ['mcp, form body', '/mcp', { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${key}` }, 'a=1', 415],
    ['mcp, no content type', '/mcp', { authorization: `Bearer ${key}` }, JSON.stringify(rpc('ping')), 415],
    ['mint, invalid UTF-8', '/api/keys', { ...json, cookie: user.cookie }, invalidUtf8, 400],
    ['mint, nested arrays', '/api/keys', { ...json, cookie: user.cookie }, nestedSmall, 400],
    ['mint, text/plain', '/api/keys', { 'content-type': 'text/plain', cookie: user.cookie }, '{"label":"x"}', 415],
    ['signup, nested objects', '/api/auth/signup', json, nestedSmallObject, 400],
    ['login, invalid UTF-8', '/api/auth/login', json, invalidUtf8, 400],
    ['register, nested arrays (past its 4 KB limit)', '/oauth/register', json, nestedSmall, 413],
    ['register, nested arrays within its limit', '/oauth/register', json, '['.repeat(1000) + ']'.repeat(1000), 400],
    ['register, invalid UTF-8', '/oauth/register', json, invalidUtf8, 400],
    ['register, form body', '/oauth/register', { 'content-type': 'application/x-www-form-urlencoded' }, 'client_name=x', 415],
    ['token, JSON body', '/oauth/token', json, '{"grant_type":"authorization_code"}', 400],
    ['token, invalid UTF-8', '/oauth/token', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from([0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff]), 400],
    ['revoke, no body', '/oauth/revoke', {}, '', 400],
  ];
  for (const [name, path, headers, body, status] of cases) {
    const response = await isolatedRequest(`${app.baseUrl}${path}`, { headers, body });
    assert.equal(response.status, status, `${name}: ${response.text.slice(0, 200)}`);
    assert.ok(response.body && typeof response.body === 'object', `${name}: a JSON body`);
  }
});

test('path traversal never reaches files outside public/', async () => {
  for (const path of [
    '/../wrangler.toml',
    '/%2e%2e/wrangler.toml',
    '/%2e%2e%2fCargo.toml',
    '/assets/..%2f..%2fwrangler.toml',
    '/assets/%2e%2e/%2e%2e/src/lib.rs',
    '/..%5c..%5cwrangler.toml',
    '/public/index.html',
    '/build/index.js',
    '/.wrangler/state',
    '/api/keys/..%2f..%2fme/revoke',
  ]) {
    const response = await rawGet(path);
    assert.ok(response.status < 500, `${path}: ${response.status}`);
    for (const secretish of ['compatibility_date', '[package]', 'pub mod', 'wasm-bindgen', 'd1_databases']) {
      assert.ok(!response.text.includes(secretish), `${path} served a project file`);
    }
  }
});

test('SQL and HTML in every text field are stored and returned verbatim, and break nothing', async () => {
  const sql = "x'); DROP TABLE api_keys; --";
  const html = '<script>alert(1)</script><img src=x onerror=alert(1)>';

  const email = `o'brien+${Date.now()}@example.com`;
  const quoted = new Client(app.baseUrl);
  assert.equal((await quoted.signup(email, `${sql}${html}`)).status, 201);
  assert.equal((await new Client(app.baseUrl).login(email, `${sql}${html}`)).status, 200);
  assert.equal((await new Client(app.baseUrl).login(`${sql}@example.com`, PASSWORD)).status, 401);

  for (const label of [sql, html, '" OR 1=1 --', '\\u0000 is not a NUL']) {
    const minted = await user.mint(label);
    assert.equal(minted.status, 201, label);
    assert.equal(minted.body.label, label);
  }
  const listed = await user.listKeys();
  assert.equal(listed.status, 200);
  assert.ok(listed.body.keys.some((row) => row.label === sql));
  assert.ok(listed.body.keys.some((row) => row.label === html));

  const client = await registerClient(app.baseUrl, { client_name: `${html} ${sql}`.slice(0, 100) });
  assert.equal(client.status, 201);
  const { challenge } = pkcePair();
  const params = authorizeParams(app.baseUrl, client.body, { challenge, state: `${html}&${sql}` });
  const { details, redirectTo } = await decide(user, params, 'deny');
  assert.equal(details.body.client.name, `${html} ${sql}`.slice(0, 100));
  assert.equal(redirectTo.searchParams.get('state'), `${html}&${sql}`);

  const tools = await user.mcp(key, rpc('tools/call', { name: 'list_api_keys', arguments: {} }));
  assert.equal(tools.status, 200);
  assert.equal((await query(app.persistDir, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'api_keys'"))[0].n, 1, 'the table is still there');
});

test('no request above made the Worker answer 5xx or panic', () => {
  const logs = app.logs();
  assert.ok(!/"status":5\d\d/.test(logs), 'a 5xx in the request log');
  assert.ok(!/panicked|RuntimeError: unreachable/.test(logs), 'a panic in the log');
});

test('a signup that reuses an email with different letter case and SQL stays a 409', async () => {
  const email = uniqueEmail('case');
  assert.equal((await new Client(app.baseUrl).signup(email, PASSWORD)).status, 201);
  assert.equal((await new Client(app.baseUrl).signup(email.toUpperCase(), PASSWORD)).status, 409);
});
