// Browser helpers for tests/browser: Debian's Chromium through playwright-core, one
// context per scenario, and a watcher that turns CSP violations, uncaught page errors
// and unexpected dialogs into test failures.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT } from './app.mjs';
import { uniqueEmail, PASSWORD } from './client.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'target', 'screenshots');
export const API_KEYS_PATH = '/app/account/api-keys';

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
export async function newContext(browser, app, options = {}) {
  const context = await browser.newContext({ baseURL: app.baseUrl, ...options });
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
export async function signUpInContext(context, app, email = uniqueEmail('browser')) {
  const response = await context.request.post(`${app.baseUrl}/api/auth/signup`, {
    data: { email, password: PASSWORD },
  });
  assert.equal(response.status(), 201, await response.text());
  return email;
}

/** Mints a key over HTTP inside the context; returns the mint response (with its secret). */
export async function mintInContext(context, app, label) {
  const response = await context.request.post(`${app.baseUrl}/api/keys`, {
    data: label === undefined ? {} : { label },
  });
  assert.equal(response.status(), 201, await response.text());
  return response.json();
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
