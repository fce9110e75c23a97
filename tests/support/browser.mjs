// Browser helpers for tests/browser: Debian's Chromium through playwright-core, one
// context per scenario, a watcher that turns CSP violations, uncaught page errors and
// unexpected dialogs into test failures, and the steps several test files take.
//
// A test file calls `useAppAndBrowser()` once; `app` (a wrangler dev with a fresh D1) and
// `browser` are then set for its tests. Each test file runs in its own process, so these
// belong to that one file.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

import { OUTPUT as PORTAL } from '../../scripts/build-portal.mjs';
import { ROOT, spawnApp } from './app.mjs';
import { insertKeyRows, query } from './d1.mjs';
import { clientAddress, uniqueEmail, PASSWORD } from './client.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'target', 'screenshots');
export const API_KEYS_PATH = '/app/account/api-keys';

/** This test file's server and browser, set by `useAppAndBrowser()` before its tests run. */
export let app;
export let browser;

/**
 * Starts a wrangler dev (with `appOptions`, as spawnApp takes them) and Chromium before the
 * file's tests, then runs `setUp` (what else the file needs from the app); stops both after
 * the tests. One hook does it all: Node 20 does not wait for one top-level `before` hook to
 * finish before starting the next.
 */
export function useAppAndBrowser(setUp = async () => {}, appOptions = {}) {
  before(async () => {
    app = await spawnApp(appOptions);
    browser = await launchBrowser();
    await setUp();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync',
    ],
  });
}

/**
 * A fresh browser profile for `app`, allowed to use the clipboard, that records every
 * `securitypolicyviolation` event in `window.__cspViolations`.
 */
export async function newContext(options = {}) {
  // Each browser profile is a person at an address of their own (see clientAddress).
  const context = await browser.newContext({
    baseURL: app.baseUrl,
    extraHTTPHeaders: { 'cf-connecting-ip': clientAddress() },
    ...options,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return context;
}

/**
 * Watches a page: CSP and Trusted Types messages, uncaught errors, and JavaScript
 * dialogs (alert/confirm/prompt are recorded and dismissed; the "leave page?" prompt
 * is accepted and recorded separately).
 */
export function watch(page) {
  const watcher = { csp: [], errors: [], dialogs: [], beforeUnload: 0 };
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Trusted ?Type|TrustedHTML|TrustedScript/i.test(text)) watcher.csp.push(text);
  });
  page.on('pageerror', (error) => watcher.errors.push(error.message));
  page.on('dialog', async (dialog) => {
    if (dialog.type() === 'beforeunload') {
      watcher.beforeUnload += 1;
      await dialog.accept();
    } else {
      watcher.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      await dialog.dismiss();
    }
  });
  return watcher;
}

/** Fails when the page reported a CSP violation, an uncaught error or an alert. */
export async function assertClean(page, watcher) {
  const recorded = page.isClosed() ? [] : await page.evaluate(() => window.__cspViolations ?? []);
  assert.deepEqual([...watcher.csp, ...recorded], [], 'no Content Security Policy violations');
  assert.deepEqual(watcher.errors, [], 'no uncaught errors in the page');
  assert.deepEqual(watcher.dialogs, [], 'no alert/confirm/prompt dialogs');
}

/** A new profile and page, watched for CSP violations, errors and alerts. */
export async function openPage(options) {
  const context = await newContext(options);
  const page = await context.newPage();
  return { context, page, watcher: watch(page) };
}

/**
 * The "readable at 360 px and in dark mode" scenario: runs `steps(narrow, dark)` with two
 * signed-up profiles, a 360 px one in the light scheme and a wide one in the dark
 * scheme; checks both pages stayed clean, and closes both either way.
 */
export async function inNarrowAndDark(steps) {
  const profiles = [
    await openPage({ viewport: { width: 360, height: 780 }, colorScheme: 'light' }),
    await openPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' }),
  ];
  try {
    for (const { context } of profiles) await signUpInContext(context);
    await steps(...profiles);
    for (const { page, watcher } of profiles) await assertClean(page, watcher);
  } finally {
    for (const { context } of profiles) await context.close();
  }
}

