// The API keys page in real Chromium against a real `wrangler dev`: mint, the one-shot
// reveal, copy, dismiss, the row, /mcp accepting the key, revoke through the dialog,
// /mcp refusing it. Plus: labels render as text, keyboard-only use, error states.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Client, KEY_PATTERN, rpc } from '../support/client.mjs';
import {
  API_KEYS_PATH, app, assertClean, assertDarkBackground, cellTexts, channels, contrastProblems, eventually,
  horizontalOverflow, inNarrowAndDark, insertKeys, keyRow, mintInContext, openPage, revokeInContext, screenshot,
  signInThroughPage, signUpInContext, signUpThroughPage, useAppAndBrowser,
} from '../support/browser.mjs';

const WARNING =
  "⚠️ Copy the key NOW. This is the only time you'll see the full value. The Hadron server stores only a SHA-256 hash; if you lose the key, you can't recover it — you have to revoke and mint a new one.";
const XSS_LABEL = '<img src=x onerror=alert(1)>';

useAppAndBrowser();

/** True when `needle` appears anywhere in the V8 heap of the page (after a full GC). */
async function heapContains(page, needle) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  let snapshot = '';
  cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => { snapshot += chunk; });
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await cdp.detach();
  return snapshot.includes(needle);
}

describe('the API keys page', () => {
  test('mint, copy, dismiss, use on /mcp, revoke through the dialog, refused on /mcp', async () => {
    const { context, page, watcher } = await openPage({ viewport: { width: 1280, height: 900 } });
    try {
      await signUpThroughPage(page);

      // Empty state.
      await page.getByText('No API keys yet').waitFor();
      assert.equal(await page.locator('#keys-table').isVisible(), false);

      // Mint with a label.
      await page.getByLabel('Label').fill('MacBook — local-dev script');
      await page.getByRole('button', { name: 'Mint new key' }).click();
      const banner = page.locator('#reveal');
      await banner.getByRole('heading', { name: 'Your new API key' }).waitFor();
      const secretField = banner.getByRole('textbox', { name: /API key/ });
      const secret = await secretField.inputValue();
      assert.match(secret, KEY_PATTERN);
      assert.equal(await secretField.getAttribute('readonly'), '');
      assert.match(await secretField.evaluate((input) => getComputedStyle(input).fontFamily), /mono|Menlo|Consolas/i);
      assert.equal((await banner.locator('.warning').textContent()).trim(), WARNING);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'reveal-title', 'focus moves to the banner');
      const bannerTop = (await banner.boundingBox()).y;
      const mintTop = (await page.locator('#mint-form').boundingBox()).y;
      assert.ok(bannerTop < mintTop, 'the banner is at the top, above the mint form');
      assert.equal(await page.getByLabel('Label').inputValue(), '', 'the label field is cleared');

      // Copy puts it on the clipboard, with a visible confirmation.
      await banner.getByRole('button', { name: 'Copy' }).click();
      await banner.getByText('Copied', { exact: true }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
      await page.evaluate(() => navigator.clipboard.writeText('something else'));
      await screenshot(page, 'api-keys-banner.png', { fullPage: true });

      // The new row is already there, under the banner.
      const last4 = secret.slice(-4);
      const row = keyRow(page, last4);
      const [label, key, status, source, created, lastUsed, action] = await cellTexts(row);
      assert.deepEqual(
        { label, key, status, source, created, lastUsed },
        { label: 'MacBook — local-dev script', key: `…${last4}`, status: 'Active', source: 'Portal', created: 'just now', lastUsed: 'Never' },
      );
      assert.match(action, /^Revoke/);

      // Dismiss: the raw value leaves the DOM and the JS heap.
      await page.evaluate(() => { window.__sameDocument = true; });
      await banner.getByRole('button', { name: 'I have copied this key' }).click();
      assert.equal(await banner.isVisible(), false);
      assert.equal((await page.content()).includes(secret), false, 'the key is gone from the DOM');
      const inputValues = await page.evaluate(() => [...document.querySelectorAll('input')].map((input) => input.value));
      assert.ok(!inputValues.some((value) => value.includes(secret.slice(9))), 'no input holds the key');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'keys-title', 'focus moves to the key list');
      assert.equal(await heapContains(page, secret.slice(9)), false, 'no JavaScript object still references the key');

      // Row details: Active is green, times carry the exact value on hover.
      const activeBadge = row.locator('.badge', { hasText: 'Active' });
      const [r, g, b] = channels(await activeBadge.evaluate((element) => getComputedStyle(element).color));
      assert.ok(g > r && g > b, `Active is green (got rgb ${r} ${g} ${b})`);
      const createdTitle = await row.locator('time').first().getAttribute('title');
      assert.ok(createdTitle && /\d/.test(createdTitle), 'Created has the exact time as its title');

      // The key works on /mcp.
      const client = new Client(app.baseUrl);
      const listed = await client.mcp(secret, rpc('tools/list'));
      assert.equal(listed.status, 200, listed.text);
      assert.ok(listed.body.result.tools.length > 0);

      // Last used appears after a reload (written after the response, so poll), with where
      // the request came from: the client's address, country and user agent. The test
      // client sends CF-Connecting-IP as Cloudflare's edge would, and under wrangler dev the
      // edge's request.cf is a placeholder that says US.
      await eventually(async () => {
        await page.reload();
        const lastUsed = keyRow(page, last4).locator('td[data-column="Last used"]');
        await lastUsed.waitFor();
        return (await lastUsed.locator('time').count()) === 1 && (await lastUsed.locator('time').textContent()) === 'just now';
      }, 'Last used turns from Never into a relative time after /mcp accepted the key');
      const lastUsedCell = keyRow(page, last4).locator('td[data-column="Last used"]');
      assert.match(await lastUsedCell.locator('time').getAttribute('title'), /\d/);
      assert.match(await lastUsedCell.locator('.last-use-origin').textContent(), new RegExp(`^from ${client.address.replaceAll('.', '\\.')} \\(United States\\) · node$`));
      await page.evaluate(() => { window.__sameDocument = true; });

      // Revoke: Cancel first changes nothing.
      const revokeButton = keyRow(page, last4).getByRole('button', { name: /^Revoke/ });
      await revokeButton.click();
      const dialog = page.locator('dialog#revoke-dialog');
      await dialog.waitFor();
      assert.equal(await dialog.evaluate((element) => element.open && element.matches(':modal')), true, 'a modal dialog');
      assert.match(await dialog.textContent(), new RegExp(`…${last4}`));
      assert.equal(await page.evaluate(() => Boolean(document.activeElement?.closest('dialog'))), true, 'focus is inside the dialog');
      await screenshot(page, 'api-keys-revoke-dialog.png');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await dialog.isVisible(), false);
      assert.equal((await cellTexts(keyRow(page, last4)))[2], 'Active');
      assert.equal(await revokeButton.evaluate((button) => button === document.activeElement), true, 'focus returns to Revoke');
      assert.equal((await client.mcp(secret, rpc('tools/list'))).status, 200, 'Cancel did not revoke');

      // Then confirm.
      await revokeButton.click();
      await dialog.getByRole('button', { name: 'Yes, revoke this key' }).click();
      const revokedRow = keyRow(page, last4);
      await revokedRow.locator('.badge', { hasText: 'Revoked' }).waitFor();
      assert.equal(await dialog.isVisible(), false);
      assert.match(await revokedRow.getAttribute('class'), /\bis-revoked\b/);
      const opacity = Number(await revokedRow.locator('td').first().evaluate((cell) => getComputedStyle(cell).opacity));
      assert.ok(opacity < 1, `the revoked row is dimmed (opacity ${opacity})`);
      const grey = channels(await revokedRow.locator('.badge', { hasText: 'Revoked' }).evaluate((element) => getComputedStyle(element).color));
      assert.ok(Math.max(...grey) - Math.min(...grey) < 30, `Revoked is gray (got rgb ${grey.join(' ')})`);
      assert.equal(await revokedRow.getByRole('button', { name: /^Revoke/ }).count(), 0, 'no Revoke button on a revoked row');
      assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no full page reload');
      await screenshot(page, 'api-keys-revoked.png', { fullPage: true });

      // The very next /mcp request with that key is refused.
      const refused = await client.mcp(secret, rpc('tools/list'));
      assert.equal(refused.status, 401);

      // Revoked rows stay after a reload, dimmed.
      await page.reload();
      const afterReload = keyRow(page, last4);
      const [label0, key0, , source0] = await cellTexts(afterReload);
      assert.deepEqual([label0, key0, source0], ['MacBook — local-dev script', `…${last4}`, 'Portal']);
      assert.equal(await afterReload.locator('.badge.is-revoked').textContent(), 'Revoked');
      assert.equal(await afterReload.locator('.revocation').textContent(), 'Revoked by you · just now');
      assert.equal(await page.locator('#reveal').isVisible(), false);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('keys are listed newest first, and an unlabelled key says so', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      const first = await mintInContext(context);
      const second = await mintInContext(context, 'Production deploy job');
      await page.goto(API_KEYS_PATH);
      await page.locator('#keys-table').waitFor();
      const previews = await page.locator('#keys-table .key-preview').allTextContents();
      assert.deepEqual(previews, [`…${second.last4}`, `…${first.last4}`]);
      assert.equal((await cellTexts(keyRow(page, first.last4)))[0], 'No label');
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('OAuth-issued and legacy keys show their source badges, and revoke the same way', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      const now = Date.now();
      // What an OAuth consent would store (its label comes from the client's registered
      // name, which anyone can choose), and a legacy row without a source.
      await insertKeys(context, [
        { last4: 'c0de', label: 'OAuth: <script>alert(1)</script>', source: 'oauth', clientId: 'dcr_0123abcd', createdAt: now - 3_600_000, lastUsedAt: now - 185_000 },
        { last4: 'beef', createdAt: now - 2 * 86_400_000 },
      ]);
      await page.goto(API_KEYS_PATH);

      const oauth = await cellTexts(keyRow(page, 'c0de'));
      assert.deepEqual(oauth.slice(0, 6), ['OAuth: <script>alert(1)</script>', '…c0de', 'Active', 'OAuth: dcr_0123abcd', '1 hour ago', '3 minutes ago']);
      const legacy = await cellTexts(keyRow(page, 'beef'));
      assert.deepEqual(legacy.slice(0, 6), ['No label', '…beef', 'Active', 'Unknown', '2 days ago', 'Never']);
      assert.deepEqual(await page.locator('#keys-table .key-preview').allTextContents(), ['…c0de', '…beef'], 'newest first');

      await keyRow(page, 'c0de').getByRole('button', { name: /^Revoke/ }).click();
      await page.getByRole('button', { name: 'Yes, revoke this key' }).click();
      await keyRow(page, 'c0de').locator('.badge', { hasText: 'Revoked' }).waitFor();
      assert.equal((await cellTexts(keyRow(page, 'c0de')))[3], 'OAuth: dcr_0123abcd');
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('a label that looks like HTML is shown as text everywhere', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await page.goto(API_KEYS_PATH);
      await page.getByLabel('Label').fill(XSS_LABEL);
      await page.getByRole('button', { name: 'Mint new key' }).click();
      const banner = page.locator('#reveal');
      await banner.getByRole('textbox').waitFor();
      assert.match(await banner.textContent(), /<img src=x onerror=alert\(1\)>/, 'the banner names the label as text');
      const secret = await banner.getByRole('textbox').inputValue();
      await banner.getByRole('button', { name: 'I have copied this key' }).click();

      const row = keyRow(page, secret.slice(-4));
      assert.equal((await cellTexts(row))[0], XSS_LABEL);
      await row.getByText(XSS_LABEL).waitFor(); // visible as literal text

      // The list as rendered from GET /api/keys, too.
      await page.reload();
      const reloaded = keyRow(page, secret.slice(-4));
      assert.equal((await cellTexts(reloaded))[0], XSS_LABEL);

      // And in the revoke dialog.
      await reloaded.getByRole('button', { name: /^Revoke/ }).click();
      assert.equal(await page.locator('#revoke-label').textContent(), XSS_LABEL);
      await page.keyboard.press('Escape');

      assert.equal(await page.locator('img[src="x"]').count(), 0, 'no img element was created');
      assert.equal(await page.locator('main img, dialog img').count(), 0);
      await assertClean(page, watcher); // includes: no alert() fired
    } finally {
      await context.close();
    }
  });

  test('keyboard only: mint, copy, dismiss, then revoke with Tab, Enter and Escape', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await page.goto(API_KEYS_PATH);
      await page.locator('#keys-empty').waitFor();
      const active = () => page.evaluate(() => {
        const element = document.activeElement;
        return {
          id: element?.id ?? '',
          text: element?.textContent?.trim() ?? '',
          revoke: element?.hasAttribute('data-revoke') ?? false,
          tag: element?.tagName ?? '',
          outline: element ? getComputedStyle(element).outlineStyle : 'none',
        };
      });
      async function tabTo(predicate, what, limit = 40) {
        for (let i = 0; i < limit; i += 1) {
          await page.keyboard.press('Tab');
          const focused = await active();
          if (predicate(focused)) return focused;
        }
        assert.fail(`Tab never reached ${what}`);
      }

      // Mint.
      const labelField = await tabTo((focused) => focused.id === 'mint-label', 'the Label field');
      assert.notEqual(labelField.outline, 'none', 'the focused field shows a focus ring');
      await page.keyboard.type('Keyboard key');
      await page.keyboard.press('Enter');
      await page.locator('#reveal-secret').waitFor();
      const secret = await page.locator('#reveal-secret').inputValue();
      const copy = await tabTo((focused) => focused.text === 'Copy', 'Copy');
      assert.notEqual(copy.outline, 'none', 'Copy shows a focus ring');
      await page.keyboard.press('Enter');
      await page.getByText('Copied', { exact: true }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
      await tabTo((focused) => focused.text === 'I have copied this key', 'I have copied this key');
      await page.keyboard.press('Enter');
      assert.equal(await page.locator('#reveal-secret').count(), 0);

      // Revoke: open, Escape cancels and focus returns.
      const revoke = await tabTo((focused) => focused.revoke, 'the Revoke button');
      assert.notEqual(revoke.outline, 'none', 'Revoke shows a focus ring');
      await page.keyboard.press('Enter');
      await page.locator('dialog[open]').waitFor();
      assert.equal((await active()).text, 'Cancel', 'focus starts on Cancel');
      await page.keyboard.press('Escape');
      await page.locator('dialog[open]').waitFor({ state: 'detached' });
      assert.equal((await active()).revoke, true, 'Escape returns focus to Revoke');
      assert.equal((await cellTexts(keyRow(page, secret.slice(-4))))[2], 'Active');

      // Open again, Tab to the confirm button, Enter.
      await page.keyboard.press('Enter');
      await page.locator('dialog[open]').waitFor();
      await page.keyboard.press('Tab');
      assert.equal((await active()).text, 'Yes, revoke this key');
      await page.keyboard.press('Enter');
      const row = keyRow(page, secret.slice(-4));
      await row.locator('.badge', { hasText: 'Revoked' }).waitFor();
      assert.equal((await active()).tag, 'TR', 'focus lands on the revoked row');
      assert.equal(await row.evaluate((element) => element === document.activeElement), true);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('the revoke dialog reopened before the close event of its last closing still revokes', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      const { last4 } = await mintInContext(context, 'Reopened');
      await page.goto(API_KEYS_PATH);
      await page.locator('button[data-revoke]').click();
      await page.locator('dialog[open]').waitFor();
      // Focus is back on Revoke as soon as the dialog closes, but its close event comes in a
      // later task: a keyboard user can open the dialog again in between.
      await page.evaluate(() => {
        document.getElementById('revoke-dialog').close();
        document.querySelector('button[data-revoke]').click();
      });
      await page.locator('dialog[open]').waitFor();
      await page.getByRole('button', { name: 'Yes, revoke this key' }).click();
      await keyRow(page, last4).locator('.badge', { hasText: 'Revoked' }).waitFor();
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('reloading while the banner is open drops the key from the page', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await page.goto(API_KEYS_PATH);
      await page.getByRole('button', { name: 'Mint new key' }).click();
      const secret = await page.locator('#reveal-secret').inputValue();
      assert.match(secret, KEY_PATTERN);
      await page.reload();
      assert.equal(watcher.beforeUnload, 1, 'leaving with the banner open asks first');
      await page.locator('#keys-table').waitFor();
      assert.equal(await page.locator('#reveal').isVisible(), false);
      assert.equal((await page.content()).includes(secret), false);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('readable at 360 px and in dark mode', () => inNarrowAndDark(async (narrow, dark) => {
    for (const { context, page } of [narrow, dark]) {
      const old = await mintInContext(context, 'Old laptop');
      await revokeInContext(context, old.id);
      await page.goto(API_KEYS_PATH);
      await page.getByLabel('Label').fill('Production deploy job');
      await page.getByRole('button', { name: 'Mint new key' }).click();
      await page.locator('#reveal-secret').waitFor();
    }

    const overflow = await horizontalOverflow(narrow.page);
    assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
    for (const button of ['Copy', 'I have copied this key', 'Mint new key']) {
      const box = await narrow.page.getByRole('button', { name: button }).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 360, `${button} fits in 360 px`);
    }
    const revokeBox = await narrow.page.locator('button[data-revoke]').boundingBox();
    assert.ok(revokeBox.x + revokeBox.width <= 360, 'Revoke fits in 360 px');
    await screenshot(narrow.page, 'api-keys-360.png', { fullPage: true });

    await assertDarkBackground(dark.page);
    const text = channels(await dark.page.evaluate(() => getComputedStyle(document.body).color));
    assert.ok(Math.min(...text) > 180, `light text in dark mode (rgb ${text.join(' ')})`);
    await screenshot(dark.page, 'api-keys-dark.png', { fullPage: true });

    // Text stays readable (WCAG AA, 4.5:1) in both schemes.
    const readable = [
      'main h1', '.lede', '.help', '.reveal .warning', '#reveal-secret', '.copy-status', 'label',
      '.keys-table th', '.key-label', '.key-preview', '.badge.is-active', '.badge.is-revoked',
      '.badge.source-portal', 'button.primary', 'button.secondary', '.sidebar a', '.sidebar h2',
      '.account-email', 'main a', '.revocation', '#keys-search', 'select', '.list-count',
      '.activity-what', '.activity-meta',
    ];
    for (const { page } of [narrow, dark]) {
      await page.getByRole('button', { name: 'Copy' }).click();
      await page.getByText('Copied', { exact: true }).waitFor();
      assert.deepEqual(await contrastProblems(page, readable), [], `contrast (${page === dark.page ? 'dark' : 'light'})`);
      await page.locator('button[data-revoke]').first().click();
      assert.deepEqual(await contrastProblems(page, ['dialog h2', 'dialog p', 'dialog code', 'dialog button']), [], 'dialog contrast');
      await page.keyboard.press('Escape');
    }
  }));

  test('the API being down is explained, with a way to retry', async () => {
    // The page asks for the list a page at a time (`/api/keys?limit=50…`).
    const KEY_LIST = /\/api\/keys(\?.*)?$/;
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await page.route(KEY_LIST, (route) => route.abort('connectionrefused'));
      await page.goto(API_KEYS_PATH);
      const error = page.locator('#keys-error');
      await error.waitFor();
      assert.match(await error.textContent(), /Couldn't load your keys\. Couldn't reach the Hadron server/);
      assert.equal(await page.locator('#keys-loading').isVisible(), false);

      await page.unroute(KEY_LIST);
      await page.route(KEY_LIST, (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }));
      await error.getByRole('button', { name: 'Try again' }).click();
      await error.getByText(/HTTP 502/).waitFor();

      await page.unroute(KEY_LIST);
      await error.getByRole('button', { name: 'Try again' }).click();
      await page.locator('#keys-empty').waitFor();
      assert.equal(await error.isVisible(), false);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('server error messages are shown as text', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await page.goto(API_KEYS_PATH);
      await page.locator('#keys-empty').waitFor();
      await page.route('**/api/keys', (route) => route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'invalid_label', message: '<img src=x onerror=alert(2)> is not allowed.' } }),
      }));
      await page.getByLabel('Label').fill('anything');
      await page.getByRole('button', { name: 'Mint new key' }).click();
      const error = page.locator('#mint-error');
      await error.waitFor();
      assert.equal(await error.textContent(), "Couldn't mint a key. <img src=x onerror=alert(2)> is not allowed.");
      assert.equal(await page.getByLabel('Label').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('an expired session says so and offers sign-in that comes back here', async () => {
    const { context, page, watcher } = await openPage();
    try {
      const email = await signUpInContext(context);
      await page.goto(API_KEYS_PATH);
      await page.locator('#keys-empty').waitFor();
      await context.clearCookies();
      await page.getByRole('button', { name: 'Mint new key' }).click();
      const notice = page.locator('#session-notice');
      await notice.waitFor();
      assert.match(await notice.textContent(), /Your session has expired/);
      const signIn = notice.getByRole('link', { name: 'Sign in again' });
      assert.equal(await signIn.getAttribute('href'), `/signin?next=${encodeURIComponent(API_KEYS_PATH)}`);
      await signIn.click();
      await signInThroughPage(page, email);
      await page.waitForURL((url) => url.pathname === API_KEYS_PATH);
      await page.locator('#keys-empty').waitFor();
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('a failing session check is explained instead of showing the page', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await page.route('**/api/me', (route) => route.abort('connectionrefused'));
      await page.goto(API_KEYS_PATH);
      const gate = page.locator('[data-session-gate]');
      await gate.getByText(/Couldn't check whether you're signed in\. Couldn't reach the Hadron server/).waitFor();
      assert.equal(await page.locator('[data-page]').isVisible(), false);
      assert.equal(new URL(page.url()).pathname, API_KEYS_PATH, 'no redirect when the API is unreachable');
      await page.unroute('**/api/me');
      await signUpInContext(context);
      await gate.getByRole('button', { name: 'Try again' }).click();
      await page.locator('#keys-empty').waitFor();
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });
});
