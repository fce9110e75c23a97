// OAuth clients as an attacker would try them and as the MCP spec requires them: Client ID
// Metadata Documents (served by a local document server) and every way they can fail, one
// key per connected app, code replay counted only for the code's own client, no redirect
// off the site before the user decided, and the MUSTs of /mcp.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { spawnApp } from '../support/app.mjs';
import { query } from '../support/d1.mjs';
import { KEY_PATTERN, rpc, signedUpClient } from '../support/client.mjs';
import { startDocumentServer } from '../support/documents.mjs';
import {
  authorizeParams, connectClient, decide, exchangeCode, getAuthorize, pkcePair, registerClient, returnLink,
} from '../support/oauth.mjs';

const REDIRECT = 'http://127.0.0.1:43123/callback';

let app;
let docs;
let user;

before(async () => {
  docs = await startDocumentServer();
  app = await spawnApp({ vars: { CIMD_ALLOW_INSECURE_LOOPBACK: '1' } });
  user = await signedUpClient(app.baseUrl, 'cimd');
});

after(async () => {
  await app?.stop();
  await docs?.close();
});

/** A client known by the document at `path` (served now), as the oauth helpers take it. */
function documentClient(path, document = {}, headers = {}) {
  const clientId = docs.serveDocument(path, {
    client_name: 'Doc client',
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'none',
    ...document,
  }, headers);
  return { client_id: clientId, redirect_uris: [REDIRECT] };
}

/** Approves a fresh request of `client` as `who` and exchanges the code: the token response. */
function connect(client, who = user, overrides = {}) {
  return connectClient(app.baseUrl, client, who, { authorize: overrides });
}

const keyRow = async (who, secret) => (await who.listKeys()).body.keys.find((key) => key.last4 === secret.slice(-4));

/** Asserts an authorize response is Hadron's own error page, not a redirect. */
function assertErrorPage(response, what) {
  assert.equal(response.status, 400, `${what}: ${response.text.slice(0, 300)}`);
  assert.equal(response.headers.get('location'), null, `${what}: never a redirect`);
  assert.match(response.headers.get('content-type'), /text\/html/, what);
  assert.match(response.text, /This sign-in request cannot continue/, what);
}

