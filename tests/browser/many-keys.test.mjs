// The key list at scale, in Chromium: 1,000 keys seeded with SQL (minting is limited to 60
// an hour), and the page stays usable. The first page renders (asserted only as "it
// rendered": no timing), search finds a key by its last 4, the filters narrow, and
// "Load more" reaches the oldest key.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  API_KEYS_PATH, assertClean, insertKeys, openPage, screenshot, signUpInContext, useAppAndBrowser,
} from '../support/browser.mjs';

const COUNT = 1000;
const PAGE = 50;

useAppAndBrowser();

describe('a thousand keys', () => {
  test('the first page renders; search, filters and "Load more" reach every key', async () => {
    const { context, page, watcher } = await openPage({ viewport: { width: 1280, height: 900 } });
    try {
      await signUpInContext(context);
      const now = Date.now();
      // Newest first by index: every third source in turn, every fourth key revoked.
      const keys = Array.from({ length: COUNT }, (_, i) => ({
        last4: (0xb000 + i).toString(16),
        label: `Service ${String(i).padStart(4, '0')}`,
        source: ['portal', 'oauth', null][i % 3],
        clientId: i % 3 === 1 ? 'dcr_0123abcd' : null,
        createdAt: now - (i + 1) * 60_000,
        revokedAt: i % 4 === 3 ? now - i * 1000 : null,
        revokedReason: i % 4 === 3 ? 'user' : null,
      }));
      await insertKeys(context, keys);

      await page.goto(API_KEYS_PATH);
      const rows = page.locator('#keys-table tbody tr');
      const previews = () => page.locator('#keys-table .key-preview').allTextContents();
      const count = page.locator('#keys-count');
      await rows.nth(PAGE - 1).waitFor();
      assert.equal(await rows.count(), PAGE, 'one page, not a thousand rows');
      assert.equal(await count.textContent(), 'Showing the newest 50 keys; more are available.');
      assert.equal(await count.getAttribute('role'), 'status', 'the count is announced');
      assert.deepEqual((await previews()).slice(0, 2), [`…${keys[0].last4}`, `…${keys[1].last4}`], 'newest first');
      await screenshot(page, 'api-keys-1000-first-page.png');

      // Search: the oldest key, found by its last 4 (typed as the page shows it, too). The
      // key list is marked busy while it lists: settled() waits for the answer.
      const settled = () => page.locator('#keys-section:not([aria-busy])').waitFor();
      const oldest = keys.at(-1);
      const search = page.getByRole('searchbox', { name: 'Search' });
      for (const typed of [oldest.last4, `…${oldest.last4}`]) {
        await search.fill(typed);
        await search.press('Enter');
        await settled();
        assert.deepEqual(await previews(), [`…${oldest.last4}`], typed);
        assert.equal(await count.textContent(), '1 matching key.');
      }
      await search.fill('no such key');
      await search.press('Enter');
      await settled();
      assert.equal(await count.textContent(), 'No keys match the search and filters.');
      assert.equal(await page.locator('#keys-table').isVisible(), false);
      assert.equal(await page.locator('#keys-empty').isVisible(), false, 'not "No API keys yet"');
      await search.fill('Service 0500'); // typing searches by itself, after a pause
      await page.locator('#keys-table .key-preview', { hasText: `…${keys[500].last4}` }).waitFor();
      await settled();
      assert.deepEqual(await previews(), [`…${keys[500].last4}`]);
      await search.fill('');
      await search.press('Enter');
      await settled();
      assert.equal(await count.textContent(), 'Showing the newest 50 keys; more are available.');

      // Filters narrow, and combine; "Load more" keeps them.
      const status = page.getByRole('combobox', { name: 'Status' });
      const source = page.getByRole('combobox', { name: 'Source' });
      const statusBadges = () => page.locator('#keys-table .badge.is-revoked, #keys-table .badge.is-active').allTextContents();
      await status.selectOption('revoked');
      await settled();
      assert.equal(await count.textContent(), '50 matching keys shown; more match.');
      assert.deepEqual(new Set(await statusBadges()), new Set(['Revoked']));
      await source.selectOption('oauth');
      await settled();
      const revokedOauth = keys.filter((key) => key.revokedAt && key.source === 'oauth');
      assert.deepEqual(await previews(), revokedOauth.slice(0, PAGE).map((key) => `…${key.last4}`));
      await page.getByRole('button', { name: 'Load more keys' }).click();
      await count.filter({ hasText: `${revokedOauth.length} matching keys.` }).waitFor();
      assert.deepEqual(await previews(), revokedOauth.map((key) => `…${key.last4}`), 'paging keeps the filters');
      await status.selectOption('active');
      await settled();
      await source.selectOption('unknown');
      await settled();
      const activeUnknown = keys.filter((key) => !key.revokedAt && key.source === null);
      assert.deepEqual(await previews(), activeUnknown.slice(0, PAGE).map((key) => `…${key.last4}`));
      assert.deepEqual(new Set(await statusBadges()), new Set(['Active']));
      assert.deepEqual(new Set(await page.locator('#keys-table .badge[class*="source-"]').allTextContents()), new Set(['Unknown']));
      await page.locator('#keys-section').evaluate((section) => section.scrollIntoView());
      await screenshot(page, 'api-keys-1000-filtered.png');

      // Back to everything, then "Load more" to the last key. Focus stays on the button
      // while there is more, and lands on the first new row at the end.
      await status.selectOption('');
      await settled();
      await source.selectOption('');
      await settled();
      assert.equal(await count.textContent(), 'Showing the newest 50 keys; more are available.');
      const more = page.getByRole('button', { name: 'Load more keys' });
      for (let shown = PAGE; shown < COUNT; shown += PAGE) {
        await more.click();
        await rows.nth(shown + PAGE - 1).waitFor();
        if (shown + PAGE < COUNT) {
          assert.equal(await more.evaluate((button) => button === document.activeElement), true, 'focus stays on Load more');
        }
      }
      await count.filter({ hasText: 'Showing all 1000 keys.' }).waitFor();
      assert.equal(await rows.count(), COUNT);
      assert.equal(await more.isVisible(), false);
      const all = await previews();
      assert.equal(new Set(all).size, COUNT, 'every key once');
      assert.equal(all.at(-1), `…${oldest.last4}`, 'the oldest key comes last');
      assert.equal(await rows.nth(COUNT - PAGE).evaluate((row) => row === document.activeElement), true);
      await screenshot(page, 'api-keys-1000-last-page.png');
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });
});
