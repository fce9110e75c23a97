// GitHub's secret scanning partner protocol (issue 12 part 1), against a real `wrangler dev`
// with a fresh D1. The test plays GitHub: it makes its own P-256 keys, hands the Worker the
// key document through GITHUB_SECRET_SCANNING_KEYS, and signs reports the way GitHub does.
// A genuine report revokes the key at once, everywhere; anything not signed by a published
// key is refused and changes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { spawnApp } from '../support/app.mjs';
import { clientAddress, rpc, signedUpClient } from '../support/client.mjs';
import { githubSecretScanning, postReport, REPORT_PATH, reportBody } from '../support/github.mjs';

const LEAK_URL = 'https://github.com/octocat/dotfiles/blob/0123456789abcdef0123456789abcdef01234567/.env';

const github = githubSecretScanning();
let app;

before(async () => {
  app = await spawnApp({ vars: github.vars });
});

after(async () => {
  await app?.stop();
});

/** A signed-up client with one freshly minted key: `{ client, key }` (`key.secret` is the token). */
async function userWithKey(label = 'laptop') {
  const client = await signedUpClient(app.baseUrl, 'leaks');
  return { client, key: await client.mintKey(label) };
}

/** Whether `/mcp` still accepts the key. */
async function mcpStatus(client, secret) {
  return (await client.mcp(secret, rpc('tools/list'))).status;
}

const unknownKey = () => `hdr_user_${randomBytes(32).toString('hex')}`;

describe('a genuine report', () => {
  test('revokes the reported key at once, says why and where, and labels it a true positive', async () => {
    const { client, key } = await userWithKey('deploy script');
    assert.equal(await mcpStatus(client, key.secret), 200);

    const body = reportBody([key.secret], { url: LEAK_URL });
    const response = await postReport(app.baseUrl, body, github.signReport(body));
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, [
      { token_raw: key.secret, token_type: 'hadron_api_key', label: 'true_positive' },
    ]);

    assert.equal(await mcpStatus(client, key.secret), 401, 'the very next request is refused');
    const listed = await client.keyById(key.id);
    assert.equal(listed.status, 'revoked');
    assert.equal(listed.revoked_reason, 'leaked');
    assert.equal(listed.revoked_detail, LEAK_URL);
    assert.ok(listed.revoked_at);

    const notice = await client.request('GET', '/api/revocation-notice');
    assert.deepEqual(notice.body.keys.map((entry) => entry.id), [key.id], 'announced at the top of the page');

    const activity = (await client.request('GET', '/api/activity')).body.activity;
    const about = activity.filter((entry) => entry.key?.id === key.id).map((entry) => entry.kind);
    assert.ok(about.includes('leak_reported'), JSON.stringify(activity));
    assert.ok(about.includes('key_revoked'), JSON.stringify(activity));
    const reported = activity.find((entry) => entry.kind === 'leak_reported');
    assert.equal(reported.detail.url, LEAK_URL);
    assert.equal(reported.ip, null, "the reporter's address is not the user's business");
    assert.ok(!JSON.stringify(activity).includes(key.secret), 'the log never holds the key');
  });

  test('labels each token: an already revoked key is ours, anything else is a false positive', async () => {
    const { client, key: revoked } = await userWithKey('old');
    assert.equal((await client.revoke(revoked.id)).status, 200);
    const { key: active } = await userWithKey('new');
    const stranger = unknownKey();
    const notAKey = 'ghp_notours0000000000000000000000000000';

    const body = reportBody([revoked.secret, stranger, notAKey, active.secret]);
    // GitHub may still sign with a key it no longer marks as current.
    const response = await postReport(app.baseUrl, body, github.signReport(body, { withPreviousKey: true }));
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.map((item) => [item.token_raw, item.label]), [
      [revoked.secret, 'true_positive'],
      [stranger, 'false_positive'],
      [notAKey, 'false_positive'],
      [active.secret, 'true_positive'],
    ]);

    const first = await client.keyById(revoked.id);
    assert.equal(first.revoked_reason, 'user', 'a key that was already revoked keeps its first reason');
    assert.equal(first.revoked_detail, null);
  });

  test('an empty report is answered with an empty array', async () => {
    const body = '[]';
    const response = await postReport(app.baseUrl, body, github.signReport(body));
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, []);
  });
});

