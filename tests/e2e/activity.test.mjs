// Why each key died, the account's activity, and the key list at scale (issue 12 parts 2-4),
// against a real `wrangler dev` with a fresh D1: revocation reasons in the JSON and in
// list_api_keys, the notice of automatic revocations and its server-side dismissal, every
// kind of activity entry with where it came from, the 90-day cleanup, where a key was last
// used from, and the paged, filtered, searchable key list.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { runScript, spawnApp } from '../support/app.mjs';
import { insertKeyRows, query, sqlText } from '../support/d1.mjs';
import { Client, clientAddress, PASSWORD, rpc, signedUpClient } from '../support/client.mjs';
import { authorizeParams, connectClient, decide, exchangeCode, pkcePair, registerClient } from '../support/oauth.mjs';

const DAY_MS = 24 * 60 * 60 * 1000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const LEAK_URL = 'https://github.com/ada/dotfiles/blob/main/.env';

let app;

before(async () => {
  app = await spawnApp({ testScheduled: true });
});

after(async () => {
  await app?.stop();
});

const hex = (bytes) => randomBytes(bytes).toString('hex');

async function activity(client, cursor) {
  const response = await client.request('GET', cursor ? `/api/activity?cursor=${encodeURIComponent(cursor)}` : '/api/activity');
  assert.equal(response.status, 200, response.text);
  return response.body;
}

/** Every entry of the client's activity, newest first, following the cursors. */
async function allActivity(client) {
  const entries = [];
  let cursor = null;
  do {
    const page = await activity(client, cursor);
    entries.push(...page.activity);
    cursor = page.next_cursor;
  } while (cursor);
  return entries;
}

/** What the leak endpoint (issue 12 part 1) stores for a reported key. */
async function markLeaked(keyId, url = LEAK_URL) {
  await query(app.persistDir, `UPDATE api_keys SET revoked_at = ${Date.now()}, revoked_reason = 'leaked',
    revoked_detail = ${sqlText(url)} WHERE id = ${sqlText(keyId)}`);
}

/** Approves a request of `client` as `user` and exchanges the code: the token response. */
async function connect(client, user, { tokenAddress = clientAddress(), tokenAgent = 'test-mcp-client/1.0' } = {}) {
  const tokenHeaders = { 'cf-connecting-ip': tokenAddress, 'user-agent': tokenAgent };
  const { fields, token } = await connectClient(app.baseUrl, client, user, { tokenHeaders });
  assert.equal(token.status, 200, token.text);
  return { token: token.body.access_token, fields };
}