/** How far the page is wider than the window, in CSS pixels (0 or less: no horizontal scrolling). */
export function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Fails unless the page's background is dark (the dark colour scheme is in effect). */
export async function assertDarkBackground(page) {
  const background = channels(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
  assert.ok(Math.max(...background) < 60, `dark background in dark mode (rgb ${background.join(' ')})`);
}

/** Fills in and sends the sign-in form the page shows. */
export async function signInThroughPage(page, email, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs a new account up through the sign-up page; ends on the API keys page. */
export async function signUpThroughPage(page, email = uniqueEmail('browser')) {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === API_KEYS_PATH);
  await page.locator('[data-page]').waitFor();
  return email;
}

/** Signs a new account up over HTTP inside the context (the cookie lands in the context). */
export async function signUpInContext(context, email = uniqueEmail('browser')) {
  const response = await context.request.post(`${app.baseUrl}/api/auth/signup`, {
    data: { email, password: PASSWORD },
  });
  assert.equal(response.status(), 201, await response.text());
  return email;
}

/** Mints a key over HTTP inside the context; returns the mint response (with its secret). */
export async function mintInContext(context, label) {
  const response = await context.request.post(`${app.baseUrl}/api/keys`, {
    data: label === undefined ? {} : { label },
  });
  assert.equal(response.status(), 201, await response.text());
  return response.json();
}

/** Revokes a key over HTTP inside the context. */
export async function revokeInContext(context, id) {
  const response = await context.request.post(`${app.baseUrl}/api/keys/${encodeURIComponent(id)}/revoke`);
  assert.equal(response.status(), 200, await response.text());
}

/** The signed-in user of a browser context, as `GET /api/me` names it. */
export async function contextUser(context) {
  const { user } = await (await context.request.get(`${app.baseUrl}/api/me`)).json();
  return user;
}

/**
 * Stores keys for the context's user straight in D1, as an OAuth consent, a leak report or
 * a legacy import would have: the fields `insertKeyRows` (d1.mjs) takes.
 */
export async function insertKeys(context, keys) {
  const user = await contextUser(context);
  await insertKeyRows(app.persistDir, user.id, keys);
}

/** The API keys page's row for the key ending in `last4`. */
export function keyRow(page, last4) {
  return page.locator('#keys-table tbody tr').filter({ has: page.locator('.key-preview', { hasText: `…${last4}` }) });
}

/** The text of each cell of a row, in column order (waits for the row). */
export async function cellTexts(row) {
  await row.waitFor();
  return row.locator('td').evaluateAll((cells) => cells.map((cell) => cell.textContent.trim()));
}

export async function screenshot(page, name, options = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path, ...options });
  return path;
}

/** Waits until `predicate` (run in Node) holds, polling; fails with `message` otherwise. */
export async function eventually(predicate, message, { timeout = 10_000, interval = 200 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) assert.fail(message);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** The `rgb(...)`/`rgba(...)` channels of a computed colour. */
export function channels(color) {
  const match = /rgba?\(([^)]+)\)/.exec(color);
  assert.ok(match, `not an rgb colour: ${color}`);
  return match[1].split(/[ ,/]+/).filter(Boolean).map(Number);
}

/**
 * WCAG contrast of the text of every element matching `selectors` against its effective
 * background (the nearest ancestor with an opaque background). Returns the ones under
 * `minimum`, as readable strings. Elements inside a dimmed (opacity < 1) ancestor are
 * measured as if undimmed: the dimming of revoked rows is deliberate.
 */
