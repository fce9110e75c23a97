// Helpers for driving the OAuth flow over HTTP, as a client and as the signed-in user
// on the consent page would.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import { clientAddress, readResponse } from './client.mjs';

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/** Registers a client, from an address of its own unless `address` is given. */
export async function registerClient(baseUrl, metadata = {}, { address = clientAddress() } = {}) {
  const response = await fetch(`${baseUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': address },
    body: JSON.stringify({
      client_name: 'Test MCP client',
      redirect_uris: ['http://127.0.0.1:43123/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...metadata,
    }),
  });
  return readResponse(response);
}

/** The query of an authorization request, as URLSearchParams. */
export function authorizeParams(baseUrl, client, { challenge, ...overrides } = {}) {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'state-123',
    resource: `${baseUrl}/mcp`,
    scope: 'mcp',
  });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) params.delete(name);
    else params.set(name, value);
  }
  return params;
}

export async function getAuthorize(baseUrl, params, cookie) {
  const response = await fetch(`${baseUrl}/oauth/authorize?${params}`, {
    redirect: 'manual',
    headers: { 'cf-connecting-ip': clientAddress(), ...(cookie ? { cookie } : {}) },
  });
  return readResponse(response);
}

/**
 * What the consent page does for a signed-in user: read the request's details, then post
 * the decision. Returns the final `redirect_to` URL (or the failing response).
 */
export async function decide(user, query, decision = 'approve') {
  const details = await user.request('GET', `/api/oauth/consent?${query}`);
  if (details.status !== 200) return { details };
  const answer = await user.request('POST', '/api/oauth/consent', {
    json: { request: String(query), decision, csrf_token: details.body.csrf_token },
    headers: { origin: user.baseUrl },
  });
  return { details, answer, redirectTo: answer.body?.redirect_to && new URL(answer.body.redirect_to) };
}

export async function exchangeCode(baseUrl, fields, headers = {}) {
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': clientAddress(), ...headers },
    body: new URLSearchParams(fields),
  });
  return readResponse(response);
}

/**
 * The "Return to …" link of Hadron's OAuth error page, as `{ href, text }` (HTML entities
 * in the href decoded), or null when the page offers none.
 */
export function returnLink(html) {
  const match = /<a [^>]*href="([^"]*)"[^>]*>(Return to [^<]*)<\/a>/.exec(html);
  if (!match) return null;
  const decode = (text) => text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  return { href: decode(match[1]), text: decode(match[2]) };
}

/**
 * The whole flow for `client` as the signed-in `user`: authorize (with `authorize`
 * overriding the query), approve on the consent page, exchange the code (sending
 * `tokenHeaders`). The test fails unless the consent redirected back with a code.
 * Returns the consent's `details`, the token request's `fields` and its response.
 */
export async function connectClient(baseUrl, client, user, { authorize = {}, tokenHeaders = {} } = {}) {
  const { verifier, challenge } = pkcePair();
  const { details, redirectTo } = await decide(user, authorizeParams(baseUrl, client, { challenge, ...authorize }));
  assert.ok(redirectTo, `the consent was accepted: ${JSON.stringify(details.body)}`);
  const fields = {
    grant_type: 'authorization_code',
    code: redirectTo.searchParams.get('code'),
    code_verifier: verifier,
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
  };
  const token = await exchangeCode(baseUrl, fields, tokenHeaders);
  return { details, fields, token };
}
