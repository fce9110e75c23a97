// What an anonymous stranger on the open internet can make the Worker do, each attack
// written as it would be tried: exhaust a path from one address, race the sign-in limit,
// grow D1, reach `make dev` through a rebound host name, plant a second session cookie,
// post credentials without the page's script. Every limit answers 429 with Retry-After
// and the JSON error, and leaves other addresses alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { spawnApp } from '../support/app.mjs';
import { query } from '../support/d1.mjs';
import { Client, clientAddress, isolatedRequest, PASSWORD, rpc, signedUpClient, uniqueEmail } from '../support/client.mjs';
import { authorizeParams, decide, exchangeCode, pkcePair, registerClient } from '../support/oauth.mjs';

let app;

before(async () => {
  app = await spawnApp({ testScheduled: true });
});

after(async () => {
  await app?.stop();
});

/** Asserts the limit's answer: 429, Retry-After within the window, the JSON error. */
function assertLimited(response, windowSeconds, what) {
  assert.equal(response.status, 429, `${what}: ${response.text?.slice(0, 200)}`);
  const retryAfter = Number(response.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= windowSeconds, `${what}: Retry-After ${retryAfter}`);
  assert.equal(response.body.error.code, 'too_many_requests', what);
}

const count = async (sql) => (await query(app.persistDir, sql))[0].n;

describe('limits on anonymous and failing paths, per client address', () => {
  test('dynamic client registration: 20 an hour from one address', async () => {
    const address = clientAddress();
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      assert.equal((await registerClient(app.baseUrl, {}, { address })).status, 201, `registration ${attempt}`);
    }
    const clientsBefore = await count('SELECT count(*) AS n FROM oauth_clients');
    assertLimited(await registerClient(app.baseUrl, {}, { address }), 3600, 'registration 21');
    assert.equal(await count('SELECT count(*) AS n FROM oauth_clients'), clientsBefore, 'nothing stored');
    assert.equal((await registerClient(app.baseUrl)).status, 201, 'another address still registers');
  });

  test('sign-up: 10 an hour from one address, refused before any hashing', async () => {
    const address = clientAddress();
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      assert.equal((await new Client(app.baseUrl, { address }).signup(uniqueEmail('flood'), PASSWORD)).status, 201);
    }
    const limited = await new Client(app.baseUrl, { address }).signup(uniqueEmail('flood'), PASSWORD);
    assertLimited(limited, 3600, 'sign-up 11');
    assert.equal(limited.headers.get('set-cookie'), null);
    assert.equal((await new Client(app.baseUrl).signup(uniqueEmail('elsewhere'), PASSWORD)).status, 201);
  });

  test('sign-in failures: 30 per 15 minutes from one address, across accounts', async () => {
    const address = clientAddress();
    const victim = await signedUpClient(app.baseUrl, 'spray');
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      // A different made-up account each time: the per-account limit never trips.
      const response = await new Client(app.baseUrl, { address }).login(uniqueEmail('nobody'), 'wrong password');
      assert.equal(response.status, 401, `attempt ${attempt}`);
    }
    assertLimited(await new Client(app.baseUrl, { address }).login(victim.email, PASSWORD), 900, 'attempt 31, right password');
    assert.equal((await new Client(app.baseUrl).login(victim.email, PASSWORD)).status, 200, 'from elsewhere the account signs in');
  });

  test('successful sign-ins do not use up the address\'s budget', async () => {
    const address = clientAddress();
    const user = await signedUpClient(app.baseUrl, 'often');
    for (let attempt = 1; attempt <= 35; attempt += 1) {
      assert.equal((await new Client(app.baseUrl, { address }).login(user.email, PASSWORD)).status, 200, `sign-in ${attempt}`);
    }
  });

  test('token endpoint failures: 30 per 10 minutes from one address', async () => {
    const address = clientAddress();
    const fields = { grant_type: 'authorization_code', code: 'a'.repeat(64), code_verifier: 'v'.repeat(43), client_id: 'dcr_0123456789abcdef0123456789abcdef' };
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      const response = await exchangeCode(app.baseUrl, fields, { 'cf-connecting-ip': address });
      assert.equal(response.status, 401, `attempt ${attempt}`);
    }
    assertLimited(await exchangeCode(app.baseUrl, fields, { 'cf-connecting-ip': address }), 600, 'attempt 31');
  });

  test('consent failures: 30 per 10 minutes from one address; decisions that succeed are not counted', async () => {
    const address = clientAddress();
    const user = await signedUpClient(app.baseUrl, 'consenter');
    user.address = address;
    const client = (await registerClient(app.baseUrl)).body;
    for (let attempt = 1; attempt <= 35; attempt += 1) {
      const { answer } = await decide(user, authorizeParams(app.baseUrl, client, { challenge: pkcePair().challenge }), 'deny');
      assert.equal(answer.status, 200, `decision ${attempt}`);
    }
    const forged = () => user.request('POST', '/api/oauth/consent', {
      json: { request: '', decision: 'approve', csrf_token: '0'.repeat(64) },
      headers: { origin: app.baseUrl },
    });
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      assert.equal((await forged()).status, 400, `forged ${attempt}`);
    }
    assertLimited(await forged(), 600, 'forged 31');
  });

  test('minting: 60 an hour per user', async () => {
    const user = await signedUpClient(app.baseUrl, 'minter');
    for (let attempt = 1; attempt <= 60; attempt += 1) {
      assert.equal((await user.mint(`key ${attempt}`)).status, 201, `mint ${attempt}`);
    }
    assertLimited(await user.mint('one too many'), 3600, 'mint 61');
    assert.equal(await count(`SELECT count(*) AS n FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.email = '${user.email}'`), 60);
  });
});

