// The OAuth 2.1 authorization server over HTTP: discovery, registration, the consent
// decision, the code exchange, and everything that must fail without minting a key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { spawnApp } from '../support/app.mjs';
import { query } from '../support/d1.mjs';
import { isolatedRequest, KEY_PATTERN, rpc, signedUpClient } from '../support/client.mjs';
import { authorizeParams, decide, exchangeCode, getAuthorize, pkcePair, registerClient, returnLink } from '../support/oauth.mjs';

let app;
let user;
let client;

before(async () => {
  app = await spawnApp();
  user = await signedUpClient(app.baseUrl, 'oauth');
  client = (await registerClient(app.baseUrl)).body;
});

after(async () => {
  await app?.stop();
});

/** Approves a fresh request as `user`; returns the code, its verifier and the redirect. */
async function approvedCode(overrides = {}) {
  const { verifier, challenge } = pkcePair();
  const params = authorizeParams(app.baseUrl, client, { challenge, ...overrides });
  const { redirectTo } = await decide(user, params);
  assert.ok(redirectTo, 'the consent was accepted');
  return { code: redirectTo.searchParams.get('code'), verifier, redirectTo };
}

function tokenFields(code, verifier, overrides = {}) {
  return {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
    resource: `${app.baseUrl}/mcp`,
    ...overrides,
  };
}

const oauthKeyCount = async () => (await query(app.persistDir, "SELECT count(*) AS n FROM api_keys WHERE source = 'oauth'"))[0].n;

describe('discovery', () => {
  test('the authorization server metadata names every endpoint and S256 only', async () => {
    const response = await fetch(`${app.baseUrl}/.well-known/oauth-authorization-server`);
    assert.equal(response.status, 200);
    const metadata = await response.json();
    assert.equal(metadata.issuer, app.baseUrl);
    assert.equal(metadata.authorization_endpoint, `${app.baseUrl}/oauth/authorize`);
    assert.equal(metadata.token_endpoint, `${app.baseUrl}/oauth/token`);
    assert.equal(metadata.registration_endpoint, `${app.baseUrl}/oauth/register`);
    assert.equal(metadata.revocation_endpoint, `${app.baseUrl}/oauth/revoke`);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    assert.deepEqual(metadata.grant_types_supported, ['authorization_code']);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok(metadata.token_endpoint_auth_methods_supported.includes('none'));
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
  });

  test('the metadata follows PUBLIC_ORIGIN when it is configured', async () => {
    const proxied = await spawnApp({ vars: { PUBLIC_ORIGIN: 'https://keys.example.com' } });
    try {
      // As a proxy in front would send it: the public host name.
      const get = async (path) => (await isolatedRequest(`${proxied.baseUrl}${path}`, { method: 'GET', headers: { host: 'keys.example.com' } })).body;
      const metadata = await get('/.well-known/oauth-authorization-server');
      assert.equal(metadata.issuer, 'https://keys.example.com');
      assert.equal(metadata.token_endpoint, 'https://keys.example.com/oauth/token');
      const resource = await get('/.well-known/oauth-protected-resource/mcp');
      assert.equal(resource.resource, 'https://keys.example.com/mcp');
    } finally {
      await proxied.stop();
    }
  });
});