export function contrastProblems(page, selectors, minimum = 4.5) {
  return page.evaluate(({ selectors, minimum }) => {
    const parse = (color) => {
      const canvas = document.createElement('canvas').getContext('2d');
      canvas.fillStyle = color;
      canvas.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = canvas.getImageData(0, 0, 1, 1).data;
      return { r, g, b, a: a / 255 };
    };
    const luminance = ({ r, g, b }) => {
      const channel = (value) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = (element) => {
      for (let node = element; node; node = node.parentElement) {
        const color = parse(getComputedStyle(node).backgroundColor);
        if (color.a > 0.9) return color;
      }
      return parse(getComputedStyle(document.documentElement).backgroundColor || 'white');
    };
    const problems = [];
    for (const selector of selectors) {
      const elements = [...document.querySelectorAll(selector)].filter((element) => element.getClientRects().length > 0);
      if (elements.length === 0) problems.push(`${selector}: nothing visible to measure`);
      for (const element of elements) {
        const foreground = luminance(parse(getComputedStyle(element).color));
        const back = luminance(background(element));
        const ratio = (Math.max(foreground, back) + 0.05) / (Math.min(foreground, back) + 0.05);
        if (ratio < minimum) problems.push(`${selector} "${element.textContent.trim().slice(0, 30)}": ${ratio.toFixed(2)}:1`);
      }
    }
    return problems;
  }, { selectors, minimum });
}

// ---- axe-core ----

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (every rule it runs by default: WCAG 2.x A and AA, and best practices) over
 * the page as it is now; returns one readable line per element that violates a rule.
 *
 * axe runs under the page's real CSP and Trusted Types: its source is evaluated through
 * the DevTools protocol (`page.evaluate`), which the CSP does not govern, unlike a script
 * element; and its one HTML-string write is in a polyfill Chromium never needs, so
 * Trusted Types have nothing to block.
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, nodes: nodes.map((node) => ({ target: node.target.join(' '), summary: node.failureSummary })),
    }));
  });
  return violations.flatMap(({ id, impact, help, nodes }) => nodes.map(({ target, summary }) =>
    `${id} (${impact}) ${help}\n      at ${target}\n      ${summary.replaceAll('\n', '\n      ')}`));
}

// ---- The Worker's OAuth error page ----

/** The page the Worker fills in for an authorization request it must not redirect. */
export const OAUTH_ERROR_PAGE = join(PORTAL, 'oauth', 'error.html');
/** The CSP src/http/oauth.rs sends with that page: no script at all. */
export const OAUTH_ERROR_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const OAUTH_ERROR_MARKERS = {
  message: '<!--oauth-error:message-->',
  returnStart: '<!--oauth-error:return-->',
  returnEnd: '<!--/oauth-error:return-->',
  returnUrl: 'oauth-error:return-url',
  destination: '<!--oauth-error:destination-->',
};

function escapeHtml(text) {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/**
 * The OAuth error page filled in the way the Worker is to fill it: the message, and the
 * "Return to …" block either filled in or dropped.
 */
export function fillOauthErrorPage({ message, returnTo = null, destination = null }) {
  const html = readFileSync(OAUTH_ERROR_PAGE, 'utf8');
  const { message: messageMarker, returnStart, returnEnd, returnUrl, destination: destinationMarker } = OAUTH_ERROR_MARKERS;
  const start = html.indexOf(returnStart);
  const end = html.indexOf(returnEnd) + returnEnd.length;
  const returnBlock = returnTo
    ? html.slice(start, end).replace(returnUrl, escapeHtml(returnTo)).replace(destinationMarker, escapeHtml(destination))
    : '';
  return (html.slice(0, start) + returnBlock + html.slice(end)).replace(messageMarker, escapeHtml(message));
}

/**
 * Answers `path` in this page with the filled OAuth error page, status and CSP as the
 * Worker sends them (its stylesheet and icon still come from the app).
 */
export async function routeOauthErrorPage(page, path, fill) {
  const body = fillOauthErrorPage(fill);
  await page.route(`${app.baseUrl}${path}`, (route) => route.fulfill({
    status: 400,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': OAUTH_ERROR_CSP },
    body,
  }));
}