describe('Client ID Metadata Documents', () => {
  test('the authorization server metadata says they are supported', async () => {
    const metadata = await (await fetch(`${app.baseUrl}/.well-known/oauth-authorization-server`)).json();
    assert.equal(metadata.client_id_metadata_document_supported, true);
  });

  test('a client named by its document URL connects end to end, under a stable dcr_ id', async () => {
    const client = documentClient('/clients/good.json', { client_uri: 'https://client.example.com' });
    const { challenge } = pkcePair();
    const authorize = await getAuthorize(app.baseUrl, authorizeParams(app.baseUrl, client, { challenge }));
    assert.equal(authorize.status, 302, authorize.text);
    assert.match(authorize.headers.get('location'), /^\/app\/oauth\/consent\?/);

    const { details, token } = await connect(client);
    const host = new URL(client.client_id).host;
    assert.equal(details.body.client.kind, 'metadata_document');
    assert.equal(details.body.client.client_id, client.client_id);
    assert.equal(details.body.client.vouched_by, host);
    assert.equal(details.body.client.name, 'Doc client');
    assert.equal(details.body.client.name_is_self_declared, false);
    assert.match(details.body.client.id, /^dcr_[0-9a-f]{32}$/);

    assert.equal(token.status, 200, token.text);
    assert.match(token.body.access_token, KEY_PATTERN);
    const whoami = await user.mcp(token.body.access_token, rpc('tools/call', { name: 'whoami' }));
    assert.equal(whoami.status, 200);
    const row = await keyRow(user, token.body.access_token);
    assert.equal(row.label, 'OAuth: Doc client');
    assert.deepEqual(row.source, { kind: 'oauth', client_id: details.body.client.id, badge: `OAuth: ${details.body.client.id}` });

    const again = await connect(client);
    assert.equal(again.details.body.client.id, details.body.client.id, 'the same document, the same id');
  });

  test('the document is fetched once and then served from D1 within its Cache-Control', async () => {
    const client = documentClient('/clients/cached.json', {}, { 'cache-control': 'public, max-age=600' });
    const { challenge } = pkcePair();
    const params = authorizeParams(app.baseUrl, client, { challenge });
    assert.equal((await getAuthorize(app.baseUrl, params)).status, 302);
    assert.equal((await getAuthorize(app.baseUrl, params)).status, 302);
    assert.equal(docs.hits('/clients/cached.json'), 1, 'the second request used the cached copy');
    const [row] = await query(app.persistDir, `SELECT metadata_expires_at - created_at AS ttl FROM oauth_clients WHERE metadata_url = '${client.client_id}'`);
    assert.ok(row.ttl >= 590_000 && row.ttl <= 610_000, `kept for max-age: ${row.ttl} ms`);

    await query(app.persistDir, `UPDATE oauth_clients SET metadata_expires_at = 0 WHERE metadata_url = '${client.client_id}'`);
    assert.equal((await getAuthorize(app.baseUrl, params)).status, 302);
    assert.equal(docs.hits('/clients/cached.json'), 2, 'an expired copy is fetched again');
  });

  test('every way a document can fail is shown on Hadron\'s error page, never redirected', async () => {
    const cases = [
      // Port 1 (tcpmux): nothing listens there, and no test server can be given it.
      ['unreachable', { client_id: 'http://127.0.0.1:1/client.json', redirect_uris: [REDIRECT] }, /could not be fetched/],
      ['404', { client_id: docs.url('/clients/missing.json'), redirect_uris: [REDIRECT] }, /HTTP 404/],
      ['too large', documentClient('/clients/large.json', { padding: 'x'.repeat(6000) }), /larger than 5120 bytes/],
      ['not JSON', { client_id: docs.serve('/clients/page.html', { headers: { 'content-type': 'text/html' }, body: '<h1>hi</h1>' }), redirect_uris: [REDIRECT] }, /not a JSON object/],
      ['JSON of the wrong content type', { client_id: docs.serve('/clients/text.json', { headers: { 'content-type': 'text/plain' }, body: '{}' }), redirect_uris: [REDIRECT] }, /not a JSON object/],
      ['another client_id', documentClient('/clients/liar.json', { client_id: docs.url('/clients/good.json') }), /different client_id/],
      ['redirect URI not listed', documentClient('/clients/elsewhere.json', { redirect_uris: ['http://127.0.0.1:43123/elsewhere'] }), /redirect_uri is not one this client registered/],
      ['a redirect to another document', { client_id: docs.serve('/clients/moved.json', { status: 302, headers: { location: docs.url('/clients/good.json') } }), redirect_uris: [REDIRECT] }, /HTTP 302/],
      ['a secret-based client', documentClient('/clients/secret.json', { token_endpoint_auth_method: 'client_secret_basic' }), /public client/],
      ['a name with a direction override', documentClient('/clients/bidi.json', { client_name: 'Claude\u202e' }), /invisible formatting/],
      ['no answer in time', { client_id: docs.serve('/clients/slow.json', { hang: true }), redirect_uris: [REDIRECT] }, /no answer in time/],
    ];
    for (const [name, client, explanation] of cases) {
      const { challenge } = pkcePair();
      const params = authorizeParams(app.baseUrl, client, { challenge });
      const response = await getAuthorize(app.baseUrl, params);
      assertErrorPage(response, name);
      assert.match(response.text, explanation, name);
      assert.equal(returnLink(response.text), null, `${name}: no link to an unverified destination`);
      const details = await user.request('GET', `/api/oauth/consent?${params}`);
      assert.equal(details.status, 400, name);
      assert.equal(details.body.error.code, 'invalid_authorization_request', name);
      assert.equal(details.body.redirect_to, null, name);
    }
  });

  test('a document client is known by its URL only: its derived id is refused', async () => {
    const client = documentClient('/clients/derived.json');
    const { details, token } = await connect(client);
    assert.equal(token.status, 200);
    const byId = { client_id: details.body.client.id, redirect_uris: [REDIRECT] };
    const { challenge } = pkcePair();
    assertErrorPage(await getAuthorize(app.baseUrl, authorizeParams(app.baseUrl, byId, { challenge })), 'derived id');
    const revoke = await fetch(`${app.baseUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: token.body.access_token, client_id: details.body.client.id }),
    });
    assert.equal(revoke.status, 401, 'the derived id is not a client id');
    assert.equal((await user.mcp(token.body.access_token, rpc('ping'))).status, 200);
  });
});

describe('one key per connected app', () => {
  test('connecting the same client again replaces its earlier key for that user only', async () => {
    const client = (await registerClient(app.baseUrl, { client_name: 'Reconnecting app' })).body;
    const other = await signedUpClient(app.baseUrl, 'other-user');
    const portalKey = (await user.mint('mine')).body.secret;

    const first = (await connect(client)).token.body.access_token;
    const othersKey = (await connect(client, other)).token.body.access_token;
    const second = (await connect(client)).token.body.access_token;

    assert.equal((await user.mcp(first, rpc('ping'))).status, 401, 'the earlier key is revoked');
    assert.equal((await user.mcp(second, rpc('ping'))).status, 200, 'the new key works');
    assert.equal((await other.mcp(othersKey, rpc('ping'))).status, 200, 'another user\'s connection stays');
    assert.equal((await user.mcp(portalKey, rpc('ping'))).status, 200, 'portal keys are not touched');
    const replaced = await keyRow(user, first);
    assert.equal(replaced.status, 'revoked');
    assert.equal(replaced.revoked_reason, 'replaced');
    const active = (await user.listKeys()).body.keys.filter((key) => key.source.client_id === client.client_id && key.status === 'active');
    assert.equal(active.length, 1, 'one active key for the app');
  });
});

describe('authorization codes', () => {
  test('another client presenting a code changes nothing; only its own client\'s replay revokes', async () => {
    const owner = (await registerClient(app.baseUrl, { client_name: 'Owner app' })).body;
    const attacker = (await registerClient(app.baseUrl, { client_name: 'Attacker app' })).body;
    const { verifier, challenge } = pkcePair();
    const { redirectTo } = await decide(user, authorizeParams(app.baseUrl, owner, { challenge }));
    const code = redirectTo.searchParams.get('code');
    const fields = (clientId, codeVerifier = verifier) => ({
      grant_type: 'authorization_code', code, code_verifier: codeVerifier, client_id: clientId, redirect_uri: REDIRECT,
    });

    const stolen = await exchangeCode(app.baseUrl, fields(attacker.client_id));
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body.error, 'invalid_grant');

    const real = await exchangeCode(app.baseUrl, fields(owner.client_id));
    assert.equal(real.status, 200, 'the owner still gets its key');
    const key = real.body.access_token;

    assert.equal((await exchangeCode(app.baseUrl, fields(attacker.client_id))).body.error, 'invalid_grant');
    assert.equal((await user.mcp(key, rpc('ping'))).status, 200, 'a foreign client cannot revoke it');
    assert.equal((await exchangeCode(app.baseUrl, fields(owner.client_id, pkcePair().verifier))).body.error, 'invalid_grant');
    assert.equal((await user.mcp(key, rpc('ping'))).status, 200, 'the code alone (no verifier) cannot revoke it');

    const replay = await exchangeCode(app.baseUrl, fields(owner.client_id));
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await user.mcp(key, rpc('ping'))).status, 401, 'a true replay revokes the key');
    assert.equal((await keyRow(user, key)).revoked_reason, 'code_replay');
  });
});

describe('no redirect off the site before the user decides', () => {
  test('an anonymous authorize request with an error shows a link that names the destination', async () => {
    const client = (await registerClient(app.baseUrl, { redirect_uris: ['https://app.example/oauth/cb'] })).body;
    const { challenge } = pkcePair();
    for (const overrides of [{ code_challenge: undefined }, { response_type: 'token' }, { scope: 'admin' }]) {
      const response = await getAuthorize(app.baseUrl, authorizeParams(app.baseUrl, client, { challenge, ...overrides }));
      assertErrorPage(response, JSON.stringify(overrides));
      const link = returnLink(response.text);
      assert.equal(link.text, 'Return to app.example');
      assert.ok(link.href.startsWith('https://app.example/oauth/cb?error='), link.href);
    }
    const withoutClient = await getAuthorize(app.baseUrl, authorizeParams(app.baseUrl, client, { challenge, client_id: undefined }));
    assertErrorPage(withoutClient, 'no client');
    assert.equal(returnLink(withoutClient.text), null);
  });
});

describe('the MCP MUSTs', () => {
  test('batches are answered while 2025-03-26 is in use, and refused after it', async () => {
    const { secret } = (await user.mint('batches')).body;
    const batch = [rpc('ping', undefined, 1), { jsonrpc: '2.0', method: 'notifications/initialized' }, rpc('tools/list', undefined, 'two')];
    for (const headers of [{}, { 'mcp-protocol-version': '2025-03-26' }]) {
      const response = await user.mcp(secret, batch, headers);
      assert.equal(response.status, 200, JSON.stringify(headers));
      assert.ok(Array.isArray(response.body), response.text);
      assert.deepEqual(response.body.map((message) => message.id), [1, 'two']);
      assert.ok(response.body[1].result.tools.length >= 2);
    }
    const later = await user.mcp(secret, batch, { 'mcp-protocol-version': '2025-06-18' });
    assert.equal(later.status, 400);
    assert.equal(later.body.error.code, -32600);

    const onlyNotifications = await user.mcp(secret, [{ jsonrpc: '2.0', method: 'notifications/initialized' }]);
    assert.equal(onlyNotifications.status, 202);
    const withInitialize = await user.mcp(secret, [rpc('initialize', { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 't', version: '1' } }, 9), rpc('ping', undefined, 10)]);
    assert.equal(withInitialize.status, 200);
    assert.equal(withInitialize.body[0].error.code, -32600, 'initialize cannot be batched');
    assert.deepEqual(withInitialize.body[1].result, {});
    assert.equal((await user.mcp(secret, [])).status, 400);
  });

  test('the resource may name /mcp in any URL spelling, or the origin the path-less metadata names', async () => {
    const client = (await registerClient(app.baseUrl, { client_name: 'Resource app' })).body;
    const { port } = new URL(app.baseUrl);
    for (const resource of [app.baseUrl, `${app.baseUrl}/`, `HTTP://127.0.0.1:${port}/mcp`, `${app.baseUrl}/mcp/`]) {
      const { token } = await connect(client, user, { resource });
      assert.equal(token.status, 200, `${resource}: ${token.text}`);
    }
  });

  test('names and labels with invisible format characters are refused', async () => {
    for (const name of ['Claude\u202e', 'Cl\u200baude', '\u2066Claude\u2069']) {
      const response = await registerClient(app.baseUrl, { client_name: name });
      assert.equal(response.status, 400, JSON.stringify(name));
      assert.equal(response.body.error, 'invalid_client_metadata');
    }
    for (const label of ['deploy\u202egnp.exe', 'MacBook\u200d', 'a\u061cb']) {
      const response = await user.mint(label);
      assert.equal(response.status, 400, JSON.stringify(label));
      assert.equal(response.body.error.code, 'invalid_label');
    }
    assert.equal((await user.mint('laptop \u{1F469}\u200d\u{1F4BB}')).status, 201, 'emoji sequences stay allowed');
  });
});

test('without CIMD_ALLOW_INSECURE_LOOPBACK a loopback document is refused', async () => {
  const strict = await spawnApp();
  try {
    const client = documentClient('/clients/strict.json');
    const { challenge } = pkcePair();
    const response = await getAuthorize(strict.baseUrl, authorizeParams(strict.baseUrl, client, { challenge }));
    assertErrorPage(response, 'loopback document');
    assert.match(response.text, /canonical form|https/);
    assert.equal(docs.hits('/clients/strict.json'), 0, 'nothing was fetched');
  } finally {
    await strict.stop();
  }
});