describe('a report not signed by GitHub', () => {
  const refusals = {
    'forged (signed by a key GitHub never published)': (body) => github.forgeReport(body),
    'signed by a key whose identifier is not published': (body) => github.signWithUnknownKey(body),
    unsigned: () => ({}),
    'without its key identifier': (body) => {
      const { 'Github-Public-Key-Signature': signature } = github.signReport(body);
      return { 'Github-Public-Key-Signature': signature };
    },
    'with the signature of another body': () => github.signReport(reportBody([unknownKey()])),
    'with a signature that is not base64 DER': (body) => ({
      ...github.signReport(body),
      'Github-Public-Key-Signature': 'bm90IGEgc2lnbmF0dXJl',
    }),
  };
  for (const [name, headersFor] of Object.entries(refusals)) {
    test(`is refused, ${name}, and changes nothing`, async () => {
      const { client, key } = await userWithKey();
      const body = reportBody([key.secret]);
      const response = await postReport(app.baseUrl, body, headersFor(body));
      assert.equal(response.status, 401, response.text);
      assert.equal(response.body.error.code, 'invalid_signature');
      assert.ok(!response.text.includes(key.secret), 'the answer never echoes a token');
      assert.equal(await mcpStatus(client, key.secret), 200);
      assert.equal((await client.keyById(key.id)).status, 'active');
      assert.deepEqual((await client.request('GET', '/api/revocation-notice')).body.keys, []);
    });
  }
});

describe('a signed report that is not what GitHub sends', () => {
  const malformed = {
    'not JSON': 'this is not json',
    'an object, not an array': JSON.stringify({ token: unknownKey(), type: 'x', url: LEAK_URL, source: 'content' }),
    'an item without a token': JSON.stringify([{ type: 'hadron_api_key', url: LEAK_URL, source: 'content' }]),
    'more than 100 tokens': reportBody(Array.from({ length: 101 }, unknownKey)),
  };
  for (const [name, body] of Object.entries(malformed)) {
    test(`is a 400: ${name}`, async () => {
      const response = await postReport(app.baseUrl, body, github.signReport(body));
      assert.equal(response.status, 400, response.text);
      assert.equal(response.body.error.code, 'invalid_report');
    });
  }

  test('a body over 64 KB is a 413, even when signed', async () => {
    const body = reportBody([unknownKey()], { url: `https://github.com/${'a'.repeat(70 * 1024)}` });
    const response = await postReport(app.baseUrl, body, github.signReport(body));
    assert.equal(response.status, 413, response.text);
  });

  test('a malformed report that names a real key does not revoke it', async () => {
    const { client, key } = await userWithKey();
    const body = JSON.stringify([{ token: key.secret, type: 'hadron_api_key', url: 42, source: 'content' }]);
    const response = await postReport(app.baseUrl, body, github.signReport(body));
    assert.equal(response.status, 400, response.text);
    assert.equal(await mcpStatus(client, key.secret), 200);
  });

  test('only POST is answered', async () => {
    const response = await fetch(app.baseUrl + REPORT_PATH, { headers: { 'cf-connecting-ip': clientAddress() } });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
  });
});

test('failed reports are limited per address; genuine ones give their count back', async () => {
  const address = clientAddress();
  const body = reportBody([unknownKey()]);
  // Genuine reports from this address first: they cost the budget nothing.
  for (let i = 0; i < 5; i += 1) {
    const genuine = await postReport(app.baseUrl, body, github.signReport(body), { address });
    assert.equal(genuine.status, 200, genuine.text);
  }
  for (let i = 0; i < 30; i += 1) {
    const forged = await postReport(app.baseUrl, body, github.forgeReport(body), { address });
    assert.equal(forged.status, 401, `failure ${i + 1}: ${forged.text}`);
  }
  const limited = await postReport(app.baseUrl, body, github.forgeReport(body), { address });
  assert.equal(limited.status, 429, limited.text);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  const elsewhere = await postReport(app.baseUrl, body, github.forgeReport(body));
  assert.equal(elsewhere.status, 401, 'another address keeps its own budget');
});
