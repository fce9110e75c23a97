// Why each key died and what happened on the account, on the API keys page in Chromium:
// the reason and time on every revoked row (a leak as a link to where it was found), the
// notice of keys revoked automatically (dismissed once, for every device), and "Recent
// activity" with where each change came from, paged. Screenshots in target/screenshots/.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';

import { runScript } from '../support/app.mjs';
import { PASSWORD } from '../support/client.mjs';
import { query, sqlText } from '../support/d1.mjs';
import {
  API_KEYS_PATH, app, assertClean, assertDarkBackground, contextUser, horizontalOverflow, insertKeys, keyRow,
  mintInContext, openPage, screenshot, signUpInContext, useAppAndBrowser,
} from '../support/browser.mjs';
import { githubSecretScanning, postReport, reportBody } from '../support/github.mjs';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LEAK_URL = 'https://github.com/ada/dotfiles/blob/main/.env';
const OUTSIDE_LINK_REL = 'noopener noreferrer nofollow';

// The test plays GitHub's secret scanning with keys of its own (tests/support/github.mjs).
const github = githubSecretScanning();
useAppAndBrowser(async () => {}, { vars: github.vars });

/** The "why and when" line under a revoked row's badge. */
function revocation(page, last4) {
  return keyRow(page, last4).locator('.revocation');
}