describe('the per-account sign-in limit under concurrency', () => {
  test('30 concurrent wrong passwords for one account: at most 10 are checked', async () => {
    const victim = await signedUpClient(app.baseUrl, 'raced');
    const attempts = await Promise.all(Array.from({ length: 30 }, (_, index) =>
      new Client(app.baseUrl).login(victim.email, `guess ${index}`)));
    const statuses = attempts.map((response) => response.status);
    const checked = statuses.filter((status) => status === 401).length;
    assert.ok(checked <= 10, `${checked} guesses were checked: ${statuses}`);
    assert.equal(statuses.filter((status) => status === 429).length, 30 - checked, `${statuses}`);
    assertLimited(await new Client(app.baseUrl).login(victim.email, PASSWORD), 900, 'even the right password waits');
  });
});

describe('nothing anonymous grows D1 without bound', () => {
  test('a registration is at most 4 KB, and its redirect URIs are stored once', async () => {
    const long = `https://app.example/${'x'.repeat(1400)}`;
    const big = await registerClient(app.baseUrl, { redirect_uris: Array.from({ length: 10 }, (_, index) => `${long}${index}`) });
    assert.equal(big.status, 413);
    const ok = await registerClient(app.baseUrl, { redirect_uris: ['https://app.example/cb'], client_uri: 'https://app.example' });
    assert.equal(ok.status, 201);
    const [row] = await query(app.persistDir, `SELECT redirect_uris, metadata FROM oauth_clients WHERE id = '${ok.body.client_id}'`);
    assert.deepEqual(JSON.parse(row.redirect_uris), ['https://app.example/cb']);
    assert.ok(!row.metadata.includes('app.example/cb'), `the metadata does not repeat them: ${row.metadata}`);
  });

  test('a user keeps at most 20 sessions: signing in again ends the oldest', async () => {
    const user = await signedUpClient(app.baseUrl, 'sessions');
    const first = user.cookie;
    for (let attempt = 0; attempt < 24; attempt += 1) {
      assert.equal((await new Client(app.baseUrl).login(user.email, PASSWORD)).status, 200);
    }
    const [{ n }] = await query(app.persistDir, `SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '${user.email}'`);
    assert.equal(n, 20);
    const stale = new Client(app.baseUrl);
    stale.cookie = first;
    assert.equal((await stale.me()).status, 401, 'the oldest session ended');
  });

  test('a user keeps at most 500 active keys', async () => {
    const user = await signedUpClient(app.baseUrl, 'hoarder');
    const values = Array.from({ length: 499 }, (_, index) => `('key_c0ffee${index.toString(16).padStart(26, '0')}', '${user.user.id}', 'caphash${user.user.id}${index}', 'c${String(index % 1000).padStart(3, '0')}', NULL, 'portal', NULL, ${Date.now() - 1000})`);
    await query(app.persistDir, `INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, oauth_client_id, created_at) VALUES ${values.join(', ')}`);
    assert.equal((await user.mint('the 500th')).status, 201);
    const refused = await user.mint('the 501st');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'too_many_keys');
    const { body } = await user.listKeys();
    assert.equal(body.keys.filter((key) => key.status === 'active').length, 500);
    const client = (await registerClient(app.baseUrl)).body;
    const consent = await decide(user, authorizeParams(app.baseUrl, client, { challenge: pkcePair().challenge }));
    assert.equal(consent.answer.status, 409, 'connecting an app is refused too');
    assert.equal((await user.revoke(body.keys[0].id)).status, 200);
    assert.equal((await user.mint('room again')).status, 201);
  });

  test('the scheduled cleanup removes what expired or nobody uses, and nothing else', async () => {
    const now = Date.now();
    const day = 86_400_000;
    const user = await signedUpClient(app.baseUrl, 'cleanup');
    const userId = user.user.id;
    const client = (id, createdAt, lastUsedAt) => `('${id}', 'c', '["http://127.0.0.1/cb"]', 'none', '{}', ${createdAt}, ${lastUsedAt ?? 'NULL'})`;
    await query(app.persistDir, `
      INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('expired-session', '${userId}', ${now - 40 * day}, ${now - day}), ('live-session', '${userId}', ${now}, ${now + day});
      INSERT INTO rate_limits (bucket, window_started_at, count) VALUES ('old:window', ${now - 2 * day}, 5), ('new:window', ${now - 60_000}, 5);
      INSERT INTO oauth_clients (id, client_name, redirect_uris, token_endpoint_auth_method, metadata, created_at, last_used_at) VALUES
        ${client('dcr_unused00000000000000000000000', now - 100 * day)},
        ${client('dcr_usedlong000000000000000000000', now - 200 * day, now - 10 * day)},
        ${client('dcr_haskey0000000000000000000000', now - 200 * day, now - 100 * day)},
        ${client('dcr_recent0000000000000000000000', now - day)};
      INSERT INTO api_keys (id, user_id, key_hash, last4, source, oauth_client_id, created_at) VALUES ('key_cleanup0000000000000000000000', '${userId}', 'cleanuphash', 'aaaa', 'oauth', 'dcr_haskey0000000000000000000000', ${now - 100 * day});
      INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, created_at, expires_at) VALUES
        ('old-code', 'dcr_recent0000000000000000000000', '${userId}', 'x', 'x', 'mcp', 'x', ${now - 3 * day}, ${now - 2 * day}),
        ('recent-code', 'dcr_recent0000000000000000000000', '${userId}', 'x', 'x', 'mcp', 'x', ${now - 60_000}, ${now - 1000});
    `);
    await app.runScheduled();
    const ids = async (sql) => (await query(app.persistDir, sql)).map((row) => row.id).sort();
    assert.deepEqual(await ids("SELECT token_hash AS id FROM sessions WHERE token_hash IN ('expired-session', 'live-session')"), ['live-session']);
    assert.deepEqual(await ids("SELECT bucket AS id FROM rate_limits WHERE bucket IN ('old:window', 'new:window')"), ['new:window']);
    assert.deepEqual(
      await ids("SELECT id FROM oauth_clients WHERE id LIKE 'dcr_unused%' OR id LIKE 'dcr_usedlong%' OR id LIKE 'dcr_haskey%' OR id LIKE 'dcr_recent%'"),
      ['dcr_haskey0000000000000000000000', 'dcr_recent0000000000000000000000', 'dcr_usedlong000000000000000000000'],
    );
    assert.deepEqual(await ids("SELECT code_hash AS id FROM oauth_codes WHERE code_hash IN ('old-code', 'recent-code')"), ['recent-code']);
    assert.equal((await user.me()).status, 200, 'live sessions stay');
    const logged = app.logs().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    assert.ok(logged.some((entry) => entry.event === 'scheduled' && entry.task === 'cleanup' && entry.ok === true), 'the run is logged');
  });
});