async function revokeAsClient(client, token) {
  const response = await fetch(`${app.baseUrl}/oauth/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': clientAddress() },
    body: new URLSearchParams({ token, client_id: client.client_id }),
  });
  assert.equal(response.status, 200);
}

async function listApiKeysTool(client, secret) {
  const response = await client.mcp(secret, rpc('tools/call', { name: 'list_api_keys', arguments: {} }));
  assert.equal(response.status, 200, response.text);
  return response.body.result.structuredContent.keys;
}

describe('every revocation says why and when', () => {
  test('a key the user revoked says "user", with the time, in the list and in list_api_keys', async () => {
    const user = await signedUpClient(app.baseUrl, 'reason-user');
    const caller = await user.mintKey('caller');
    const revoked = await user.mintKey('gone');
    const answer = await user.revoke(revoked.id);
    assert.equal(answer.body.revoked_reason, 'user');
    assert.match(answer.body.revoked_at, RFC3339);
    assert.equal(answer.body.revoked_detail, null);
    const listed = await user.keyById(revoked.id);
    assert.equal(listed.revoked_reason, 'user');
    assert.equal(listed.revoked_at, answer.body.revoked_at);
    const tool = (await listApiKeysTool(user, caller.secret)).find((key) => key.id === revoked.id);
    assert.equal(tool.revoked_reason, 'user');
    assert.equal(tool.revoked_at, answer.body.revoked_at);
    assert.equal(tool.revoked_detail, null);
  });

  test('a leaked key carries where it was found, in the list and in list_api_keys', async () => {
    const user = await signedUpClient(app.baseUrl, 'reason-leak');
    const caller = await user.mintKey('caller');
    const leaked = await user.mintKey('committed by mistake');
    await markLeaked(leaked.id);
    const listed = await user.keyById(leaked.id);
    assert.equal(listed.status, 'revoked');
    assert.equal(listed.revoked_reason, 'leaked');
    assert.equal(listed.revoked_detail, LEAK_URL);
    const tool = (await listApiKeysTool(user, caller.secret)).find((key) => key.id === leaked.id);
    assert.equal(tool.revoked_reason, 'leaked');
    assert.equal(tool.revoked_detail, LEAK_URL);
  });

  test('revoking a revoked key again keeps its first reason, time and detail', async () => {
    const user = await signedUpClient(app.baseUrl, 'reason-first');
    const leaked = await user.mintKey('leaked first');
    await markLeaked(leaked.id);
    const first = await user.keyById(leaked.id);
    const again = await user.revoke(leaked.id);
    assert.equal(again.status, 200);
    assert.equal(again.body.revoked_reason, 'leaked');
    assert.equal(again.body.revoked_detail, LEAK_URL);
    assert.equal(again.body.revoked_at, first.revoked_at);
  });
});

describe('the notice of keys revoked automatically', () => {
  test('lists every automatic revocation but not the user\'s own, until dismissed on any device', async () => {
    const laptop = await signedUpClient(app.baseUrl, 'notice');
    const phone = new Client(app.baseUrl);
    assert.equal((await phone.login(laptop.email, PASSWORD)).status, 200);
    const client = (await registerClient(app.baseUrl, { client_name: 'Notice app' })).body;

    const mine = await laptop.mintKey('revoked by me');
    await laptop.revoke(mine.id);
    const { token: replacedToken } = await connect(client, laptop);
    const { token: givenBackToken } = await connect(client, laptop); // replaces the first
    await revokeAsClient(client, givenBackToken);
    const leaked = await laptop.mintKey('leaked');
    await markLeaked(leaked.id);

    const notice = (await laptop.request('GET', '/api/revocation-notice')).body.keys;
    const byLast4 = Object.fromEntries(notice.map((key) => [key.last4, key.revoked_reason]));
    assert.deepEqual(byLast4, {
      [replacedToken.slice(-4)]: 'replaced',
      [givenBackToken.slice(-4)]: 'client',
      [leaked.last4]: 'leaked',
    });
    assert.equal(notice.find((key) => key.id === leaked.id).revoked_detail, LEAK_URL);
    const times = notice.map((key) => Date.parse(key.revoked_at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'most recently revoked first');
    assert.deepEqual((await phone.request('GET', '/api/revocation-notice')).body.keys.map((key) => key.id),
      notice.map((key) => key.id), 'the phone sees the same notice');

    // A key revoked after the laptop loaded the notice is not dismissed with it.
    const later = await laptop.mintKey('revoked later');
    await markLeaked(later.id);
    const dismissed = await laptop.request('POST', '/api/revocation-notice/dismiss', {
      json: { key_ids: notice.map((key) => key.id) },
      headers: { origin: app.baseUrl },
    });
    assert.equal(dismissed.status, 200, dismissed.text);
    assert.equal(dismissed.body.dismissed, 3);
    for (const device of [laptop, phone]) {
      assert.deepEqual((await device.request('GET', '/api/revocation-notice')).body.keys.map((key) => key.id), [later.id]);
    }
    const again = await phone.request('POST', '/api/revocation-notice/dismiss', { json: { key_ids: [later.id, mine.id] } });
    assert.equal(again.body.dismissed, 1, 'a key the user revoked has no notice to dismiss');
    assert.deepEqual((await laptop.request('GET', '/api/revocation-notice')).body.keys, []);
  });

  test('another user\'s key ids dismiss nothing, and malformed dismissals are refused', async () => {
    const owner = await signedUpClient(app.baseUrl, 'notice-owner');
    const other = await signedUpClient(app.baseUrl, 'notice-other');
    const leaked = await owner.mintKey('leaked');
    await markLeaked(leaked.id);
    const foreign = await other.request('POST', '/api/revocation-notice/dismiss', { json: { key_ids: [leaked.id] } });
    assert.equal(foreign.status, 200);
    assert.equal(foreign.body.dismissed, 0);
    assert.equal((await owner.request('GET', '/api/revocation-notice')).body.keys.length, 1);

    const tooMany = Array.from({ length: 101 }, () => `key_${hex(16)}`);
    for (const json of [{}, { key_ids: 'key_1' }, { key_ids: ['not-a-key-id'] }, { key_ids: [42] }, { key_ids: tooMany }]) {
      const refused = await owner.request('POST', '/api/revocation-notice/dismiss', { json });
      assert.equal(refused.status, 400, JSON.stringify(json));
      assert.equal(refused.body.error.code, 'invalid_body');
    }
    const crossSite = await owner.request('POST', '/api/revocation-notice/dismiss', {
      json: { key_ids: [leaked.id] },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(crossSite.status, 403);
    assert.equal((await owner.request('GET', '/api/revocation-notice')).body.keys.length, 1, 'nothing was dismissed');
    const anonymous = new Client(app.baseUrl);
    assert.equal((await anonymous.request('GET', '/api/revocation-notice')).status, 401);
    assert.equal((await anonymous.request('POST', '/api/revocation-notice/dismiss', { json: { key_ids: [] } })).status, 401);
    assert.equal((await owner.request('DELETE', '/api/revocation-notice')).status, 405);
  });
});

describe('the activity log', () => {
  test('mints and revocations are recorded with the address, country and user agent of the request', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-keys');
    const edge = { 'user-agent': 'hadron-e2e/1.0', 'mf-cf-blob': JSON.stringify({ country: 'NZ' }) };
    const minted = await user.mintKey('laptop', edge);
    await user.request('POST', `/api/keys/${minted.id}/revoke`, { headers: edge });
    await user.revoke(minted.id); // already revoked: nothing new happened

    const entries = (await activity(user)).activity;
    assert.deepEqual(entries.map((entry) => entry.kind), ['key_revoked', 'key_minted']);
    const [revoked, mint] = entries;
    for (const entry of entries) {
      assert.match(entry.id, /^act_[0-9a-f]{32}$/);
      assert.match(entry.created_at, RFC3339);
      assert.equal(entry.ip, user.address);
      assert.equal(entry.country, 'NZ', 'the country comes from request.cf');
      assert.equal(entry.user_agent, 'hadron-e2e/1.0');
      assert.deepEqual(entry.key, { id: minted.id, last4: minted.last4, label: 'laptop' });
    }
    assert.deepEqual(mint.detail, {});
    assert.deepEqual(revoked.detail, { reason: 'user' });
  });

  test('a local request (from 127.0.0.1, not through Cloudflare) has its address but no country', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-local');
    // No CF-Connecting-IP: wrangler dev sets it to the loopback address it was reached on,
    // and request.cf to its placeholder, which says US.
    const response = await fetch(`${app.baseUrl}/api/keys`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/json', 'user-agent': 'local-run' },
      body: '{}',
    });
    assert.equal(response.status, 201);
    const [entry] = (await activity(user)).activity;
    assert.equal(entry.kind, 'key_minted');
    assert.equal(entry.ip, '127.0.0.1');
    assert.equal(entry.country, null, "wrangler dev's placeholder country is not recorded");
    assert.equal(entry.user_agent, 'local-run');
  });

  test('a long user agent is cut to 256 characters', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-agent');
    const agent = `Mozilla/5.0 ${'x'.repeat(2000)}`;
    await user.mintKey('agent', { 'user-agent': agent });
    const [entry] = (await activity(user)).activity;
    assert.equal(entry.user_agent, agent.slice(0, 256));
  });

  test('a mint refused by the cap on active keys leaves no entry', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-cap');
    const now = Date.now();
    await insertKeyRows(app.persistDir, user.user.id, Array.from({ length: 500 }, (_, i) => ({ source: 'portal', createdAt: now - 1000 - i })));
    const refused = await user.mint('one too many');
    assert.equal(refused.status, 409);
    assert.deepEqual((await activity(user)).activity, []);
  });

  test('consents, OAuth mints, replacements, RFC 7009 and code replays are recorded with the client', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-oauth');
    const client = (await registerClient(app.baseUrl, { client_name: 'Activity Test App' })).body;
    const tokenAddress = clientAddress();
    const { token: first } = await connect(client, user, { tokenAddress });
    const { token: second, fields } = await connect(client, user);
    const replay = await exchangeCode(app.baseUrl, fields, { 'cf-connecting-ip': tokenAddress, 'user-agent': 'replayer/0.1' });
    assert.equal(replay.body.error, 'invalid_grant');
    const { token: third } = await connect(client, user);
    await revokeAsClient(client, third);
    const { details } = await decide(user, authorizeParams(app.baseUrl, client, { challenge: pkcePair().challenge }), 'deny');
    assert.equal(details.status, 200);

    // A replacement and the mint that caused it share a batch and a millisecond, so their
    // order is not fixed: compare what was recorded, then look at single entries.
    const entries = await allActivity(user);
    const summary = entries.map((entry) => [entry.kind, entry.key?.last4 ?? null, entry.detail.reason ?? null]);
    const sorted = (rows) => rows.map((row) => JSON.stringify(row)).sort();
    assert.deepEqual(sorted(summary), sorted([
      ['consent_approved', null, null],
      ['key_minted', first.slice(-4), null],
      ['consent_approved', null, null],
      ['key_revoked', first.slice(-4), 'replaced'],
      ['key_minted', second.slice(-4), null],
      ['key_revoked', second.slice(-4), 'code_replay'],
      ['consent_approved', null, null],
      ['key_minted', third.slice(-4), null],
      ['key_revoked', third.slice(-4), 'client'],
      ['consent_denied', null, null],
    ]));
    assert.equal(entries[0].kind, 'consent_denied', 'the newest entry comes first');
    const consents = entries.filter((entry) => entry.kind.startsWith('consent_'));
    for (const consent of consents) {
      assert.deepEqual(consent.detail, { client_id: client.client_id, client_name: 'Activity Test App' });
      assert.equal(consent.ip, user.address, 'the consent came from the user\'s browser');
    }
    const find = (kind, token) => entries.find((entry) => entry.kind === kind && entry.key?.last4 === token.slice(-4));
    const firstMint = find('key_minted', first);
    assert.equal(firstMint.ip, tokenAddress, 'the OAuth mint came from the client\'s token request');
    assert.equal(firstMint.user_agent, 'test-mcp-client/1.0');
    assert.equal(firstMint.key.label, 'OAuth: Activity Test App');
    const replayed = find('key_revoked', second);
    assert.equal(replayed.user_agent, 'replayer/0.1', 'the replay is recorded with who presented the code again');
  });

  test('a role change made straight in D1 is recorded by the trigger, once', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-role');
    const setRole = (role) => runScript('scripts/set-role.mjs', ['--local', '--persist-to', app.persistDir, '--email', user.email, '--role', role]);
    await setRole('org_admin');
    await setRole('org_admin');
    await setRole('member');
    const entries = (await activity(user)).activity;
    assert.deepEqual(entries.map((entry) => entry.detail), [{ from: 'org_admin', to: 'member' }, { from: 'member', to: 'org_admin' }]);
    for (const entry of entries) {
      assert.equal(entry.kind, 'role_changed');
      assert.equal(entry.ip, null);
      assert.equal(entry.user_agent, null);
      assert.match(entry.created_at, RFC3339);
      assert.ok(Math.abs(Date.parse(entry.created_at) - Date.now()) < 10 * 60 * 1000, 'the trigger writes the time in Unix ms');
    }
  });

  test('a sign-in from an address the account has not used is recorded; a known one is not', async () => {
    const home = '203.0.113.7';
    const account = new Client(app.baseUrl, { address: home });
    const email = `new-address-${process.pid}-${Date.now()}@example.com`;
    assert.equal((await account.signup(email, PASSWORD)).status, 201);
    const signIn = async (address, headers = {}) => {
      const response = await fetch(`${app.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': address, ...headers },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      assert.equal(response.status, 200);
    };
    await signIn(home); // where the account was created
    await signIn('2001:db8:1:2::7', { 'user-agent': 'travel-laptop' });
    await signIn('2001:db8:1:2:aaaa:bbbb:cccc:dddd'); // the same /64
    await signIn('2001:db8:1:2::7');
    const wrong = await new Client(app.baseUrl, { address: '198.51.100.1' }).login(email, 'not the password');
    assert.equal(wrong.status, 401);

    const entries = (await activity(account)).activity;
    assert.equal(entries.length, 1, JSON.stringify(entries));
    assert.equal(entries[0].kind, 'new_address_sign_in');
    assert.equal(entries[0].ip, '2001:db8:1:2::7');
    assert.equal(entries[0].user_agent, 'travel-laptop');
    const stored = await query(app.persistDir, `SELECT address_hash FROM sign_in_addresses
      WHERE user_id = ${sqlText((await account.me()).body.user.id)}`);
    assert.equal(stored.length, 2, 'two places: the home address and one IPv6 /64');
    assert.ok(stored.every(({ address_hash }) => /^[0-9a-f]{64}$/.test(address_hash)), 'stored as hashes only');
  });

  test('the log pages newest first with a keyset cursor, and each user sees only their own', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-pages');
    const other = await signedUpClient(app.baseUrl, 'activity-pages-other');
    await other.mintKey('not yours');
    const now = Date.now();
    // 45 entries, five of them in one millisecond: ties are broken by id, never skipped.
    const rows = Array.from({ length: 45 }, (_, i) => `(${[
      sqlText(`act_${hex(16)}`), sqlText(user.user.id), sqlText('new_address_sign_in'), i < 5 ? now - 5000 : now - 10_000 - i * 1000,
    ].join(', ')})`);
    await query(app.persistDir, `INSERT INTO activity (id, user_id, kind, created_at) VALUES ${rows.join(', ')}`);

    const first = await activity(user);
    assert.equal(first.activity.length, 20);
    assert.ok(first.next_cursor);
    const entries = await allActivity(user);
    assert.equal(entries.length, 45);
    assert.equal(new Set(entries.map((entry) => entry.id)).size, 45, 'no entry twice');
    const order = entries.map((entry) => [Date.parse(entry.created_at), entry.id]);
    const sorted = [...order].sort(([at1, id1], [at2, id2]) => at2 - at1 || (id2 > id1 ? 1 : -1));
    assert.deepEqual(order, sorted, 'newest first, ties by id');
    assert.ok(!entries.some((entry) => entry.key?.label === 'not yours'));

    for (const cursor of ['garbage', `${now}.key_${hex(16)}`, `-1.act_${hex(16)}`]) {
      const refused = await user.request('GET', `/api/activity?cursor=${encodeURIComponent(cursor)}`);
      assert.equal(refused.status, 400, cursor);
      assert.equal(refused.body.error.code, 'invalid_cursor');
    }
    assert.equal((await new Client(app.baseUrl).request('GET', '/api/activity')).status, 401);
    assert.equal((await user.request('POST', '/api/activity')).status, 405);
  });

  test('the cleanup removes entries, sign-in addresses and last-use origins older than 90 days', async () => {
    const user = await signedUpClient(app.baseUrl, 'activity-cleanup');
    const key = await user.mintKey('used long ago');
    const now = Date.now();
    const [oldEntry, recentEntry] = [`act_${hex(16)}`, `act_${hex(16)}`];
    await query(app.persistDir, `
      INSERT INTO activity (id, user_id, kind, ip, created_at) VALUES
        (${sqlText(oldEntry)}, ${sqlText(user.user.id)}, 'new_address_sign_in', '198.51.100.9', ${now - 91 * DAY_MS}),
        (${sqlText(recentEntry)}, ${sqlText(user.user.id)}, 'new_address_sign_in', '198.51.100.9', ${now - 89 * DAY_MS});
      UPDATE sign_in_addresses SET last_seen_at = ${now - 91 * DAY_MS} WHERE user_id = ${sqlText(user.user.id)};
      UPDATE api_keys SET last_used_at = ${now - 91 * DAY_MS}, last_used_ip = '198.51.100.9',
        last_used_country = 'DE', last_used_user_agent = 'old-client' WHERE id = ${sqlText(key.id)};`);
    await app.runScheduled();

    const ids = (await allActivity(user)).map((entry) => entry.id);
    assert.ok(!ids.includes(oldEntry), 'the 91-day-old entry is gone');
    assert.ok(ids.includes(recentEntry), 'the 89-day-old entry stays');
    assert.deepEqual(await query(app.persistDir, `SELECT * FROM sign_in_addresses WHERE user_id = ${sqlText(user.user.id)}`), []);
    const listed = await user.keyById(key.id);
    assert.ok(listed.last_used_at, 'when it was used stays');
    assert.deepEqual([listed.last_used_ip, listed.last_used_country, listed.last_used_user_agent], [null, null, null]);
  });
});