describe('why each key was revoked', () => {
  test('each revoked row says why and when; a leak links to where it was found', async () => {
    const { context, page, watcher } = await openPage({ viewport: { width: 1280, height: 1000 } });
    try {
      await signUpInContext(context);
      const now = Date.now();
      await insertKeys(context, [
        { last4: 'a001', label: 'Old laptop', source: 'portal', createdAt: now - 5 * DAY, revokedAt: now - 2 * HOUR, revokedReason: 'user' },
        { last4: 'a002', label: 'OAuth: Claude', source: 'oauth', clientId: 'dcr_0123abcd', createdAt: now - 4 * DAY, revokedAt: now - 3 * HOUR, revokedReason: 'client' },
        { last4: 'a003', label: 'OAuth: VS Code', source: 'oauth', clientId: 'dcr_4567ef01', createdAt: now - 4 * DAY - HOUR, revokedAt: now - DAY, revokedReason: 'replaced' },
        { last4: 'a004', label: 'OAuth: Some app', source: 'oauth', clientId: 'dcr_89ab2345', createdAt: now - 4 * DAY - 2 * HOUR, revokedAt: now - 2 * DAY, revokedReason: 'code_replay' },
        {
          last4: 'a005', label: 'CI deploy', source: 'portal', createdAt: now - 3 * DAY, revokedAt: now - 10 * MINUTE,
          revokedReason: 'leaked', revokedDetail: LEAK_URL,
          lastUsedAt: now - 15 * MINUTE, lastUsedIp: '203.0.113.7', lastUsedCountry: 'DE', lastUsedUserAgent: 'curl/8.5.0',
        },
        { last4: 'a006', label: 'Pasted somewhere', source: 'portal', createdAt: now - 3 * DAY - HOUR, revokedAt: now - 20 * MINUTE, revokedReason: 'leaked', revokedDetail: 'javascript:alert(1)' },
        { last4: 'a007', createdAt: now - 6 * DAY, revokedAt: now - 3 * DAY },
        { last4: 'a008', label: 'Production deploy job', source: 'portal', createdAt: now - HOUR },
      ]);
      await page.goto(API_KEYS_PATH);
      await keyRow(page, 'a008').waitFor();

      const expected = {
        a001: 'Revoked by you · 2 hours ago',
        a002: 'Given back by the app (RFC 7009) · 3 hours ago',
        a003: 'Replaced by a newer connection of the same app · 1 day ago',
        a004: 'Revoked: its authorization code was used twice · 2 days ago',
        a005: `Found in public: ${LEAK_URL} · 10 minutes ago`,
        a006: 'Found in public: javascript:alert(1) · 20 minutes ago',
        a007: '3 days ago', // revoked before reasons were recorded: only when
      };
      for (const [last4, text] of Object.entries(expected)) {
        assert.equal((await revocation(page, last4).textContent()).trim(), text, last4);
        assert.match(await revocation(page, last4).locator('time').getAttribute('title'), /\d/, `${last4}: the exact time on hover`);
      }
      assert.equal(await keyRow(page, 'a008').locator('.revocation').count(), 0, 'an active key has no revocation line');

      const link = revocation(page, 'a005').getByRole('link', { name: LEAK_URL });
      assert.equal(await link.getAttribute('href'), LEAK_URL);
      assert.equal(await link.getAttribute('rel'), OUTSIDE_LINK_REL);
      assert.equal(await revocation(page, 'a006').locator('a').count(), 0, 'only http(s) addresses become links');
      assert.equal(
        await keyRow(page, 'a005').locator('.last-use-origin').textContent(),
        'from 203.0.113.7 (Germany) · curl/8.5.0',
        'last used says from where and by which client',
      );
      await screenshot(page, 'api-keys-revocation-reasons.png', { fullPage: true });
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });
});

describe('a key GitHub finds in public', () => {
  test('is revoked by the signed report, and the page says where it was found', async () => {
    const { context, page, watcher } = await openPage({ viewport: { width: 1280, height: 900 } });
    try {
      await signUpInContext(context);
      const key = await mintInContext(context, 'Committed by mistake');
      await page.goto(API_KEYS_PATH);
      await keyRow(page, key.last4).waitFor();
      assert.equal(await revocation(page, key.last4).count(), 0, 'active before the report');

      const body = reportBody([key.secret], { url: LEAK_URL });
      const report = await postReport(app.baseUrl, body, github.signReport(body));
      assert.equal(report.status, 200, report.text);
      assert.equal(report.body[0].label, 'true_positive');

      await page.reload();
      const notice = page.locator('#revocation-notice');
      await notice.getByRole('heading', { name: 'A key was revoked automatically' }).waitFor();
      assert.equal(
        (await notice.locator('li').textContent()).trim(),
        `…${key.last4} “Committed by mistake” — Found in public: ${LEAK_URL} · just now`,
      );
      assert.equal((await revocation(page, key.last4).textContent()).trim(), `Found in public: ${LEAK_URL} · just now`);
      const reported = page.locator('#activity-list > li[data-kind="leak_reported"]');
      await reported.waitFor();
      assert.match(await reported.locator('.activity-meta').textContent(), /^just now · reported by GitHub secret scanning$/);
      await screenshot(page, 'api-keys-leak-reported-by-github.png', { fullPage: true });
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });
});

describe('the notice of keys revoked automatically', () => {
  test('is at the top until dismissed, and stays dismissed on every device', async () => {
    const laptop = await openPage({ viewport: { width: 1280, height: 900 } });
    const phone = await openPage({ viewport: { width: 360, height: 780 }, colorScheme: 'dark' });
    try {
      const email = await signUpInContext(laptop.context);
      const signIn = await phone.context.request.post(`${app.baseUrl}/api/auth/login`, { data: { email, password: PASSWORD } });
      assert.equal(signIn.status(), 200);
      const now = Date.now();
      await insertKeys(laptop.context, [
        { last4: 'b001', label: 'CI deploy', source: 'portal', createdAt: now - DAY, revokedAt: now - 5 * MINUTE, revokedReason: 'leaked', revokedDetail: LEAK_URL },
        { last4: 'b002', label: 'OAuth: Claude', source: 'oauth', clientId: 'dcr_0123abcd', createdAt: now - 2 * DAY, revokedAt: now - HOUR, revokedReason: 'replaced' },
        { last4: 'b003', label: 'Mine', source: 'portal', createdAt: now - 3 * DAY, revokedAt: now - 10 * MINUTE, revokedReason: 'user' },
      ]);

      for (const { page } of [laptop, phone]) {
        await page.goto(API_KEYS_PATH);
        const notice = page.locator('#revocation-notice');
        await notice.getByRole('heading', { name: '2 keys were revoked automatically' }).waitFor();
        const items = await notice.locator('li').allTextContents();
        assert.deepEqual(items.map((item) => item.trim()), [
          `…b001 “CI deploy” — Found in public: ${LEAK_URL} · 5 minutes ago`,
          '…b002 “OAuth: Claude” — Replaced by a newer connection of the same app · 1 hour ago',
        ], 'automatic revocations, newest first; not the one the user made');
        const link = notice.getByRole('link', { name: LEAK_URL });
        assert.equal(await link.getAttribute('rel'), OUTSIDE_LINK_REL);
        const noticeTop = (await notice.boundingBox()).y;
        assert.ok(noticeTop < (await page.locator('#mint-form').boundingBox()).y, 'the notice is at the top');
      }
      await screenshot(laptop.page, 'api-keys-revocation-notice.png');
      assert.ok(await horizontalOverflow(phone.page) <= 0, 'the notice fits 360 px');
      await assertDarkBackground(phone.page);
      await screenshot(phone.page, 'api-keys-revocation-notice-360-dark.png', { fullPage: true });

      await laptop.page.locator('#revocation-notice').getByRole('button', { name: 'Dismiss' }).click();
      await laptop.page.locator('#revocation-notice').waitFor({ state: 'hidden' });
      assert.equal(await laptop.page.evaluate(() => document.activeElement?.id), 'keys-title', 'focus moves on to the key list');

      // The dismissal is stored on the server: another device and a reload see no notice.
      for (const { page } of [phone, laptop]) {
        await page.reload();
        await page.locator('#revocation-notice:not([aria-busy])').waitFor({ state: 'attached' });
        assert.equal(await page.locator('#revocation-notice').isVisible(), false);
      }

      // A key revoked automatically later is announced anew.
      await insertKeys(laptop.context, [
        { last4: 'b004', label: 'Backup job', source: 'portal', createdAt: now - DAY, revokedAt: Date.now(), revokedReason: 'leaked', revokedDetail: LEAK_URL },
      ]);
      await laptop.page.reload();
      const notice = laptop.page.locator('#revocation-notice');
      await notice.getByRole('heading', { name: 'A key was revoked automatically' }).waitFor();
      assert.equal(await notice.locator('li').count(), 1);
      for (const { page, watcher } of [laptop, phone]) await assertClean(page, watcher);
    } finally {
      await laptop.context.close();
      await phone.context.close();
    }
  });
});

describe('recent activity', () => {
  test('shows what happened, newest first, from where, and pages', async () => {
    // One person at one place: their browser's requests come from this address, in Germany.
    const { context, page, watcher } = await openPage({
      viewport: { width: 1280, height: 1000 },
      extraHTTPHeaders: { 'cf-connecting-ip': '203.0.113.50', 'mf-cf-blob': JSON.stringify({ country: 'DE' }) },
    });
    try {
      const email = await signUpInContext(context);
      const user = await contextUser(context);
      await page.goto(API_KEYS_PATH);
      await page.locator('#activity-empty').waitFor();
      assert.equal(await page.locator('#activity-empty').textContent(), 'No activity in the last 90 days.');

      // Changes made on the page appear at the top of the list at once.
      await page.getByLabel('Label').fill('Activity laptop');
      await page.getByRole('button', { name: 'Mint new key' }).click();
      const secret = await page.locator('#reveal-secret').inputValue();
      await page.getByRole('button', { name: 'I have copied this key' }).click();
      const last4 = secret.slice(-4);
      const entries = page.locator('#activity-list > li');
      const what = (index) => entries.nth(index).locator('.activity-what');
      const meta = (index) => entries.nth(index).locator('.activity-meta');
      await page.locator('#activity-list').getByText(`Minted key …${last4} “Activity laptop”`).waitFor();
      assert.match(await meta(0).textContent(), /^just now · from 203\.0\.113\.50 \(Germany\) · Mozilla\/5\.0 .*Chrome/);

      await keyRow(page, last4).getByRole('button', { name: /^Revoke/ }).click();
      await page.getByRole('button', { name: 'Yes, revoke this key' }).click();
      await page.locator('#activity-list').getByText(`Revoked key …${last4} “Activity laptop” — Revoked by you`).waitFor();
      assert.equal(await entries.count(), 2);

      // A role change made in D1 by scripts/set-role.mjs, and older entries of every kind.
      await runScript('scripts/set-role.mjs', ['--local', '--persist-to', app.persistDir, '--email', email, '--role', 'org_admin']);
      const now = Date.now();
      const older = Array.from({ length: 30 }, (_, i) => {
        const at = now - (i + 1) * HOUR;
        const id = sqlText(`act_${randomBytes(16).toString('hex')}`);
        const [kind, detail, ip] = [
          ['consent_approved', JSON.stringify({ client_id: 'dcr_0123abcd', client_name: 'Claude' }), '203.0.113.50'],
          ['consent_denied', JSON.stringify({ client_id: 'dcr_4567ef01', client_name: 'Unknown tool' }), '203.0.113.50'],
          ['new_address_sign_in', null, '198.51.100.23'],
        ][i % 3];
        return `(${id}, ${sqlText(user.id)}, ${sqlText(kind)}, ${sqlText(detail)}, ${sqlText(ip)}, 'NZ', 'Firefox/128.0', ${at})`;
      });
      older.push(`(${sqlText(`act_${randomBytes(16).toString('hex')}`)}, ${sqlText(user.id)}, 'leak_reported', ${sqlText(JSON.stringify({ url: LEAK_URL }))}, '140.82.115.1', 'US', 'GitHub-Secret-Scanning', ${now - 40 * HOUR})`);
      await query(app.persistDir, `INSERT INTO activity (id, user_id, kind, detail, ip, country, user_agent, created_at) VALUES ${older.join(', ')}`);

      await page.reload();
      await entries.first().waitFor();
      assert.equal(await what(0).textContent(), 'Role changed from member to org admin');
      assert.equal(await meta(0).textContent(), 'just now · made outside the portal, from no known address');
      assert.equal(await what(1).textContent(), `Revoked key …${last4} “Activity laptop” — Revoked by you`);
      assert.equal(await what(3).textContent(), 'Approved “Claude” (dcr_0123abcd) to connect');
      assert.equal(await meta(3).textContent(), '1 hour ago · from 203.0.113.50 (New Zealand) · Firefox/128.0');
      assert.equal(await what(4).textContent(), 'Denied “Unknown tool” (dcr_4567ef01) access');
      assert.equal(await what(5).textContent(), 'Signed in from a new address');
      assert.equal(await entries.count(), 20, 'one page');
      await screenshot(page, 'api-keys-activity.png', { fullPage: true });

      // Load more until the end; focus lands on the first entry of the last page.
      const more = page.getByRole('button', { name: 'Load more activity' });
      await more.click();
      await entries.nth(33).waitFor();
      assert.equal(await entries.count(), 34);
      assert.equal(await more.isVisible(), false, 'nothing more to load');
      assert.equal(await entries.nth(20).evaluate((item) => item === document.activeElement), true);
      const last = entries.last();
      assert.equal(await last.locator('.activity-what').textContent(), `A key was reported as leaked — Found in public: ${LEAK_URL}`);
      const leakLink = last.getByRole('link', { name: LEAK_URL });
      assert.equal(await leakLink.getAttribute('rel'), OUTSIDE_LINK_REL);
      assert.equal(await last.locator('.activity-meta').textContent(), '1 day ago · from 140.82.115.1 (United States) · GitHub-Secret-Scanning');
      await screenshot(page, 'api-keys-activity-all.png', { fullPage: true });
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });
});
