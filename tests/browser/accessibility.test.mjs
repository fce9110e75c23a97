// axe-core over every page of the portal, in the light and the dark colour scheme, signed
// out and signed in wherever the page differs, and in the states a page can be in: an
// empty key list, active and revoked keys of every source, the one-shot banner, the revoke
// dialog, a real pending OAuth request on the consent page, one that no longer checks out,
// and the Worker's OAuth error page. Any violation fails, listed one element a line.
// The docs and the key list are checked at 360 px too, where code blocks and tables scroll.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { authorizeParams, pkcePair, registerClient } from '../support/oauth.mjs';
import {
  API_KEYS_PATH, app, assertClean, axeViolations, insertKeys, mintInContext, openPage, revokeInContext,
  routeOauthErrorPage, signUpInContext, useAppAndBrowser,
} from '../support/browser.mjs';

const DOCS = ['/docs/claude-desktop', '/docs/vscode', '/docs/authentication'];
const UNKNOWN_CLIENT = 'dcr_0123456789abcdef0123456789abcdef';
const NARROW = { width: 360, height: 780 };

let client; // an OAuth client, so that the consent page has a real request to show

useAppAndBrowser(async () => {
  const registered = await registerClient(app.baseUrl, { client_name: 'Accessibility Test Client' });
  assert.equal(registered.status, 201, registered.text);
  client = registered.body;
});

/** An authorization request of `client` (or of the client `client_id` names). */
function authorizeQuery(overrides = {}) {
  return authorizeParams(app.baseUrl, client, { challenge: pkcePair().challenge, ...overrides });
}

/**
 * Opens a watched profile, lets `visit(page, check)` bring pages into their states and
 * call `check(where)` at each, then fails with every violation axe found, if any.
 */
async function audit(options, visit) {
  const { context, page, watcher } = await openPage(options);
  const problems = [];
  try {
    await visit({ context, page }, async (where) => {
      for (const line of await axeViolations(page)) problems.push(`${where}: ${line}`);
    });
    await assertClean(page, watcher); // axe ran under the CSP without tripping it
  } finally {
    await context.close();
  }
  assert.equal(problems.length, 0, `axe-core found ${problems.length} violation(s):\n${problems.join('\n')}`);
}

/** Goes to `path` and waits until `ready` (a selector) is visible: the page's script has run. */
async function visit(page, path, ready) {
  await page.goto(path);
  await page.locator(ready).first().waitFor();
}

