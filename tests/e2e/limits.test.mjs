// Failure-path limits and the request log, each against its own wrangler dev so the
// counters start empty.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { spawnApp } from '../support/app.mjs';
import { Client, PASSWORD, rpc, signedUpClient } from '../support/client.mjs';

let app;

before(async () => {
  app = await spawnApp();
});

after(async () => {
  await app?.stop();
});

test('repeated failed sign-ins for one account are refused with 429 and Retry-After', async () => {
  const victim = await signedUpClient(app.baseUrl, 'victim');
  const bystander = await signedUpClient(app.baseUrl, 'bystander');
  for (let attempt = 1; attempt <= 10; attempt += 1) {
    const response = await new Client(app.baseUrl).login(victim.email, `wrong password ${attempt}`);
    assert.equal(response.status, 401, `attempt ${attempt}`);
  }
  const locked = await new Client(app.baseUrl).login(victim.email, PASSWORD);
  assert.equal(locked.status, 429, 'even the right password waits once the limit is reached');
  assert.equal(locked.body.error.code, 'too_many_requests');
  const retryAfter = Number(locked.headers.get('retry-after'));
  assert.ok(retryAfter > 0 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
  assert.equal(locked.headers.get('set-cookie'), null);

  const other = await new Client(app.baseUrl).login(bystander.email, PASSWORD);
  assert.equal(other.status, 200, 'other accounts are not affected');
});

test('a successful sign-in clears earlier failures', async () => {
  const user = await signedUpClient(app.baseUrl, 'forgetful');
  for (let round = 0; round < 2; round += 1) {
    for (let attempt = 0; attempt < 9; attempt += 1) {
      assert.equal((await new Client(app.baseUrl).login(user.email, 'wrong password')).status, 401);
    }
    assert.equal((await new Client(app.baseUrl).login(user.email, PASSWORD)).status, 200, `round ${round}`);
  }
});

test('every invalid bearer token gets 401, however many come (the MCP spec\'s MUST), and valid keys still work', async () => {
  const owner = await signedUpClient(app.baseUrl, 'bearer');
  const { secret } = (await owner.mint('valid during the flood')).body;
  const client = new Client(app.baseUrl);
  const statuses = new Set();
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const response = await client.mcp(`hdr_user_${attempt.toString(16).padStart(64, '0')}`, rpc('ping'));
    statuses.add(response.status);
  }
  assert.deepEqual([...statuses], [401], 'never a 429 for an invalid token');
  const valid = await client.mcp(secret, rpc('ping'));
  assert.equal(valid.status, 200);
});

test('each request writes one structured log line, with the key id and never a secret', async () => {
  const owner = await signedUpClient(app.baseUrl, 'logged');
  const minted = (await owner.mint('logged')).body;
  assert.equal((await owner.request('GET', `/api/keys/${minted.id}/nope`)).status, 404);
  assert.equal((await new Client(app.baseUrl).mcp(minted.secret, rpc('tools/list'))).status, 200);
  let line;
  for (let attempt = 0; attempt < 40 && !line; attempt += 1) {
    line = app.logs().split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text))
      .find((entry) => entry.key_id === minted.id);
    if (!line) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(line, 'a log line names the key');
  assert.equal(line.route, '/mcp');
  assert.equal(line.method, 'POST');
  assert.equal(line.status, 200);
  assert.equal(typeof line.duration_ms, 'number');
  const logs = app.logs();
  assert.ok(logs.includes('"route":"/api/keys"'), 'portal API requests are logged too');
  assert.ok(!logs.includes(minted.secret), 'no raw key in the logs');
  assert.ok(!logs.includes(minted.secret.slice(9)), 'no part of a raw key in the logs');
  assert.ok(!logs.includes(PASSWORD), 'no password in the logs');
  assert.ok(!logs.includes(owner.cookie.split('=')[1]), 'no session token in the logs');
});