describe('where a key was last used from', () => {
  test('/mcp records the address, country and client of the last use, at most once a minute', async () => {
    const user = await signedUpClient(app.baseUrl, 'last-use');
    const key = await user.mintKey('script');
    const first = new Client(app.baseUrl);
    const call = (client, agent, country) => client.mcp(key.secret, rpc('ping'), {
      'user-agent': agent, 'mf-cf-blob': JSON.stringify({ country }),
    });
    assert.equal((await call(first, 'claude-code/2.1', 'DE')).status, 200);
    let listed;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      listed = await user.keyById(key.id);
      if (listed.last_used_ip) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(
      [listed.last_used_ip, listed.last_used_country, listed.last_used_user_agent],
      [first.address, 'DE', 'claude-code/2.1'],
    );

    // Within the minute a second use writes nothing: the row still names the first.
    assert.equal((await call(new Client(app.baseUrl), 'curl/8.5.0', 'FR')).status, 200);
    const [row] = await query(app.persistDir, `SELECT last_used_ip, last_used_user_agent FROM api_keys WHERE id = ${sqlText(key.id)}`);
    assert.deepEqual(row, { last_used_ip: first.address, last_used_user_agent: 'claude-code/2.1' });
  });
});

describe('the key list at scale', () => {
  let user;
  let seeded; // newest first
  const now = Date.now();

  before(async () => {
    user = await signedUpClient(app.baseUrl, 'scale');
    // 130 keys: every third revoked, sources in turn, labels with LIKE's wildcards, and a
    // run of ten created in the same millisecond.
    seeded = Array.from({ length: 130 }, (_, i) => ({
      id: `key_${hex(16)}`,
      last4: i.toString(16).padStart(4, '0'),
      label: i === 7 ? '100% uptime_probe' : i === 8 ? '100 uptimeXprobe' : `Key ${String(i).padStart(3, '0')}`,
      source: ['portal', 'oauth', null][i % 3],
      clientId: i % 3 === 1 ? 'dcr_0123abcd' : null,
      createdAt: i >= 60 && i < 70 ? now - 60_000 : now - i * 1000,
      revokedAt: i % 3 === 2 ? now : null,
      revokedReason: i % 3 === 2 ? 'user' : null,
    }));
    await insertKeyRows(app.persistDir, user.user.id, seeded);
  });

  /** Every key matching `params`, page by page (`limit` 50, as the portal asks). */
  async function listAll(params = {}) {
    const keys = [];
    let cursor = null;
    let pages = 0;
    do {
      const search = new URLSearchParams({ ...params, limit: '50', ...(cursor ? { cursor } : {}) });
      const response = await user.request('GET', `/api/keys?${search}`);
      assert.equal(response.status, 200, response.text);
      assert.ok(response.body.keys.length <= 50);
      keys.push(...response.body.keys);
      cursor = response.body.next_cursor;
      pages += 1;
    } while (cursor);
    const whole = await user.request('GET', `/api/keys?${new URLSearchParams(params)}`);
    assert.deepEqual(whole.body, { keys, next_cursor: null }, 'unpaged, the same keys in one answer');
    return { keys, pages };
  }

  test('plain GET /api/keys is every key, as the contract says; asked to, it pages', async () => {
    const whole = (await user.listKeys()).body;
    assert.equal(whole.keys.length, 130, 'no caller of the plain list loses a key');
    assert.equal(whole.next_cursor, null);
    const { keys, pages } = await listAll();
    assert.equal(pages, 3);
    assert.equal(keys.length, 130);
    assert.equal(new Set(keys.map((key) => key.id)).size, 130);
    const times = keys.map((key) => Date.parse(key.created_at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.equal(keys.at(-1).id, seeded.at(-1).id, 'the oldest key comes last');

    const small = (await user.request('GET', '/api/keys?limit=7')).body;
    assert.deepEqual(small.keys.map((key) => key.id), whole.keys.slice(0, 7).map((key) => key.id));
    const next = (await user.request('GET', `/api/keys?cursor=${encodeURIComponent(small.next_cursor)}`)).body;
    assert.deepEqual(next.keys.map((key) => key.id), whole.keys.slice(7, 57).map((key) => key.id),
      'a cursor alone pages by 50');
  });

  test('status and source filter, and combine', async () => {
    const revoked = (await listAll({ status: 'revoked' })).keys;
    assert.equal(revoked.length, seeded.filter((key) => key.revokedAt).length);
    assert.ok(revoked.every((key) => key.status === 'revoked'));
    const active = (await listAll({ status: 'active' })).keys;
    assert.equal(active.length, 130 - revoked.length);
    for (const [source, count] of [['portal', 44], ['oauth', 43], ['unknown', 43]]) {
      const keys = (await listAll({ source })).keys;
      assert.equal(keys.length, count, source);
      assert.ok(keys.every((key) => key.source.kind === source), source);
    }
    const both = (await listAll({ status: 'active', source: 'oauth' })).keys;
    assert.equal(both.length, 43, 'every oauth key (i % 3 == 1) is active');
    assert.deepEqual((await listAll({ status: 'revoked', source: 'oauth' })).keys, []);
  });

  test('search finds labels and last 4, and LIKE wildcards match only themselves', async () => {
    const oldest = seeded.at(-1);
    for (const q of [oldest.last4, `…${oldest.last4}`, oldest.last4.toUpperCase()]) {
      const { keys } = await listAll({ q });
      assert.deepEqual(keys.map((key) => key.id), [oldest.id], q);
    }
    assert.deepEqual((await listAll({ q: '% uptime_' })).keys.map((key) => key.label), ['100% uptime_probe'],
      '% and _ are text, not wildcards');
    assert.deepEqual((await listAll({ q: 'uptime' })).keys.map((key) => key.label).sort(), ['100 uptimeXprobe', '100% uptime_probe']);
    const labelled = (await listAll({ q: 'key 12' })).keys.map((key) => key.label);
    assert.deepEqual(labelled, Array.from({ length: 10 }, (_, i) => `Key 12${i}`), 'case-insensitive, newest first');
    const revokedMatches = (await listAll({ q: 'Key 01', status: 'revoked' })).keys;
    assert.ok(revokedMatches.length > 0 && revokedMatches.every((key) => key.status === 'revoked' && key.label.startsWith('Key 01')));
  });

  test('bad filters, searches and cursors are refused with 400', async () => {
    for (const [search, code] of [
      ['status=expired', 'invalid_filter'],
      ['source=github', 'invalid_filter'],
      ['status=active&status=revoked', 'invalid_filter'],
      [`q=${'a'.repeat(101)}`, 'invalid_search'],
      [`q=${'é'.repeat(101)}`, 'invalid_search'],
      ['q=%00', 'invalid_search'],
      ['cursor=abc', 'invalid_cursor'],
      ['limit=0', 'invalid_limit'],
      ['limit=101', 'invalid_limit'],
      ['limit=ten', 'invalid_limit'],
      ['limit=-5', 'invalid_limit'],
      ['limit=5&limit=6', 'invalid_filter'],
      [`cursor=${now}.act_${hex(16)}`, 'invalid_cursor'],
    ]) {
      const response = await user.request('GET', `/api/keys?${search}`);
      assert.equal(response.status, 400, search);
      assert.equal(response.body.error.code, code, search);
    }
    // D1 refuses LIKE patterns over 50 bytes; the search is not one.
    for (const q of ['a'.repeat(100), '鍵'.repeat(100)]) {
      const response = await user.request('GET', `/api/keys?q=${encodeURIComponent(q)}`);
      assert.equal(response.status, 200, `100 characters are fine: ${response.text}`);
    }
  });
});