describe('registration', () => {
  test('a client gets a dcr_ id and its metadata back', async () => {
    const response = await registerClient(app.baseUrl, { client_name: 'Claude' });
    assert.equal(response.status, 201);
    assert.match(response.body.client_id, /^dcr_[0-9a-f]{32}$/);
    assert.equal(response.body.client_name, 'Claude');
    assert.deepEqual(response.body.redirect_uris, ['http://127.0.0.1:43123/callback']);
    assert.equal(response.body.token_endpoint_auth_method, 'none');
    assert.equal(response.body.client_secret, undefined);
  });

  test('bad metadata gets RFC 7591 errors', async () => {
    const cases = [
      [{ redirect_uris: ['http://evil.example/callback'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://app.example/cb#fragment'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: [] }, 'invalid_redirect_uri'],
      [{ grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
      [{ token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
      [{ client_name: 'x'.repeat(500) }, 'invalid_client_metadata'],
    ];
    for (const [metadata, error] of cases) {
      const response = await registerClient(app.baseUrl, metadata);
      assert.equal(response.status, 400, JSON.stringify(metadata));
      assert.equal(response.body.error, error, JSON.stringify(metadata));
    }
    const notJson = await fetch(`${app.baseUrl}/oauth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope',
    });
    assert.equal(notJson.status, 400);
    assert.equal((await notJson.json()).error, 'invalid_client_metadata');
  });
});

describe('authorization and token', () => {
  test('approve → code with state and iss → token → a key that works and shows its OAuth source', async () => {
    const { code, verifier, redirectTo } = await approvedCode();
    assert.equal(`${redirectTo.origin}${redirectTo.pathname}`, client.redirect_uris[0]);
    assert.equal(redirectTo.searchParams.get('state'), 'state-123');
    assert.equal(redirectTo.searchParams.get('iss'), app.baseUrl);

    const token = await exchangeCode(app.baseUrl, tokenFields(code, verifier));
    assert.equal(token.status, 200, token.text);
    assert.equal(token.headers.get('cache-control'), 'no-store');
    assert.match(token.body.access_token, KEY_PATTERN);
    assert.equal(token.body.token_type, 'Bearer');
    assert.equal(token.body.scope, 'mcp');
    assert.equal(token.body.refresh_token, undefined);
    assert.equal(token.body.expires_in, undefined);

    const whoami = await user.mcp(token.body.access_token, rpc('tools/call', { name: 'whoami' }));
    assert.equal(whoami.status, 200);
    assert.equal(whoami.body.result.structuredContent.user.email, user.email);

    const row = (await user.listKeys()).body.keys.find((key) => key.last4 === token.body.access_token.slice(-4));
    assert.equal(row.label, 'OAuth: Test MCP client');
    assert.deepEqual(row.source, { kind: 'oauth', client_id: client.client_id, badge: `OAuth: ${client.client_id}` });
  });

  test('a signed-in authorize request goes to the consent page; a bad one is an error page', async () => {
    const { challenge } = pkcePair();
    const good = await getAuthorize(app.baseUrl, authorizeParams(app.baseUrl, client, { challenge }));
    assert.equal(good.status, 302);
    assert.match(good.headers.get('location'), /^\/app\/oauth\/consent\?/);

    for (const overrides of [
      { client_id: 'dcr_0123456789abcdef0123456789abcdef' },
      { client_id: undefined },
      { redirect_uri: 'http://evil.example/callback' },
      { redirect_uri: 'https://127.0.0.1:43123/callback' },
    ]) {
      const response = await getAuthorize(app.baseUrl, authorizeParams(app.baseUrl, client, { challenge, ...overrides }));
      assert.equal(response.status, 400, JSON.stringify(overrides));
      assert.equal(response.headers.get('location'), null, 'never a redirect');
      assert.match(response.headers.get('content-type'), /text\/html/);
    }
  });

  test('a client may leave redirect_uri out of the token request (OAuth 2.1): PKCE binds the code', async () => {
    const { code, verifier } = await approvedCode();
    const { redirect_uri: _omitted, ...fields } = tokenFields(code, verifier);
    const token = await exchangeCode(app.baseUrl, fields);
    assert.equal(token.status, 200, token.text);
    assert.match(token.body.access_token, KEY_PATTERN);
  });

  test('a loopback redirect URI may differ only in its port', async () => {
    const { code, verifier, redirectTo } = await approvedCode({ redirect_uri: 'http://127.0.0.1:50999/callback' });
    assert.equal(redirectTo.port, '50999');
    const token = await exchangeCode(app.baseUrl, tokenFields(code, verifier, { redirect_uri: 'http://127.0.0.1:50999/callback' }));
    assert.equal(token.status, 200, token.text);
  });

  test('errors for a trusted redirect URI are shown with a link back to it (error, state, iss), never redirected', async () => {
    const { challenge } = pkcePair();
    const cases = [
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ resource: 'https://other.example/mcp' }, 'invalid_target'],
      [{ scope: 'admin' }, 'invalid_scope'],
    ];
    for (const [overrides, error] of cases) {
      const response = await getAuthorize(app.baseUrl, authorizeParams(app.baseUrl, client, { challenge, ...overrides }));
      assert.equal(response.status, 400, JSON.stringify(overrides));
      assert.equal(response.headers.get('location'), null, 'no redirect before the user decided');
      const link = returnLink(response.text);
      assert.ok(link, `a link back to the client: ${response.text}`);
      assert.match(link.text, /Return to an app on this computer/);
      const location = new URL(link.href);
      assert.equal(`${location.origin}${location.pathname}`, client.redirect_uris[0]);
      assert.equal(location.searchParams.get('error'), error, JSON.stringify(overrides));
      assert.equal(location.searchParams.get('state'), 'state-123');
      assert.equal(location.searchParams.get('iss'), app.baseUrl);
    }
  });

  test('deny sends access_denied back to the client', async () => {
    const { challenge } = pkcePair();
    const { redirectTo } = await decide(user, authorizeParams(app.baseUrl, client, { challenge }), 'deny');
    assert.equal(redirectTo.searchParams.get('error'), 'access_denied');
    assert.equal(redirectTo.searchParams.get('state'), 'state-123');
    assert.equal(redirectTo.searchParams.get('code'), null);
  });

  test('the consent decision needs the session\'s CSRF token and a same-origin request', async () => {
    const { challenge } = pkcePair();
    const params = String(authorizeParams(app.baseUrl, client, { challenge }));
    const forged = await user.request('POST', '/api/oauth/consent', {
      json: { request: params, decision: 'approve', csrf_token: '0'.repeat(64) },
    });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.error.code, 'invalid_csrf_token');
    const details = await user.request('GET', `/api/oauth/consent?${params}`);
    const crossSite = await user.request('POST', '/api/oauth/consent', {
      json: { request: params, decision: 'approve', csrf_token: details.body.csrf_token },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(crossSite.status, 403);
    const otherUser = await signedUpClient(app.baseUrl, 'other');
    const stolenToken = await otherUser.request('POST', '/api/oauth/consent', {
      json: { request: params, decision: 'approve', csrf_token: details.body.csrf_token },
    });
    assert.equal(stolenToken.status, 400, 'a CSRF token is bound to its session');
  });

  test('the consent details name the client as self-declared, its id and where it redirects', async () => {
    const { challenge } = pkcePair();
    const { details } = await decide(user, authorizeParams(app.baseUrl, client, { challenge }), 'deny');
    assert.equal(details.body.client.name, 'Test MCP client');
    assert.equal(details.body.client.name_is_self_declared, true);
    assert.equal(details.body.client.id, client.client_id);
    assert.equal(details.body.redirect_destination, 'an app on this computer');
    assert.deepEqual(details.body.destination, { kind: 'this_computer', label: 'an app on this computer' });
    assert.equal(details.body.client.kind, 'registered');
    assert.equal(details.body.client.vouched_by, null);
    assert.equal(details.body.user.email, user.email);
  });

  test('a bad exchange gets the right OAuth error and mints no key', async () => {
    const before = await oauthKeyCount();
    const cases = [
      ['wrong verifier', async () => {
        const { code } = await approvedCode();
        return exchangeCode(app.baseUrl, tokenFields(code, pkcePair().verifier));
      }, 400, 'invalid_grant'],
      ['mismatched redirect_uri', async () => {
        const { code, verifier } = await approvedCode();
        return exchangeCode(app.baseUrl, tokenFields(code, verifier, { redirect_uri: 'http://127.0.0.1:43123/other' }));
      }, 400, 'invalid_grant'],
      ['foreign resource', async () => {
        const { code, verifier } = await approvedCode();
        return exchangeCode(app.baseUrl, tokenFields(code, verifier, { resource: 'https://other.example/mcp' }));
      }, 400, 'invalid_target'],
      ['another client', async () => {
        const { code, verifier } = await approvedCode();
        const other = (await registerClient(app.baseUrl)).body;
        return exchangeCode(app.baseUrl, tokenFields(code, verifier, { client_id: other.client_id }));
      }, 400, 'invalid_grant'],
      ['unknown client', async () => {
        const { code, verifier } = await approvedCode();
        return exchangeCode(app.baseUrl, tokenFields(code, verifier, { client_id: 'dcr_0123456789abcdef0123456789abcdef' }));
      }, 401, 'invalid_client'],
      ['missing verifier', async () => {
        const { code } = await approvedCode();
        return exchangeCode(app.baseUrl, tokenFields(code, undefined, { code_verifier: '' }));
      }, 400, 'invalid_request'],
      ['made-up code', async () => exchangeCode(app.baseUrl, tokenFields('a'.repeat(64), pkcePair().verifier)), 400, 'invalid_grant'],
      ['expired code', async () => {
        const { code, verifier } = await approvedCode();
        await query(app.persistDir, 'UPDATE oauth_codes SET expires_at = 0 WHERE exchanges = 0');
        return exchangeCode(app.baseUrl, tokenFields(code, verifier));
      }, 400, 'invalid_grant'],
      ['refresh grant', async () => exchangeCode(app.baseUrl, { grant_type: 'refresh_token', refresh_token: 'x', client_id: client.client_id }), 400, 'unsupported_grant_type'],
      ['JSON body', async () => {
        const response = await fetch(`${app.baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return { status: response.status, body: await response.json() };
      }, 400, 'invalid_request'],
    ];
    for (const [name, attempt, status, error] of cases) {
      const response = await attempt();
      assert.equal(response.status, status, `${name}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error, error, name);
    }
    assert.equal(await oauthKeyCount(), before, 'no key was minted');
  });

  test('a reused code fails with invalid_grant and revokes the key minted from it', async () => {
    const { code, verifier } = await approvedCode();
    const first = await exchangeCode(app.baseUrl, tokenFields(code, verifier));
    assert.equal(first.status, 200);
    assert.equal((await user.mcp(first.body.access_token, rpc('ping'))).status, 200);
    const replay = await exchangeCode(app.baseUrl, tokenFields(code, verifier));
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await user.mcp(first.body.access_token, rpc('ping'))).status, 401, 'the first key is revoked');
  });

  test('a client can give its token back with RFC 7009 revocation; other tokens are left alone', async () => {
    const { code, verifier } = await approvedCode();
    const { access_token: token } = (await exchangeCode(app.baseUrl, tokenFields(code, verifier))).body;
    const portalKey = (await user.mint('not the client\'s')).body.secret;
    const revoke = (fields) => fetch(`${app.baseUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    assert.equal((await revoke({ token: portalKey, client_id: client.client_id })).status, 200);
    assert.equal((await user.mcp(portalKey, rpc('ping'))).status, 200, 'a portal key is not the client\'s to revoke');
    assert.equal((await revoke({ token: 'garbage', client_id: client.client_id })).status, 200);
    assert.equal((await revoke({ token, client_id: client.client_id })).status, 200);
    assert.equal((await user.mcp(token, rpc('ping'))).status, 401);
  });

  test('a confidential client authenticates with its secret', async () => {
    const confidential = (await registerClient(app.baseUrl, { token_endpoint_auth_method: 'client_secret_post' })).body;
    assert.match(confidential.client_secret, /\S{32,}/);
    const { verifier, challenge } = pkcePair();
    const params = authorizeParams(app.baseUrl, confidential, { challenge });
    const code = (await decide(user, params)).redirectTo.searchParams.get('code');
    const fields = { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: confidential.client_id, redirect_uri: confidential.redirect_uris[0] };
    const withoutSecret = await exchangeCode(app.baseUrl, fields);
    assert.equal(withoutSecret.status, 401);
    assert.equal(withoutSecret.body.error, 'invalid_client');
    const { verifier: verifier2, challenge: challenge2 } = pkcePair();
    const code2 = (await decide(user, authorizeParams(app.baseUrl, confidential, { challenge: challenge2 }))).redirectTo.searchParams.get('code');
    const withSecret = await exchangeCode(app.baseUrl, { ...fields, code: code2, code_verifier: verifier2, client_secret: confidential.client_secret });
    assert.equal(withSecret.status, 200, withSecret.text);
  });
});
