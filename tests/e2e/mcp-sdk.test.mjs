// A real MCP client that we did not write, the official TypeScript SDK, connecting to
// /mcp through our OAuth server: 401 → discovery → dynamic registration → authorize →
// consent (the user's half done over HTTP, as the consent page does it) → code → token →
// tools/call. Then the key is revoked in the portal and the same client gets 401.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

import { spawnApp } from '../support/app.mjs';
import { signedUpClient } from '../support/client.mjs';
import { decide, getAuthorize } from '../support/oauth.mjs';

/** The SDK's storage hooks, kept in memory, as a desktop client keeps them on disk. */
class MemoryOAuthProvider {
  constructor(redirectUrl) {
    this.redirect = redirectUrl;
    this.authorizationUrl = null;
  }

  get redirectUrl() { return this.redirect; }

  get clientMetadata() {
    return {
      client_name: 'SDK end-to-end client',
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() { return this.client; }
  saveClientInformation(client) { this.client = client; }
  tokens() { return this.savedTokens; }
  saveTokens(tokens) { this.savedTokens = tokens; }
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
}

let app;
let user;
const seen = [];

/** A fetch that records what the SDK asked and what it got. */
async function recordingFetch(url, init) {
  const response = await fetch(url, init);
  seen.push({ method: init?.method ?? 'GET', url: String(url), status: response.status });
  return response;
}

function connectWith(provider) {
  const transport = new StreamableHTTPClientTransport(new URL(`${app.baseUrl}/mcp`), {
    authProvider: provider,
    fetch: recordingFetch,
  });
  const client = new McpClient({ name: 'hadron-e2e', version: '1.0.0' });
  return { client, transport, connected: client.connect(transport) };
}

before(async () => {
  app = await spawnApp();
  user = await signedUpClient(app.baseUrl, 'sdk');
});

after(async () => {
  await app?.stop();
});

test('the official MCP SDK signs in through OAuth, calls whoami, and is cut off by a revoke', async () => {
  const provider = new MemoryOAuthProvider('http://127.0.0.1:47999/oauth/callback');

  const first = connectWith(provider);
  await assert.rejects(first.connected, UnauthorizedError);
  assert.ok(seen.some((entry) => entry.url.endsWith('/mcp') && entry.status === 401), 'got the 401');
  assert.ok(seen.some((entry) => entry.url.includes('/.well-known/oauth-protected-resource')), 'read the resource metadata');
  assert.ok(seen.some((entry) => entry.url.endsWith('/.well-known/oauth-authorization-server')), 'read the server metadata');
  assert.ok(seen.some((entry) => entry.url.endsWith('/oauth/register') && entry.status === 201), 'registered itself');
  assert.match(provider.client.client_id, /^dcr_/);

  const authorizationUrl = provider.authorizationUrl;
  assert.ok(authorizationUrl, 'the SDK sent the user to the authorization endpoint');
  assert.equal(`${authorizationUrl.origin}${authorizationUrl.pathname}`, `${app.baseUrl}/oauth/authorize`);
  assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(authorizationUrl.searchParams.get('resource'), `${app.baseUrl}/mcp`);

  // The user's browser: the authorize endpoint hands over to the consent page, where the
  // signed-in user approves.
  const toConsent = await getAuthorize(app.baseUrl, authorizationUrl.searchParams, user.cookie);
  assert.equal(toConsent.status, 302);
  const consentUrl = new URL(toConsent.headers.get('location'), app.baseUrl);
  assert.equal(consentUrl.pathname, '/app/oauth/consent');
  const { details, redirectTo } = await decide(user, consentUrl.searchParams);
  assert.equal(details.body.client.name, 'SDK end-to-end client');
  assert.equal(`${redirectTo.origin}${redirectTo.pathname}`, provider.redirect);
  assert.equal(redirectTo.searchParams.get('iss'), app.baseUrl);
  const code = redirectTo.searchParams.get('code');

  await first.transport.finishAuth(code);
  assert.match(provider.savedTokens.access_token, /^hdr_user_[0-9a-f]{64}$/);
  assert.equal(provider.savedTokens.refresh_token, undefined);

  const second = connectWith(provider);
  await second.connected;
  const tools = await second.client.listTools();
  assert.deepEqual(tools.tools.map((tool) => tool.name), ['whoami', 'list_api_keys']);
  const whoami = await second.client.callTool({ name: 'whoami', arguments: {} });
  assert.equal(whoami.structuredContent.user.email, user.email);
  assert.deepEqual(whoami.structuredContent.key.source, {
    kind: 'oauth', client_id: provider.client.client_id, badge: `OAuth: ${provider.client.client_id}`,
  });

  const keys = (await user.listKeys()).body.keys;
  const row = keys.find((key) => key.id === whoami.structuredContent.key.id);
  assert.equal(row.label, 'OAuth: SDK end-to-end client');
  assert.equal(row.source.client_id, provider.client.client_id);
  assert.equal(row.status, 'active');

  assert.equal((await user.revoke(row.id)).status, 200);
  seen.length = 0;
  await assert.rejects(second.client.callTool({ name: 'whoami', arguments: {} }));
  assert.equal(seen.find((entry) => entry.url.endsWith('/mcp'))?.status, 401, 'the very next call got 401');
  await second.client.close();
});
