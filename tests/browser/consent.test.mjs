// The OAuth consent page in real Chromium against a real `wrangler dev`: an MCP client's
// authorization request, sign-in, the consent page, Deny and Approve, the code exchanged
// for a key that shows up on the API keys page and is revoked there. Plus: the client's
// self-chosen name renders as text, broken requests and failed decisions are explained,
// and the page works at 360 px and in dark mode.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { freePort } from '../support/app.mjs';
import { Client, KEY_PATTERN, rpc, signedUpClient } from '../support/client.mjs';
import { authorizeParams, exchangeCode, pkcePair, registerClient } from '../support/oauth.mjs';
import {
  API_KEYS_PATH, app, assertClean, assertDarkBackground, cellTexts, contrastProblems, eventually,
  horizontalOverflow, keyRow, inNarrowAndDark, openPage as openWatchedPage, screenshot,
  signInThroughPage, signUpInContext, useAppAndBrowser,
} from '../support/browser.mjs';

const CONSENT_PATH = '/app/oauth/consent';
const CLIENT_NAME = 'Hadron Test Desktop';
const XSS_NAME = '<img src=x onerror=alert(1)>';
const UNKNOWN_CLIENT = 'dcr_0123456789abcdef0123456789abcdef';
/** The consent API (`GET` the details, `POST` the decision), whatever the query. */
const CONSENT_API = (url) => url.pathname === '/api/oauth/consent';

let callbackPort; // nothing listens here: the browser's visits are intercepted
let client; // registered with a loopback redirect URI on callbackPort

useAppAndBrowser(async () => {
  callbackPort = await freePort();
  const registered = await registerClient(app.baseUrl, {
    client_name: CLIENT_NAME,
    redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
  });
  assert.equal(registered.status, 201, registered.text);
  client = registered.body;
});

/**
 * A new profile and page, watched for CSP violations, errors and alerts. Visits to the
 * client's redirect URI are answered in the browser and recorded in `callbacks`.
 */
async function openPage(options) {
  const opened = await openWatchedPage(options);
  const callbacks = [];
  await opened.context.route(`http://127.0.0.1:${callbackPort}/**`, (route) => {
    callbacks.push(new URL(route.request().url()));
    return route.fulfill({ status: 200, contentType: 'text/html', body: 'callback' });
  });
  return { ...opened, callbacks };
}

/** A fresh authorization request for `forClient`: its query and PKCE verifier. */
function newRequest(forClient = client, overrides = {}) {
  const { verifier, challenge } = pkcePair();
  return { params: authorizeParams(app.baseUrl, forClient, { challenge, ...overrides }), verifier };
}

/** Opens the authorize URL as an MCP client would; ends on the loaded consent page. */
async function openConsent(page, params) {
  await page.goto(`/oauth/authorize?${params}`);
  await page.waitForURL((url) => url.pathname === CONSENT_PATH);
  await page.locator('#consent').waitFor();
}

/** Waits until the browser is on the client's redirect URI; returns that URL. */
async function callbackUrl(page) {
  await page.waitForURL((url) => url.port === String(callbackPort));
  assert.equal(await page.locator('body').textContent(), 'callback');
  return new URL(page.url());
}

/** The element's visible text with runs of white space as one space. */
async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** What has focus: its id and whether it shows an outline. */
function focused(page) {
  return page.evaluate(() => ({
    id: document.activeElement?.id ?? '',
    outline: document.activeElement ? getComputedStyle(document.activeElement).outlineStyle : 'none',
  }));
}