describe('the Host is checked before anything else (DNS rebinding)', () => {
  test('a rebound host name reaches nothing on make dev, even with a matching Origin', async () => {
    const evil = `evil.example:${app.port}`;
    const headers = { host: evil, origin: `http://${evil}`, 'content-type': 'application/json' };
    const email = uniqueEmail('rebound');
    const usersBefore = await count('SELECT count(*) AS n FROM users');
    for (const [path, body] of [
      ['/api/auth/signup', JSON.stringify({ email, password: PASSWORD })],
      ['/api/auth/login', JSON.stringify({ email, password: PASSWORD })],
      ['/mcp', JSON.stringify(rpc('ping'))],
      ['/oauth/register', JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'] })],
      ['/api/secret-scanning/github', '[]'],
    ]) {
      const response = await isolatedRequest(`${app.baseUrl}${path}`, { headers, body });
      assert.equal(response.status, 421, path);
      assert.equal(response.body.error.code, 'misdirected_request', path);
    }
    for (const path of ['/api/me', '/api/activity', '/api/revocation-notice']) {
      assert.equal((await isolatedRequest(`${app.baseUrl}${path}`, { method: 'GET', headers: { host: evil } })).status, 421, path);
    }
    assert.equal(await count('SELECT count(*) AS n FROM users'), usersBefore, 'nothing was stored');
    const local = await isolatedRequest(`${app.baseUrl}/.well-known/oauth-protected-resource/mcp`, { method: 'GET', headers: { host: `localhost:${app.port}` } });
    assert.equal(local.status, 200, 'localhost is as good as 127.0.0.1');
    assert.equal(local.body.resource, `http://localhost:${app.port}/mcp`);
  });
});

describe('bodies are read up to their cap and no further', () => {
  test('without a declared length a body is refused unread (411); past its cap, before reading (413)', async () => {
    const user = await signedUpClient(app.baseUrl, 'chunked');
    const big = `{"label":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    const small = JSON.stringify({ label: 'small' });
    for (const [path, headers] of [
      ['/api/keys', { cookie: user.cookie }],
      ['/api/auth/signup', {}],
      ['/oauth/register', {}],
    ]) {
      for (const [body, chunked, status, code] of [
        [big, true, 411, 'length_required'],
        [small, true, 411, 'length_required'],
        [big, false, 413, 'payload_too_large'],
      ]) {
        const response = await isolatedRequest(`${app.baseUrl}${path}`, {
          headers: {
            'content-type': 'application/json', 'cf-connecting-ip': clientAddress(), ...headers,
            ...(chunked ? { 'transfer-encoding': 'chunked' } : {}),
          },
          body,
        });
        assert.equal(response.status, status, `${path}, ${body.length} bytes${chunked ? ', chunked' : ''}`);
        assert.equal(response.body.error.code, code, path);
      }
    }
    assert.equal((await user.listKeys()).body.keys.length, 0, 'nothing was minted');
  });
});

describe('sign-in and sign-up as plain form posts', () => {
  const form = (fields) => new URLSearchParams(fields).toString();
  const post = (path, fields, headers = {}) => isolatedRequest(`${app.baseUrl}${path}`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.baseUrl, 'cf-connecting-ip': clientAddress(), ...headers },
    body: form(fields),
  });

  test('the pages\' forms post to their own URL: the session is set and next followed, or back with an error code', async () => {
    const page = await isolatedRequest(`${app.baseUrl}/signin?next=%2Fdocs%2Fvscode`, { method: 'GET' });
    assert.equal(page.status, 200);
    assert.match(page.text, /<form class="card" data-auth-form="signin" method="post">/);
    assert.match(page.headers.get('content-security-policy'), /form-action 'self'/);

    const email = uniqueEmail('form');
    const signup = await post(`/signup?next=${encodeURIComponent('/docs/vscode')}`, { email, password: PASSWORD });
    assert.equal(signup.status, 303);
    assert.equal(signup.headers.get('location'), '/docs/vscode');
    assert.match(signup.headers.get('set-cookie'), /^hadron_session=[0-9a-f]{64}; Path=\/;/);

    const login = await post(`/signin?next=${encodeURIComponent('/.//evil.example/x')}`, { email, password: PASSWORD });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/app/account/api-keys', 'a next that would leave the site is dropped');
    const session = new Client(app.baseUrl);
    session.cookie = login.headers.get('set-cookie').split(';')[0];
    assert.equal((await session.me()).body.user.email, email);

    const wrong = await post(`/signin?next=${encodeURIComponent('/docs/vscode')}`, { email, password: 'not it' });
    assert.equal(wrong.status, 303);
    assert.equal(wrong.headers.get('location'), '/signin?error=invalid_credentials&next=%2Fdocs%2Fvscode');
    assert.equal(wrong.headers.get('set-cookie'), null);
    const taken = await post('/signup', { email, password: PASSWORD });
    assert.equal(taken.headers.get('location'), '/signup?error=email_taken&next=%2Fapp%2Faccount%2Fapi-keys');
    // The JSON API takes the same form, with next as a field.
    const api = await post('/api/auth/login', { email, password: PASSWORD, next: '/docs/authentication' });
    assert.equal(api.headers.get('location'), '/docs/authentication');
  });

  test('a form post from another site is refused', async () => {
    const response = await post('/signin', { email: uniqueEmail('csrf'), password: PASSWORD }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(response.status, 403);
  });
});

describe('cookies and transport', () => {
  test('behind an https PUBLIC_ORIGIN: a __Host- session cookie, HSTS, and a doubled cookie signs out', async () => {
    const secure = await spawnApp({ vars: { PUBLIC_ORIGIN: 'https://keys.example.com' } });
    try {
      const request = (path, { method = 'GET', headers = {}, body } = {}) => isolatedRequest(`${secure.baseUrl}${path}`, {
        method, body, headers: { host: 'keys.example.com', 'cf-connecting-ip': clientAddress(), ...headers },
      });
      const signup = await request('/api/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://keys.example.com' },
        body: JSON.stringify({ email: uniqueEmail('secure'), password: PASSWORD }),
      });
      assert.equal(signup.status, 201, signup.text);
      const cookie = signup.headers.get('set-cookie');
      assert.match(cookie, /^__Host-hadron_session=[0-9a-f]{64}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/);
      assert.equal(signup.headers.get('strict-transport-security'), 'max-age=31536000');
      const pair = cookie.split(';')[0];

      assert.equal((await request('/api/me', { headers: { cookie: pair } })).status, 200);
      const planted = `__Host-hadron_session=${'ab'.repeat(32)}`;
      assert.equal((await request('/api/me', { headers: { cookie: `${planted}; ${pair}` } })).status, 401, 'two session cookies: signed out');
      assert.equal((await request('/api/me', { headers: { cookie: pair.replace('__Host-', '') } })).status, 401, 'the unprefixed name is not read over https');
      assert.equal((await request('/mcp', { method: 'POST' })).headers.get('strict-transport-security'), 'max-age=31536000');
      assert.equal((await isolatedRequest(`${secure.baseUrl}/api/me`, { method: 'GET' })).status, 421, 'another host is refused');
    } finally {
      await secure.stop();
    }
  });

  test('over plain http the cookie is not Secure and there is no HSTS', async () => {
    const response = await new Client(app.baseUrl).signup(uniqueEmail('plain'), PASSWORD);
    assert.doesNotMatch(response.headers.get('set-cookie'), /Secure/);
    assert.equal(response.headers.get('strict-transport-security'), null);
  });
});