describe('axe-core finds no violation', () => {
  for (const colorScheme of ['light', 'dark']) {
    test(`signed out, ${colorScheme} scheme`, () => audit({ colorScheme }, async ({ page }, check) => {
      for (const path of ['/', ...DOCS, '/no-such-page']) {
        await visit(page, path, '[data-account] a'); // the shell offers to sign in
        await check(`${path} (signed out, ${colorScheme})`);
      }
      await visit(page, `/signin?next=${encodeURIComponent(API_KEYS_PATH)}`, '[data-auth-notice]');
      await check(`/signin with its notice (${colorScheme})`);
      await visit(page, `/signup?next=${encodeURIComponent(API_KEYS_PATH)}`, 'a[data-keep-next][href*="next="]');
      await check(`/signup (${colorScheme})`);

      // The Worker's error page as it is served now, and the shell's page for it filled in
      // with and without a way back to the client.
      await visit(page, `/oauth/authorize?${authorizeQuery({ client_id: UNKNOWN_CLIENT })}`, 'main h1');
      await check(`/oauth/authorize with an unknown client (${colorScheme})`);
      await routeOauthErrorPage(page, '/oauth/error-page', { message: 'No client is registered under this client_id.' });
      await visit(page, '/oauth/error-page', '[data-oauth-error-message]');
      await check(`the OAuth error page (${colorScheme})`);
      await routeOauthErrorPage(page, '/oauth/error-page-with-return', {
        message: 'The request asks for a scope this server does not offer.',
        returnTo: 'http://127.0.0.1:43123/callback?error=invalid_scope',
        destination: '127.0.0.1:43123',
      });
      await visit(page, '/oauth/error-page-with-return', '[data-oauth-error-return] a');
      await check(`the OAuth error page with a return link (${colorScheme})`);
    }));

    test(`signed in, ${colorScheme} scheme`, () => audit({ colorScheme }, async ({ context, page }, check) => {
      await signUpInContext(context);
      for (const path of ['/', ...DOCS, '/no-such-page']) {
        await visit(page, path, '[data-account] .account-email');
        await check(`${path} (signed in, ${colorScheme})`);
      }

      await visit(page, API_KEYS_PATH, '#keys-empty');
      await check(`${API_KEYS_PATH} with no keys (${colorScheme})`);

      await seedKeysOfEverySource(context);
      await visit(page, API_KEYS_PATH, '.key-row.is-revoked');
      await page.locator('#revocation-notice h2').waitFor();
      await page.locator('#activity-list li').first().waitFor();
      await check(`${API_KEYS_PATH} with active and revoked keys, the notice and activity (${colorScheme})`);
      await page.getByRole('combobox', { name: 'Status' }).selectOption('revoked');
      await page.getByRole('searchbox', { name: 'Search' }).fill('no such key');
      await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
      await page.locator('#keys-count', { hasText: 'No keys match' }).waitFor();
      await check(`${API_KEYS_PATH} with a search that finds nothing (${colorScheme})`);
      await page.getByRole('combobox', { name: 'Status' }).selectOption('');
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
      await page.locator('#keys-count', { hasText: 'Showing all' }).waitFor();
      await page.getByRole('button', { name: 'Mint new key' }).click();
      await page.locator('#reveal-secret').waitFor();
      await check(`${API_KEYS_PATH} with the new key's banner (${colorScheme})`);
      await page.getByRole('button', { name: 'I have copied this key' }).click();
      await page.locator('button[data-revoke]').first().click();
      await page.locator('dialog[open]').waitFor();
      await check(`${API_KEYS_PATH} with the revoke dialog open (${colorScheme})`);
      await page.keyboard.press('Escape');

      await page.goto(`/oauth/authorize?${authorizeQuery()}`);
      await page.locator('#consent').waitFor();
      await check(`/app/oauth/consent with a pending request (${colorScheme})`);
      await visit(page, `/app/oauth/consent?${authorizeQuery({ client_id: UNKNOWN_CLIENT })}`, '#consent-problem');
      await check(`/app/oauth/consent with a request that no longer checks out (${colorScheme})`);
    }));
  }

  test('at 360 px, where code blocks and tables scroll', () => audit({ viewport: NARROW }, async ({ context, page }, check) => {
    await signUpInContext(context);
    for (const path of DOCS) {
      await visit(page, path, '[data-account] .account-email');
      await check(`${path} at 360 px`);
    }
    await seedKeysOfEverySource(context);
    await visit(page, API_KEYS_PATH, '.key-row.is-revoked');
    await page.locator('#revocation-notice h2').waitFor();
    await page.locator('#activity-list li').first().waitFor();
    await page.locator('details.card summary').click(); // its table is the widest thing on the page
    await check(`${API_KEYS_PATH} at 360 px`);
  }));
});

/**
 * Active and revoked keys from the portal, an OAuth client and a legacy import, revoked for
 * every reason (a leak and a replaced connection make the notice of automatic revocations
 * show), and a key last used from a known place. The SQL goes last: it blocks this process
 * for a while, and a keep-alive connection the server closes meanwhile must not be the next
 * one an API request of the profile picks up.
 */
async function seedKeysOfEverySource(context) {
  await mintInContext(context, 'Production deploy job');
  const old = await mintInContext(context, 'Old laptop');
  await revokeInContext(context, old.id);
  const now = Date.now();
  await insertKeys(context, [
    { last4: 'a0a0', label: 'OAuth: Claude', source: 'oauth', clientId: 'dcr_0123abcd', createdAt: now - 7_200_000, lastUsedAt: now - 60_000 },
    { last4: 'b0b0', label: 'OAuth: VS Code', source: 'oauth', clientId: 'dcr_4567ef01', createdAt: now - 9_000_000, revokedAt: now - 3_600_000 },
    { last4: 'c0c0', createdAt: now - 86_400_000, revokedAt: now - 80_000_000 },
    {
      last4: 'd0d0', label: 'CI deploy', source: 'portal', createdAt: now - 9_500_000, revokedAt: now - 600_000,
      revokedReason: 'leaked', revokedDetail: 'https://github.com/ada/dotfiles/blob/main/.env',
      lastUsedAt: now - 900_000, lastUsedIp: '203.0.113.7', lastUsedCountry: 'DE', lastUsedUserAgent: 'curl/8.5.0',
    },
    { last4: 'e0e0', label: 'OAuth: Claude', source: 'oauth', clientId: 'dcr_0123abcd', createdAt: now - 9_800_000, revokedAt: now - 7_000_000, revokedReason: 'replaced' },
  ]);
}