describe('the OAuth consent page', () => {
  test('sign in, Deny, then Approve by keyboard; the key shows on the API keys page and revoking it cuts /mcp off', async () => {
    const user = await signedUpClient(app.baseUrl, 'consent');
    const { context, page, watcher, callbacks } = await openPage({ viewport: { width: 1280, height: 900 } });
    try {
      // Signed out: the authorize URL leads to sign-in, which comes back to the consent page.
      const denied = newRequest(client, { state: 'deny-state' });
      await page.goto(`/oauth/authorize?${denied.params}`);
      await page.waitForURL((url) => url.pathname === '/signin');
      assert.equal(new URL(page.url()).searchParams.get('next'), `${CONSENT_PATH}?${denied.params}`);
      await signInThroughPage(page, user.email);
      await page.waitForURL((url) => url.pathname === CONSENT_PATH);
      assert.equal(new URL(page.url()).search, `?${denied.params}`);

      // What the page says.
      const card = page.locator('#consent');
      await card.waitFor();
      assert.equal(await page.locator('main h1').textContent(), 'Send a Hadron key to an app on this computer?');
      const facts = page.locator('.consent-facts');
      assert.equal(await textOf(facts.locator('div', { has: page.locator('#client-name') }).locator('dd')),
        `${CLIENT_NAME} Name chosen by the app itself — not verified by Hadron`);
      assert.match(client.client_id, /^dcr_[0-9a-f]{32}$/);
      assert.equal(await page.locator('#client-id').textContent(), client.client_id);
      assert.equal(await page.locator('#redirect-destination').textContent(), 'an app on this computer');
      assert.equal(await page.locator('#redirect-uri').textContent(), `http://127.0.0.1:${callbackPort}/callback`);
      assert.equal(await page.locator('#user-email').textContent(), user.email);
      const grants = await textOf(page.locator('.consent-grants'));
      for (const phrase of [`${app.baseUrl}/mcp`, 'the same access as your account (your role: member)', `OAuth: ${client.client_id}`, 'revoke it there at any time', 'Keys do not expire']) {
        assert.ok(grants.includes(phrase), `the page says what the app gets: ${phrase}`);
      }
      assert.equal(await page.getByRole('button', { name: 'Approve' }).isEnabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Deny' }).isEnabled(), true);
      assert.equal(await page.locator('main form').count(), 0, 'no form: form-action would block the redirect');
      assert.equal(await page.locator('main h1').count(), 1);
      await screenshot(page, 'consent.png', { fullPage: true });
      await assertClean(page, watcher);

      // Deny, with the mouse: back to the client with access_denied and the state.
      await page.getByRole('button', { name: 'Deny' }).click();
      const denial = await callbackUrl(page);
      assert.equal(`${denial.origin}${denial.pathname}`, `http://127.0.0.1:${callbackPort}/callback`);
      assert.equal(denial.searchParams.get('error'), 'access_denied');
      assert.equal(denial.searchParams.get('state'), 'deny-state');
      assert.equal(denial.searchParams.get('iss'), app.baseUrl);
      assert.equal(denial.searchParams.get('code'), null);

      // A new request; already signed in, so straight to the consent page. Approve by keyboard.
      const approved = newRequest(client, { state: 'approve-state' });
      await openConsent(page, approved.params);
      let focus = await focused(page);
      for (let i = 0; i < 20 && focus.id !== 'approve'; i += 1) {
        await page.keyboard.press('Tab');
        focus = await focused(page);
      }
      assert.equal(focus.id, 'approve', 'Tab reaches Approve');
      assert.notEqual(focus.outline, 'none', 'Approve shows a focus ring');
      await page.keyboard.press('Enter');
      const approval = await callbackUrl(page);
      assert.equal(`${approval.origin}${approval.pathname}`, `http://127.0.0.1:${callbackPort}/callback`);
      assert.equal(approval.searchParams.get('state'), 'approve-state');
      assert.equal(approval.searchParams.get('iss'), app.baseUrl);
      assert.equal(approval.searchParams.get('error'), null);
      const code = approval.searchParams.get('code');
      assert.ok(code, 'the redirect carries a code');
      assert.equal(callbacks.length, 2, 'the browser went to the client exactly twice');

      // The client exchanges the code for an ordinary user key that works on /mcp.
      const token = await exchangeCode(app.baseUrl, {
        grant_type: 'authorization_code',
        code,
        code_verifier: approved.verifier,
        client_id: client.client_id,
        redirect_uri: client.redirect_uris[0],
        resource: `${app.baseUrl}/mcp`,
      });
      assert.equal(token.status, 200, token.text);
      const key = token.body.access_token;
      assert.match(key, KEY_PATTERN);
      const mcp = new Client(app.baseUrl);
      const whoami = await mcp.mcp(key, rpc('tools/call', { name: 'whoami' }));
      assert.equal(whoami.status, 200, whoami.text);
      assert.equal(whoami.body.result.structuredContent.user.email, user.email);

      // It is on the API keys page, with the OAuth label and badge; revoke it there.
      await page.goto(API_KEYS_PATH);
      const row = keyRow(page, key.slice(-4));
      const [label, , status, source] = await cellTexts(row);
      assert.deepEqual({ label, status, source }, { label: `OAuth: ${CLIENT_NAME}`, status: 'Active', source: `OAuth: ${client.client_id}` });
      await row.getByRole('button', { name: /^Revoke/ }).click();
      await page.getByRole('button', { name: 'Yes, revoke this key' }).click();
      await keyRow(page, key.slice(-4)).locator('.badge', { hasText: 'Revoked' }).waitFor();
      assert.equal((await cellTexts(keyRow(page, key.slice(-4))))[3], `OAuth: ${client.client_id}`);

      const refused = await mcp.mcp(key, rpc('tools/call', { name: 'whoami' }));
      assert.equal(refused.status, 401, 'the very next /mcp request with the revoked key is refused');
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('a registered client named like a well-known app: the page leads with where the key goes and marks the name unverified', async () => {
    // What a phisher registers: a trusted name, their own web host as the destination.
    const phisher = await registerClient(app.baseUrl, {
      client_name: 'Claude',
      redirect_uris: ['https://claude-ai.mcp-callback.example/cb'],
    });
    assert.equal(phisher.status, 201, phisher.text);
    const { context, page, watcher } = await openPage({ viewport: { width: 1280, height: 900 } });
    try {
      await signUpInContext(context);
      await openConsent(page, newRequest(phisher.body).params);
      assert.equal(await page.locator('main h1').textContent(), 'Send a Hadron key to claude-ai.mcp-callback.example?');
      assert.equal(await page.locator('#redirect-destination').textContent(), 'claude-ai.mcp-callback.example');
      assert.match(await page.locator('#destination-explained').textContent(), /A website\. Whoever runs this site receives the key\./);
      assert.equal(await page.locator('#redirect-uri').textContent(), 'https://claude-ai.mcp-callback.example/cb');
      // The destination comes before the name, and the name is marked for what it is.
      const order = await page.evaluate(() => {
        const destination = document.getElementById('redirect-destination');
        const name = document.getElementById('client-name');
        return Boolean(destination.compareDocumentPosition(name) & Node.DOCUMENT_POSITION_FOLLOWING);
      });
      assert.ok(order, 'the destination is read before the name');
      assert.equal(await page.locator('#client-name').evaluate((element) => element.tagName), 'BDI');
      assert.equal(await page.locator('#name-unverified').isVisible(), true);
      assert.equal(await page.locator('#name-unverified').textContent(), 'Name chosen by the app itself — not verified by Hadron');
      assert.equal(await page.locator('#name-vouched').isVisible(), false);
      await screenshot(page, 'consent-registered-lookalike.png', { fullPage: true });
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('an app known by its metadata document is named with the host that vouches for it', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      const { params } = newRequest(client);
      // The details as the API gives them for a document client (tests/e2e/oauth-clients
      // checks the API itself against a real document server).
      await page.route(CONSENT_API, async (route) => {
        if (route.request().method() !== 'GET') return route.continue();
        const real = await (await route.fetch()).json();
        return route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            ...real,
            client: {
              ...real.client, kind: 'metadata_document', name: 'Visual Studio Code', name_is_self_declared: false,
              vouched_by: 'vscode.dev', client_id: 'https://vscode.dev/oauth/client-metadata.json',
            },
          }),
        });
      });
      await openConsent(page, params);
      assert.equal(await page.locator('#name-unverified').isVisible(), false);
      assert.equal(await textOf(page.locator('#name-vouched')), 'Described by a document published at vscode.dev, which vouches for this app');
      assert.equal(await page.locator('#client-id').textContent(), 'https://vscode.dev/oauth/client-metadata.json');
      assert.equal(await page.locator('main h1').textContent(), 'Send a Hadron key to an app on this computer?', 'the destination still leads');
      await screenshot(page, 'consent-metadata-document.png', { fullPage: true });
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('an app scheme destination is named by the app that opens such links', async () => {
    const editor = await registerClient(app.baseUrl, { client_name: 'Editor', redirect_uris: ['vscode://vscode.mcp/callback'] });
    const { context, page } = await openPage();
    try {
      await signUpInContext(context);
      await openConsent(page, newRequest(editor.body).params);
      assert.equal(await page.locator('#redirect-destination').textContent(), 'the app that opens vscode: links');
      assert.match(await page.locator('#destination-explained').textContent(), /Whichever app on your device opens links of this kind/);
    } finally {
      await context.close();
    }
  });

  test('a client name that looks like HTML is shown as text', async () => {
    const registered = await registerClient(app.baseUrl, {
      client_name: XSS_NAME,
      redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
    });
    assert.equal(registered.status, 201, registered.text);
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await openConsent(page, newRequest(registered.body).params);
      assert.equal(await page.locator('main h1').textContent(), 'Send a Hadron key to an app on this computer?');
      assert.equal(await page.locator('#client-name').textContent(), XSS_NAME);
      await page.locator('#client-name').getByText(XSS_NAME).waitFor(); // visible as literal text
      assert.equal(await page.locator('#grants-client bdi').textContent(), XSS_NAME);
      assert.equal(await page.locator('img[src="x"]').count(), 0, 'no img element was created');
      assert.equal(await page.locator('main img').count(), 0);
      await assertClean(page, watcher); // includes: no alert() fired, no CSP violation
    } finally {
      await context.close();
    }
  });

  test('an authorize URL naming an unknown client shows the error page and goes nowhere', async () => {
    const { context, page, watcher, callbacks } = await openPage();
    try {
      const { params } = newRequest(client, { client_id: UNKNOWN_CLIENT });
      const response = await page.goto(`/oauth/authorize?${params}`);
      assert.equal(response.status(), 400);
      assert.equal(new URL(page.url()).pathname, '/oauth/authorize', 'no redirect');
      assert.equal(await page.locator('h1').textContent(), 'This sign-in request cannot continue');
      assert.match(await page.locator('main').textContent(), /No client is registered under this client_id/);
      assert.equal(callbacks.length, 0);
      await screenshot(page, 'consent-authorize-error.png');
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('a request that no longer checks out shows an error instead of the buttons', async () => {
    const { context, page, watcher, callbacks } = await openPage();
    try {
      await signUpInContext(context);

      // Unknown client: nowhere to return to.
      await page.goto(`${CONSENT_PATH}?${newRequest(client, { client_id: UNKNOWN_CLIENT }).params}`);
      const problem = page.locator('#consent-problem');
      await problem.waitFor();
      assert.equal(await page.locator('main h1').textContent(), 'This connection request can’t continue');
      assert.match(await problem.textContent(), /No client is registered under this client_id/);
      assert.equal(await problem.getByRole('link', { name: 'Return to an app on this computer' }).count(), 0);
      assert.equal(await problem.getByRole('link', { name: 'Go to your API keys' }).getAttribute('href'), API_KEYS_PATH);
      assert.equal(await page.getByRole('button', { name: 'Approve' }).isVisible(), false);
      assert.equal(await page.getByRole('button', { name: 'Deny' }).isVisible(), false);

      // A scope the server refuses: the error can go back to the client.
      await page.goto(`${CONSENT_PATH}?${newRequest(client, { scope: 'admin', state: 'bad-scope' }).params}`);
      await problem.waitFor();
      assert.equal(await page.getByRole('button', { name: 'Approve' }).isVisible(), false);
      await screenshot(page, 'consent-invalid-request.png');
      await assertClean(page, watcher);
      await problem.getByRole('link', { name: 'Return to an app on this computer' }).click();
      const back = await callbackUrl(page);
      assert.equal(back.searchParams.get('error'), 'invalid_scope');
      assert.equal(back.searchParams.get('state'), 'bad-scope');
      assert.equal(callbacks.length, 1);
    } finally {
      await context.close();
    }
  });

  test('failed decisions are explained; the buttons are disabled while one is sent', async () => {
    const { context, page, watcher, callbacks } = await openPage();
    try {
      const email = await signUpInContext(context);
      const { params } = newRequest(client, { state: 'failures' });
      await openConsent(page, params);
      const approve = page.locator('#approve');
      const deny = page.locator('#deny');
      const error = page.locator('#decision-error');

      // The API is down. While the request hangs, both buttons are disabled.
      let release;
      const released = new Promise((resolve) => { release = resolve; });
      await page.route(CONSENT_API, async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        await released;
        return route.abort('connectionrefused');
      });
      await approve.click();
      await eventually(async () => (await approve.isDisabled()) && (await deny.isDisabled()), 'both buttons are disabled while posting');
      release();
      await error.getByText(/^Couldn't send your answer\. Couldn't reach the Hadron server/).waitFor();
      assert.equal(await approve.isEnabled(), true, 'Approve is enabled again');
      assert.equal(await approve.textContent(), 'Approve');
      assert.equal(await deny.isEnabled(), true);
      await page.unroute(CONSENT_API);

      // The form's CSRF token no longer matches the session: reload for a fresh one.
      await page.route(CONSENT_API, (route) => (route.request().method() !== 'POST' ? route.continue() : route.continue({
        postData: JSON.stringify({ ...route.request().postDataJSON(), csrf_token: '0'.repeat(64) }),
      })));
      await deny.click();
      await error.getByText('The consent form expired. Reload the page and try again.').waitFor();
      await page.unroute(CONSENT_API);
      await page.evaluate(() => { window.__beforeReload = true; });
      await error.getByRole('button', { name: 'Reload the page' }).click();
      await page.waitForFunction(() => !window.__beforeReload);
      await page.locator('#consent').waitFor();
      assert.equal(await error.isVisible(), false);

      // The request stopped checking out between loading and deciding: the server's
      // message as text, and the way back to the client it offers.
      const returnTo = `http://127.0.0.1:${callbackPort}/callback?error=invalid_request&state=failures`;
      await page.route(CONSENT_API, (route) => (route.request().method() !== 'POST' ? route.continue() : route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'invalid_authorization_request', message: '<img src=x onerror=alert(2)> went away.' }, redirect_to: returnTo, redirect_destination: 'an app on this computer' }),
      })));
      await approve.click();
      const problem = page.locator('#consent-problem');
      await problem.waitFor();
      assert.equal(await problem.locator('p').first().textContent(), '<img src=x onerror=alert(2)> went away.');
      assert.equal(await problem.getByRole('link', { name: 'Return to an app on this computer' }).getAttribute('href'), returnTo);
      assert.equal(await approve.isVisible(), false, 'no buttons for a request that cannot be decided');
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      await page.unroute(CONSENT_API);
      await assertClean(page, watcher);
      assert.equal(callbacks.length, 0, 'no failure sent the browser anywhere');

      // The session ended: sign in again, come back to the same request, decide.
      await page.reload();
      await page.locator('#consent').waitFor();
      await context.clearCookies();
      await deny.click();
      const notice = page.locator('#session-notice');
      await notice.getByText(/Your session has expired/).waitFor();
      const signInLink = notice.getByRole('link', { name: 'Sign in again' });
      assert.equal(await signInLink.getAttribute('href'), `/signin?next=${encodeURIComponent(`${CONSENT_PATH}?${params}`)}`);
      await signInLink.click();
      await signInThroughPage(page, email);
      await page.waitForURL((url) => url.pathname === CONSENT_PATH);
      await page.locator('#consent').waitFor();
      await deny.click();
      const denial = await callbackUrl(page);
      assert.equal(denial.searchParams.get('error'), 'access_denied');
      assert.equal(denial.searchParams.get('state'), 'failures');
    } finally {
      await context.close();
    }
  });

  test('the details failing to load are explained, with a way to retry', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await page.route(CONSENT_API, (route) => route.abort('connectionrefused'));
      await page.goto(`/oauth/authorize?${newRequest().params}`);
      const problem = page.locator('#consent-problem');
      await problem.getByText(/^Couldn't load this connection request\. Couldn't reach the Hadron server/).waitFor();
      assert.equal(await page.locator('#consent').isVisible(), false);
      assert.equal(await page.locator('#consent-loading').isVisible(), false);
      await page.unroute(CONSENT_API);
      await problem.getByRole('button', { name: 'Try again' }).click();
      await page.locator('#consent').waitFor();
      assert.equal(await problem.isVisible(), false);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('readable at 360 px and in dark mode', () => inNarrowAndDark(async (narrow, dark) => {
    for (const { page } of [narrow, dark]) await openConsent(page, newRequest().params);

    const overflow = await horizontalOverflow(narrow.page);
    assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
    for (const name of ['Approve', 'Deny']) {
      const box = await narrow.page.getByRole('button', { name }).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 360, `${name} fits in 360 px`);
      assert.ok(box.height >= 40, `${name} is a comfortable touch target`);
    }
    await screenshot(narrow.page, 'consent-360.png', { fullPage: true });

    await assertDarkBackground(dark.page);
    await screenshot(dark.page, 'consent-dark.png', { fullPage: true });

    const readable = [
      'main h1', '.consent-facts dt', '.consent-facts dd', '.self-declared', '.destination-heading', '.destination-explained', '.full-uri', '#client-id',
      '.consent h2', '.consent-grants li', '.consent-grants a', '#badge-preview', '.lede', '.consent-warning', 'button.primary', 'button.secondary',
    ];
    for (const { page } of [narrow, dark]) {
      assert.deepEqual(await contrastProblems(page, readable), [], `contrast (${page === dark.page ? 'dark' : 'light'})`);
    }
  }));
});
