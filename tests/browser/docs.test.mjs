// The docs pages and the shell every page shares: sidebar, security headers, no CSP
// violations anywhere, examples that name this server and actually work against it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

import { OUTPUT as PORTAL, PAGES as PAGE_SOURCES, SHELL } from '../../scripts/build-portal.mjs';
import { ROOT } from '../support/app.mjs';
import { signedUpClient } from '../support/client.mjs';
import {
  API_KEYS_PATH, app, assertClean, browser, eventually, horizontalOverflow, newContext, OAUTH_ERROR_MARKERS,
  OAUTH_ERROR_PAGE, openPage, routeOauthErrorPage, screenshot, signUpInContext, useAppAndBrowser, watch,
} from '../support/browser.mjs';

const DOCS = [
  ['/docs/claude-desktop', 'Install in Claude Desktop'],
  ['/docs/vscode', 'Install in VS Code'],
  ['/docs/authentication', 'Authentication'],
];
const PAGES = ['/', '/signin', '/signup', API_KEYS_PATH, '/app/oauth/consent', ...DOCS.map(([path]) => path), '/no-such-page'];

useAppAndBrowser();

function filesUnder(directory, extension) {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/** The sidebar as { section heading: [[link text, href], …] }. */
function readSidebar(page) {
  return page.locator('nav.sidebar section').evaluateAll((sections) => Object.fromEntries(sections.map((section) => [
    section.querySelector('h2').textContent.trim(),
    [...section.querySelectorAll('a')].map((link) => [link.textContent.trim(), link.getAttribute('href')]),
  ])));
}

/** The sidebar as the shell source writes it, read the same way as a page's. */
async function shellSidebar() {
  const page = await browser.newPage();
  try {
    await page.setContent(readFileSync(SHELL, 'utf8'));
    return await readSidebar(page);
  } finally {
    await page.close();
  }
}

/**
 * Opens each path in a new watched page of one profile (signed up first when `signedIn`),
 * runs `check(page, path, response)`, and fails if the page reported a CSP violation,
 * an error or an alert.
 */
async function visitEach(paths, check, { signedIn = false } = {}) {
  const context = await newContext();
  try {
    if (signedIn) await signUpInContext(context);
    for (const path of paths) {
      const page = await context.newPage();
      const watcher = watch(page);
      const response = await page.goto(path);
      await check(page, path, response);
      await assertClean(page, watcher);
      await page.close();
    }
  } finally {
    await context.close();
  }
}

describe('the portal shell and docs', () => {
  test('every page is in the shell, with the same sidebar, and no CSP violation', async () => {
    const sidebar = await shellSidebar();
    assert.deepEqual(sidebar.Usage, [['API keys', API_KEYS_PATH]], 'the shell links the API keys page under Usage');
    assert.deepEqual(sidebar.Docs.map(([name]) => name), DOCS.map(([, name]) => name), 'the shell links every docs page');
    await visitEach(PAGES, async (page, path) => {
      if (path === '/signin' || path === '/signup') {
        await page.waitForURL((url) => url.pathname === API_KEYS_PATH); // signed in: goes on
      }
      await page.locator('[data-account] .account-email').waitFor();
      assert.deepEqual(await readSidebar(page), sidebar, `sidebar on ${path}`);
      assert.equal(await page.locator('main#main h1').count(), 1, `one h1 in main on ${path}`);
    }, { signedIn: true });
  });

  test('signed-out pages (sign-in, sign-up, docs, home) render without CSP violations', async () => {
    const paths = ['/', '/signin', '/signup', ...DOCS.map(([docPath]) => docPath), '/no-such-page'];
    await visitEach(paths, async (page, path, response) => {
      assert.equal(response.status(), path === '/no-such-page' ? 404 : 200, path);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
    });
  });

  test('each docs page loads in the shell, marks its sidebar link and names this server', async () => {
    const titles = new Map(DOCS);
    await visitEach([...titles.keys()], async (page, path) => {
      const title = titles.get(path);
      assert.equal(await page.locator('main h1').textContent(), title);
      assert.equal(await page.title(), `${title} · Hadron`);
      const current = page.locator('nav.sidebar a[aria-current="page"]');
      assert.deepEqual(await current.allTextContents(), [title]);
      await page.getByRole('link', { name: 'Sign in' }).waitFor(); // the shell ran, signed out
      const text = await page.locator('main').textContent();
      assert.ok(!text.includes('YOUR-HADRON-HOST'), `every placeholder is filled in on ${path}`);
      for (const url of await page.locator('[data-mcp-url]').allTextContents()) {
        assert.equal(url, `${app.baseUrl}/mcp`);
      }
    });
  });

  test('Claude Desktop: the connector steps and the OAuth story', async () => {
    const context = await newContext();
    const page = await context.newPage();
    try {
      await page.goto('/docs/claude-desktop');
      const text = await page.locator('main').textContent();
      for (const phrase of ['Settings → Connectors', 'Add custom connector', 'dcr_', 'OAuth: dcr_<client_id>', 'OAuth: <client name>', 'Revoke', 'Authorization: Bearer hdr_user_…']) {
        assert.ok(text.includes(phrase), `mentions ${phrase}`);
      }
      assert.equal(await page.locator('main a[href="/app/account/api-keys"]').count() > 0, true);
      await screenshot(page, 'docs-claude-desktop.png', { fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('VS Code: mcp.json examples are valid JSON pointing at this server', async () => {
    const context = await newContext({ viewport: { width: 360, height: 780 } });
    const page = await context.newPage();
    try {
      await page.goto('/docs/vscode');
      const config = JSON.parse(await page.locator('[data-vscode-config]').textContent());
      assert.deepEqual(config, { servers: { hadron: { type: 'http', url: `${app.baseUrl}/mcp` } } });
      const bearer = JSON.parse(await page.locator('[data-vscode-bearer-config]').textContent());
      assert.equal(bearer.servers.hadron.url, `${app.baseUrl}/mcp`);
      assert.equal(bearer.servers.hadron.headers.Authorization, 'Bearer ${input:hadron-key}');
      assert.deepEqual(bearer.inputs.map((input) => [input.id, input.password]), [['hadron-key', true]]);
      assert.ok((await page.locator('main').textContent()).includes('.vscode/mcp.json'));
      const overflow = await horizontalOverflow(page);
      assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
      await screenshot(page, 'docs-vscode-360.png', { fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('Authentication: the curl examples work against this server as written', async () => {
    const context = await newContext();
    const page = await context.newPage();
    try {
      await page.goto('/docs/authentication');
      const text = await page.locator('main').textContent();
      for (const phrase of ['App’s settings page', 'AppKey', 'hdr_user_', 'SHA-256', 'Mint one']) {
        assert.ok(text.includes(phrase), `mentions ${phrase}`);
      }
      const script = (await page.locator('[data-curl-example]').allTextContents()).join('\n\n');
      assert.ok(script.includes(`curl -sS ${app.baseUrl}/mcp`));

      const client = await signedUpClient(app.baseUrl, 'docs');
      const { body: minted } = await client.mint('docs example');
      // Each command separated by a blank line; run them as written, printing the status.
      const commands = script.split(/\n\s*\n/).map((command) => `${command} -o /dev/null -w '%{http_code}\\n'`);
      const { stdout } = await promisify(execFile)('bash', ['-c', commands.join('\n')], {
        env: { ...process.env, HADRON_KEY: minted.secret },
      });
      assert.deepEqual(stdout.trim().split('\n'), ['200', '202', '200', '200']);

      // And the tools/list answer names the tools the page mentions.
      const list = await client.mcp(minted.secret, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      const names = list.body.result.tools.map((tool) => tool.name);
      assert.ok(names.includes('whoami') && names.includes('list_api_keys'));
    } finally {
      await context.close();
    }
  });

  test('the code blocks and tables that scroll are reached by keyboard, named, and scroll with the arrow keys', async () => {
    const { context, page, watcher } = await openPage({ viewport: { width: 360, height: 780 } });
    try {
      await page.goto('/docs/authentication');
      await page.getByRole('link', { name: 'Sign in' }).waitFor(); // the shell ran
      const regions = await page.locator('main pre, main .table-scroll').evaluateAll((elements) => elements.map((element) => ({
        role: element.getAttribute('role'),
        tabindex: element.getAttribute('tabindex'),
        scrolls: element.scrollWidth > element.clientWidth,
      })));
      assert.ok(regions.filter((region) => region.scrolls).length >= 3, 'at 360 px the code blocks and tables scroll');
      assert.ok(regions.every((region) => region.role === 'region' && region.tabindex === '0'), 'every one is a focusable region');

      const curl = page.getByRole('region', { name: 'Start a session with curl' });
      for (let i = 0; i < 60 && !(await curl.evaluate((element) => element === document.activeElement)); i += 1) {
        await page.keyboard.press('Tab');
      }
      assert.equal(await curl.evaluate((element) => element === document.activeElement), true, 'Tab reaches the curl example');
      assert.notEqual(await curl.evaluate((element) => getComputedStyle(element).outlineStyle), 'none', 'it shows a focus ring');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => document.activeElement.scrollLeft > 0);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('the OAuth error page: the shell, the markers the Worker fills, and no script needed', async () => {
    const html = readFileSync(OAUTH_ERROR_PAGE, 'utf8');
    for (const marker of Object.values(OAUTH_ERROR_MARKERS)) {
      assert.equal(html.split(marker).length - 1, 1, `${marker} appears once`);
    }
    const sidebar = await shellSidebar();
    const { context, page, watcher } = await openPage();
    try {
      const message = '<img src=x onerror=alert(1)> is not a registered client & never was.';
      await routeOauthErrorPage(page, '/oauth/error-page', { message });
      const response = await page.goto('/oauth/error-page');
      assert.equal(response.status(), 400);
      assert.equal(await page.title(), 'This sign-in request cannot continue · Hadron');
      assert.equal(await page.locator('main h1').textContent(), 'This sign-in request cannot continue');
      assert.equal(await page.locator('[data-oauth-error-message]').textContent(), message);
      assert.equal(await page.locator('main img').count(), 0);
      assert.equal(await page.locator('[data-oauth-error-return]').count(), 0, 'no return link when there is nowhere to return');
      assert.equal(await page.locator('main a[href="/app/account/api-keys"]').textContent(), 'Go to your API keys');
      assert.deepEqual(await readSidebar(page), sidebar);
      assert.equal(await page.locator('script').count(), 0, 'no script: the Worker\'s CSP allows none');
      assert.equal(await page.locator('link[rel="stylesheet"]').evaluate((link) => link.sheet !== null), true, 'the stylesheet applies');
      await assertClean(page, watcher);

      const returnTo = 'http://127.0.0.1:43123/callback?error=invalid_scope&state="x"';
      await routeOauthErrorPage(page, '/oauth/error-page-with-return', { message: 'No.', returnTo, destination: '127.0.0.1:43123' });
      await page.goto('/oauth/error-page-with-return');
      const back = page.locator('[data-oauth-error-return]').getByRole('link');
      assert.equal(await back.textContent(), 'Return to 127.0.0.1:43123');
      assert.equal(await back.getAttribute('href'), returnTo);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('static files carry the security headers', async () => {
    for (const path of [...PAGES, '/assets/js/shell.js', '/assets/css/portal.css']) {
      const response = await fetch(app.baseUrl + path);
      const csp = response.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'"]) {
        assert.ok(csp.includes(directive), `${path}: CSP has ${directive}`);
      }
      assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), `${path}: no unsafe-* in the CSP`);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.match(response.headers.get('referrer-policy') ?? '', /^(no-referrer|same-origin)$/, path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
    }
  });

  test('the CSP really blocks inline script and HTML-string sinks, and the watcher notices', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const watcher = watch(page);
    try {
      await page.goto('/docs/authentication');
      await page.locator('main h1').waitFor();
      const outcome = await page.evaluate(() => {
        window.__ran = false;
        const script = document.createElement('script');
        script.append(document.createTextNode('window.__ran = true'));
        document.body.append(script);

        const styled = document.createElement('p');
        styled.setAttribute('style', 'color: rgb(255, 0, 0)');
        document.body.append(styled);
        const color = getComputedStyle(styled).color;

        let sinkThrew = false;
        try {
          document.createElement('div').innerHTML = '<b>markup</b>';
        } catch {
          sinkThrew = true;
        }
        return { ran: window.__ran, inlineStyleApplied: color === 'rgb(255, 0, 0)', sinkThrew };
      });
      assert.deepEqual(outcome, { ran: false, inlineStyleApplied: false, sinkThrew: true });
      await eventually(async () => (await page.evaluate(() => window.__cspViolations.length)) >= 2,
        'securitypolicyviolation events for the inline script and the style attribute');
      await assert.rejects(assertClean(page, watcher), /Content Security Policy/);
    } finally {
      await context.close();
    }
  });

  test('every built page is the shell of portal/shell/page.html around its own content', () => {
    // The shell's fixed text, in order, between its {{slots}} (a line left empty by a slot goes).
    const parts = readFileSync(SHELL, 'utf8').split(/\{\{[\w-]+\}\}/).map((part) => part.trim());
    const htmlFiles = filesUnder(PORTAL, '.html');
    assert.deepEqual(htmlFiles.map((file) => relative(PORTAL, file)).sort(),
      filesUnder(PAGE_SOURCES, '.html').map((file) => relative(PAGE_SOURCES, file)).sort(), 'one built page per source');
    for (const file of htmlFiles) {
      const html = readFileSync(file, 'utf8');
      let at = 0;
      for (const part of parts) {
        const found = html.indexOf(part, at);
        assert.ok(found >= at, `${relative(ROOT, file)} has the shell's ${JSON.stringify(part.slice(0, 60))}…`);
        at = found + part.length;
      }
      assert.doesNotMatch(html, /\{\{[\w-]+\}\}/, `${relative(ROOT, file)}: every slot is filled`);
    }
  });

  test('the HTML has no inline script, inline style or event-handler attribute', () => {
    const htmlFiles = filesUnder(PORTAL, '.html');
    assert.ok(htmlFiles.length >= 8);
    for (const file of htmlFiles) {
      const html = readFileSync(file, 'utf8');
      const name = relative(ROOT, file);
      for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
        assert.match(tag, /\bsrc="\/assets\/js\/[\w-]+\.js"/, `${name}: scripts are files`);
        assert.match(tag, /type="module"/, `${name}: scripts are modules`);
      }
      assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/i, `${name}: no inline script`);
      assert.doesNotMatch(html, /<style\b/i, `${name}: no style element`);
      assert.doesNotMatch(html, /\sstyle\s*=/i, `${name}: no style attribute`);
      assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i, `${name}: no on* attribute`);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, `${name}: nothing from another origin`);
    }
    for (const file of filesUnder(join(PORTAL, 'assets', 'js'), '.js')) {
      const source = readFileSync(file, 'utf8');
      assert.doesNotMatch(source, /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function/, relative(ROOT, file));
    }
  });
});
