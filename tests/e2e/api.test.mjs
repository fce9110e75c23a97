// End-to-end tests of the JSON API and /mcp against a real `wrangler dev` with a fresh
// local D1 (see tests/support/app.mjs).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { runScript, spawnApp } from '../support/app.mjs';
import { query } from '../support/d1.mjs';
import { Client, isolatedRequest, KEY_PATTERN, PASSWORD, rpc, signedUpClient, uniqueEmail } from '../support/client.mjs';

let app;
let alice;
let bob;
/** Every secret this file sees, so the final check can look for it in the database files. */
const secretsSeen = [];

async function mintKey(client, label) {
  const key = await client.mintKey(label);
  secretsSeen.push(key.secret);
  return key;
}

async function whoami(key) {
  return app.client.mcp(key, rpc('tools/call', { name: 'whoami', arguments: {} }));
}

before(async () => {
  app = await spawnApp();
  app.client = new Client(app.baseUrl);
  alice = await signedUpClient(app.baseUrl, 'alice');
  bob = await signedUpClient(app.baseUrl, 'bob');
});

after(async () => {
  await app?.stop();
});

describe('accounts', () => {
  test('sign-up signs the user in with an HttpOnly, SameSite=Lax session cookie', async () => {
    const client = new Client(app.baseUrl);
    const email = uniqueEmail('cookie');
    const response = await client.signup(email, PASSWORD);
    assert.equal(response.status, 201);
    assert.equal(response.body.user.email, email);
    assert.equal(response.body.user.role, 'member');
    const cookie = response.headers.get('set-cookie');
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'plain http must not set Secure');
    assert.equal((await client.me()).body.user.email, email);
  });

  test('an email is registered once, whatever its letter case', async () => {
    const response = await new Client(app.baseUrl).signup(alice.email.toUpperCase(), PASSWORD);
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'email_taken');
  });

  test('a wrong password and an unknown email get the same answer', async () => {
    const wrongPassword = await new Client(app.baseUrl).login(alice.email, 'not the password');
    const unknownEmail = await new Client(app.baseUrl).login(uniqueEmail('nobody'), PASSWORD);
    assert.equal(wrongPassword.status, 401);
    assert.equal(unknownEmail.status, 401);
    assert.equal(wrongPassword.text, unknownEmail.text);
    assert.equal(wrongPassword.headers.get('set-cookie'), null);
  });

  test('sign-in works with the right password in any email case', async () => {
    const client = new Client(app.baseUrl);
    const response = await client.login(alice.email.toUpperCase(), PASSWORD);
    assert.equal(response.status, 200);
    assert.equal(response.body.user.id, alice.user.id);
  });

  test('signing out ends the session on the server, not just in the browser', async () => {
    const client = new Client(app.baseUrl);
    assert.equal((await client.login(alice.email, PASSWORD)).status, 200);
    const stolenCookie = client.cookie;
    assert.equal((await client.logout()).status, 200);
    const replay = await fetch(`${app.baseUrl}/api/me`, { headers: { cookie: stolenCookie } });
    assert.equal(replay.status, 401);
  });

  test('the API needs a session', async () => {
    const anonymous = new Client(app.baseUrl);
    for (const response of [await anonymous.me(), await anonymous.listKeys(), await anonymous.mint('x')]) {
      assert.equal(response.status, 401);
      assert.equal(response.body.error.code, 'not_signed_in');
    }
  });

  test('state-changing calls from another site are refused and change nothing', async () => {
    const before = (await alice.listKeys()).body.keys.length;
    const crossSite = await alice.request('POST', '/api/keys', {
      json: { label: 'csrf' },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.body.error.code, 'cross_site_request');
    const fetchMetadata = await alice.request('POST', '/api/keys', {
      json: { label: 'csrf' },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(fetchMetadata.status, 403);
    assert.equal((await alice.listKeys()).body.keys.length, before);
    const sameOrigin = await alice.request('POST', '/api/keys', {
      json: { label: 'same origin' },
      headers: { origin: app.baseUrl, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(sameOrigin.status, 201);
    secretsSeen.push(sameOrigin.body.secret);
  });
});

describe('keys', () => {
  test('minting returns the raw key once, with no-store, and the list shows it without the secret', async () => {
    const response = await alice.mint('  MacBook — local-dev script  ');
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const minted = response.body;
    secretsSeen.push(minted.secret);
    assert.match(minted.secret, KEY_PATTERN);
    assert.equal(minted.last4, minted.secret.slice(-4));
    assert.equal(minted.label, 'MacBook — local-dev script');
    assert.equal(minted.status, 'active');
    assert.deepEqual(minted.source, { kind: 'portal', badge: 'Portal' });
    assert.match(minted.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(minted.last_used_at, null);
    assert.equal(minted.revoked_at, null);
    assert.match(minted.id, /^key_[0-9a-f]{32}$/);

    const list = await alice.listKeys();
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes(minted.secret), 'the list never carries a secret');
    const row = list.body.keys.find((key) => key.id === minted.id);
    const { secret, ...withoutSecret } = minted;
    assert.deepEqual(row, withoutSecret);
  });

  test('the list is newest first and holds only the caller\'s keys', async () => {
    const first = await mintKey(bob, 'first');
    const second = await mintKey(bob, 'second');
    const ids = (await bob.listKeys()).body.keys.map((key) => key.id);
    assert.ok(ids.indexOf(second.id) < ids.indexOf(first.id));
    const aliceIds = (await alice.listKeys()).body.keys.map((key) => key.id);
    assert.ok(!aliceIds.includes(first.id) && !aliceIds.includes(second.id));
  });

  test('a key without a label is fine', async () => {
    const minted = await mintKey(alice);
    assert.equal(minted.label, null);
    const blank = await mintKey(alice, '   ');
    assert.equal(blank.label, null);
  });

  test('revoking is idempotent and the revoked row stays listed', async () => {
    const minted = await mintKey(alice, 'to revoke');
    const revoked = await alice.revoke(minted.id);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.status, 'revoked');
    assert.match(revoked.body.revoked_at, /Z$/);
    const again = await alice.revoke(minted.id);
    assert.equal(again.status, 200);
    assert.equal(again.body.revoked_at, revoked.body.revoked_at);
    const row = (await alice.listKeys()).body.keys.find((key) => key.id === minted.id);
    assert.equal(row.status, 'revoked');
  });

  test('another user\'s key and a key that does not exist give byte-identical 404s', async () => {
    const alicesKey = await mintKey(alice, 'not bob\'s');
    const foreign = await bob.revoke(alicesKey.id);
    const missing = await bob.revoke(`key_${'0'.repeat(32)}`);
    const garbage = await bob.revoke('not-a-key-id');
    for (const response of [foreign, missing, garbage]) {
      assert.equal(response.status, 404);
      assert.equal(response.text, foreign.text);
      assert.deepEqual([...response.headers.entries()], [...foreign.headers.entries()]);
    }
    const row = (await alice.listKeys()).body.keys.find((key) => key.id === alicesKey.id);
    assert.equal(row.status, 'active', 'bob could not revoke alice\'s key');
  });
});

describe('/mcp', () => {
  test('mint → /mcp 200 → revoke → the very next /mcp request is 401', async () => {
    const minted = await mintKey(alice, 'signature');
    const ok = await whoami(minted.secret);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.result.structuredContent.user.email, alice.email);
    assert.equal(ok.body.result.structuredContent.key.id, minted.id);

    assert.equal((await alice.revoke(minted.id)).status, 200);
    const refused = await whoami(minted.secret);
    assert.equal(refused.status, 401);
    assert.equal(
      refused.headers.get('www-authenticate'),
      `Bearer resource_metadata="${app.baseUrl}/.well-known/oauth-protected-resource/mcp", scope="mcp", error="invalid_token"`,
    );
  });

  test('whoami names the user, the role and the calling key; list_api_keys never shows secrets', async () => {
    const minted = await mintKey(bob, 'whoami');
    const response = await whoami(minted.secret);
    const data = response.body.result.structuredContent;
    assert.deepEqual(data.user, bob.user);
    assert.deepEqual(data.key, { id: minted.id, label: 'whoami', last4: minted.last4, source: minted.source });
    assert.deepEqual(JSON.parse(response.body.result.content[0].text), data);

    const list = await app.client.mcp(minted.secret, rpc('tools/call', { name: 'list_api_keys' }));
    assert.equal(list.status, 200);
    const keys = list.body.result.structuredContent.keys;
    assert.ok(keys.some((key) => key.id === minted.id));
    assert.ok(keys.every((key) => !('secret' in key)));
    assert.ok(!list.text.includes(minted.secret));
  });

  test('initialize negotiates the protocol version', async () => {
    const { secret } = await mintKey(alice, 'initialize');
    for (const version of ['2025-03-26', '2025-06-18', '2025-11-25']) {
      const response = await app.client.mcp(secret, rpc('initialize', {
        protocolVersion: version,
        capabilities: {},
        clientInfo: { name: 'e2e', version: '1' },
      }));
      assert.equal(response.status, 200);
      assert.equal(response.body.result.protocolVersion, version);
      assert.ok(response.body.result.capabilities.tools);
      assert.equal(response.body.result.serverInfo.name, 'hadron-keys');
    }
    const unknown = await app.client.mcp(secret, rpc('initialize', { protocolVersion: '2024-01-01' }));
    assert.equal(unknown.body.result.protocolVersion, '2025-11-25');
  });

  test('notifications get 202, ping and tools/list answer', async () => {
    const { secret } = await mintKey(alice, 'protocol');
    const notification = await app.client.mcp(secret, { jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(notification.status, 202);
    assert.equal(notification.text, '');
    const ping = await app.client.mcp(secret, rpc('ping', undefined, 'p-1'));
    assert.deepEqual(ping.body, { jsonrpc: '2.0', id: 'p-1', result: {} });
    const tools = await app.client.mcp(secret, rpc('tools/list'), { 'mcp-protocol-version': '2025-06-18' });
    assert.deepEqual(tools.body.result.tools.map((tool) => tool.name), ['whoami', 'list_api_keys']);
  });

  test('malformed JSON-RPC gets the JSON-RPC error codes', async () => {
    const { secret } = await mintKey(alice, 'errors');
    const cases = [
      ['not json', 400, -32700],
      ['[]', 400, -32600],
      [JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'ping' }), 400, -32600],
      [JSON.stringify({ jsonrpc: '2.0', id: null, method: 'ping' }), 400, -32600],
      [JSON.stringify(rpc('no/such/method')), 200, -32601],
      [JSON.stringify(rpc('tools/call', { name: 'no_such_tool' })), 200, -32602],
      [JSON.stringify(rpc('tools/call', { name: 'whoami', arguments: 'x' })), 200, -32602],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }), 200, -32602],
    ];
    for (const [body, status, code] of cases) {
      const response = await app.client.mcp(secret, body);
      assert.equal(response.status, status, body);
      assert.equal(response.body.error.code, code, body);
    }
    const badVersion = await app.client.mcp(secret, rpc('ping'), { 'mcp-protocol-version': '1999-01-01' });
    assert.equal(badVersion.status, 400);
  });

  test('GET /mcp is not offered, and a foreign Origin is refused', async () => {
    const { secret } = await mintKey(alice, 'methods');
    const get = await fetch(`${app.baseUrl}/mcp`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const foreign = await app.client.mcp(secret, rpc('ping'), { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    const own = await app.client.mcp(secret, rpc('ping'), { origin: app.baseUrl });
    assert.equal(own.status, 200);
  });

  test('missing and bad bearer tokens get 401 with the resource metadata, and the same body', async () => {
    const metadata = `Bearer resource_metadata="${app.baseUrl}/.well-known/oauth-protected-resource/mcp", scope="mcp"`;
    const missing = await app.client.mcp(null, rpc('ping'));
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), metadata);
    const unknownKey = `hdr_user_${'ab'.repeat(32)}`;
    for (const authorization of [
      `Bearer ${unknownKey}`,
      'Bearer hdr_user_short',
      `Bearer ${unknownKey.toUpperCase()}`,
      `Bearer ${unknownKey} ${unknownKey}`,
      'Bearer',
    ]) {
      const response = await app.client.mcp(null, rpc('ping'), { authorization });
      assert.equal(response.status, 401, authorization);
      assert.equal(response.headers.get('www-authenticate'), `${metadata}, error="invalid_token"`, authorization);
      assert.equal(response.text, missing.text, 'the body never says what was wrong');
    }
    const basic = await app.client.mcp(null, rpc('ping'), { authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(basic.headers.get('www-authenticate'), metadata);
  });

  test('the protected resource metadata points at this origin; the path-less one names the origin (RFC 9728 §3.3)', async () => {
    for (const [path, resource] of [
      ['/.well-known/oauth-protected-resource/mcp', `${app.baseUrl}/mcp`],
      ['/.well-known/oauth-protected-resource', app.baseUrl],
    ]) {
      const response = await fetch(app.baseUrl + path);
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.resource, resource, path);
      assert.deepEqual(body.authorization_servers, [app.baseUrl]);
    }
  });

  test('last_used_at records the latest accepted request', async () => {
    const minted = await mintKey(alice, 'last used');
    const before = Date.now() - 1000;
    assert.equal((await whoami(minted.secret)).status, 200);
    let row;
    for (let attempt = 0; attempt < 40; attempt += 1) {
      row = (await alice.listKeys()).body.keys.find((key) => key.id === minted.id);
      if (row.last_used_at) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(row.last_used_at, 'last_used_at was written after the response');
    assert.ok(Date.parse(row.last_used_at) >= before - 1000);
  });

  test('a role change applies to an existing key on its next request', async () => {
    const client = await signedUpClient(app.baseUrl, 'promoted');
    const minted = await mintKey(client, 'before promotion');
    assert.equal((await whoami(minted.secret)).body.result.structuredContent.user.role, 'member');
    await runScript('scripts/set-role.mjs', ['--local', '--persist-to', app.persistDir, '--email', client.email, '--role', 'org_admin']);
    assert.equal((await whoami(minted.secret)).body.result.structuredContent.user.role, 'org_admin');
    await runScript('scripts/set-role.mjs', ['--local', '--persist-to', app.persistDir, '--email', client.email, '--role', 'member']);
    assert.equal((await whoami(minted.secret)).body.result.structuredContent.user.role, 'member');
  });
});

describe('hostile input', () => {
  const countRows = async () => (await query(app.persistDir, 'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM api_keys) AS keys, (SELECT count(*) FROM sessions) AS sessions'))[0];

  test('bad requests get a clear 4xx JSON error, never a 5xx, and store nothing', async () => {
    const { secret } = await mintKey(alice, 'hostile');
    const tenMegabytes = 'x'.repeat(10 * 1024 * 1024);
    const rowsBefore = await countRows();
    const cases = [
      ['signup without a body', () => new Client(app.baseUrl).request('POST', '/api/auth/signup'), 415],
      ['signup with non-JSON', () => new Client(app.baseUrl).request('POST', '/api/auth/signup', { body: 'email=a', headers: { 'content-type': 'application/json' } }), 400],
      ['signup with a text/plain body', () => new Client(app.baseUrl).request('POST', '/api/auth/signup', { body: 'email=a&password=b', headers: { 'content-type': 'text/plain' } }), 415],
      ['signup with an array', () => new Client(app.baseUrl).request('POST', '/api/auth/signup', { json: [1, 2] }), 400],
      ['signup with a numeric email', () => new Client(app.baseUrl).signup(42, PASSWORD), 400],
      ['signup with a bad email', () => new Client(app.baseUrl).signup('not-an-email', PASSWORD), 400],
      ['signup with a short password', () => new Client(app.baseUrl).signup(uniqueEmail('short'), 'short'), 400],
      ['signup with SQL in the email', () => new Client(app.baseUrl).signup("x'); DROP TABLE users;--@example.com", PASSWORD), 400],
      ['signup with 10 MB', () => isolatedRequest(`${app.baseUrl}/api/auth/signup`, { body: tenMegabytes, headers: { 'content-type': 'application/json' } }), 413],
      ['login with a missing password', () => new Client(app.baseUrl).request('POST', '/api/auth/login', { json: { email: alice.email } }), 400],
      ['mint with a 1,000-character label', () => alice.mint('x'.repeat(1000)), 400],
      ['mint with a 101-character label', () => alice.mint('é'.repeat(101)), 400],
      ['mint with a control character', () => alice.mint('line\nbreak'), 400],
      ['mint with a numeric label', () => alice.mint(12), 400],
      ['mint with an object label', () => alice.mint({ nested: true }), 400],
      ['mint with non-JSON', () => alice.request('POST', '/api/keys', { body: '{label:', headers: { 'content-type': 'application/json' } }), 400],
      ['mint with 10 MB', () => isolatedRequest(`${app.baseUrl}/api/keys`, { body: tenMegabytes, headers: { 'content-type': 'application/json', cookie: alice.cookie } }), 413],
      ['mcp with 10 MB', () => isolatedRequest(`${app.baseUrl}/mcp`, { body: tenMegabytes, headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` } }), 413],
      ['mcp with 10 MB and no declared length', () => isolatedRequest(`${app.baseUrl}/mcp`, { body: tenMegabytes, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: `Bearer ${secret}` } }), 411],
      ['mcp with a text body', () => app.client.mcp(secret, '{}', { 'content-type': 'text/plain' }), 415],
      ['mcp with wrong JSON types', () => app.client.mcp(secret, { jsonrpc: '2.0', id: true, method: 7 }), 400],
      ['mcp with a garbled Authorization', () => app.client.mcp(null, rpc('ping'), { authorization: 'Bearer \u00ff\u00fe' }), 401],
      ['revoke with a traversal id', () => alice.request('POST', '/api/keys/..%2F..%2Fusers/revoke'), 404],
      ['an unknown API route', () => alice.request('GET', '/api/nope'), 404],
      // `make bench`'s D1-only route exists only when the Worker runs with BENCH_ROUTES=1.
      ['the bench route, not enabled', () => new Client(app.baseUrl).request('GET', '/api/bench/d1-lookup', { headers: { 'x-key-hash': '0'.repeat(64) } }), 404],
      ['a wrong method on a known route', () => alice.request('DELETE', '/api/keys'), 405],
      ['a GET on a POST route', () => alice.request('GET', '/api/auth/login'), 405],
    ];
    for (const [name, send, status] of cases) {
      const response = await send().catch((error) => {
        throw new Error(`${name}: ${error.message} (${error.cause?.code ?? error.cause})`);
      });
      assert.equal(response.status, status, `${name}: ${response.text.slice(0, 200)}`);
      assert.equal(typeof response.body?.error, 'object', `${name}: JSON error body`);
    }
    assert.deepEqual(await countRows(), rowsBefore, 'nothing was stored');
  });

  test('HTML in a label is stored and returned verbatim as JSON text', async () => {
    const html = '<img src=x onerror=alert(1)>';
    const minted = await mintKey(alice, html);
    assert.equal(minted.label, html);
    const response = await alice.listKeys();
    assert.match(response.headers.get('content-type'), /^application\/json/);
    assert.equal(response.body.keys.find((key) => key.id === minted.id).label, html);
  });
});

test('no raw key, password or session token is written anywhere in the local D1 files', async () => {
  assert.ok(secretsSeen.length > 10, 'the file minted keys to look for');
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(app.persistDir);
  assert.ok(files.some((file) => file.endsWith('.sqlite')), 'found the D1 database file');
  const needles = [
    ...secretsSeen,
    ...secretsSeen.map((secret) => secret.slice('hdr_user_'.length)),
    PASSWORD,
    alice.cookie.split('=')[1],
  ];
  for (const file of files) {
    const content = readFileSync(file).toString('latin1');
    for (const needle of needles) {
      assert.ok(!content.includes(needle), `${file} contains a secret`);
    }
  }
});
