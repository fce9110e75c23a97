// Sign-up, sign-in, sign-out and the /app/… gate, in real Chromium against wrangler dev.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { PASSWORD, signedUpClient, uniqueEmail } from '../support/client.mjs';
import {
  API_KEYS_PATH, app, assertClean, openPage, signInThroughPage, signUpInContext, signUpThroughPage,
  useAppAndBrowser,
} from '../support/browser.mjs';

useAppAndBrowser();

const onPath = (path) => (url) => url.pathname === path;

describe('signing in and out', () => {
  test('a signed-out visit to the API keys page goes to sign-in and comes back after it', async () => {
    const { email } = await signedUpClient(app.baseUrl, 'gate');
    const { context, page, watcher } = await openPage();
    try {
      await page.goto(`${API_KEYS_PATH}?from=test#keys-title`);
      await page.waitForURL(onPath('/signin'));
      const next = new URL(page.url()).searchParams.get('next');
      assert.equal(next, `${API_KEYS_PATH}?from=test#keys-title`);
      await page.getByText('Sign in to continue.').waitFor();
      await signInThroughPage(page, email);
      await page.waitForURL(onPath(API_KEYS_PATH));
      assert.equal(new URL(page.url()).search, '?from=test');
      await page.locator('#keys-empty').waitFor();
      assert.equal(await page.locator('.account-email').textContent(), `Signed in as ${email}`);
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('every /app/… address is behind sign-in, even the section roots and unknown pages', async () => {
    const { context, page, watcher } = await openPage();
    try {
      for (const [path, next] of [['/app', API_KEYS_PATH], ['/app/account/', API_KEYS_PATH], ['/app/no-such-page', '/app/no-such-page']]) {
        await page.goto(path);
        await page.waitForURL(onPath('/signin'));
        assert.equal(new URL(page.url()).searchParams.get('next'), next, path);
      }
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('only same-site paths are accepted as the place to return to', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      const hostile = [
        'https://evil.example/', '//evil.example/', '/\\evil.example/', '/\t/evil.example/',
        'javascript:alert(1)', 'http://127.0.0.1:1/app/account/api-keys', 'evil.example', '/signin?next=//evil.example',
      ];
      for (const next of hostile) {
        await page.goto(`/signin?next=${encodeURIComponent(next)}`);
        await page.waitForURL(onPath(API_KEYS_PATH));
        assert.equal(new URL(page.url()).origin, app.baseUrl, `next=${next} stays on this site`);
      }
      await page.goto(`/signin?next=${encodeURIComponent('/docs/vscode?tab=1#add')}`);
      await page.waitForURL(onPath('/docs/vscode'));
      assert.equal(new URL(page.url()).hash, '#add');
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('sign-up through the page, sign out from the shell, sign in again', async () => {
    const { context, page, watcher } = await openPage();
    try {
      const email = await signUpThroughPage(page);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(onPath('/signin'));
      await page.getByText("You've signed out.").waitFor();

      // The session really ended: the API keys page sends us back to sign-in.
      await page.goto(API_KEYS_PATH);
      await page.waitForURL(onPath('/signin'));

      await signInThroughPage(page, email, 'not the password');
      const error = page.locator('[data-form-error]');
      await error.getByText('The email or password is incorrect.').waitFor();
      assert.equal(new URL(page.url()).pathname, '/signin');

      await signInThroughPage(page, email);
      await page.waitForURL(onPath(API_KEYS_PATH));
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('sign-up problems are explained: a taken email, a short password', async () => {
    const { email } = await signedUpClient(app.baseUrl, 'taken');
    const { context, page, watcher } = await openPage();
    try {
      await page.goto(`/signup?next=${encodeURIComponent('/docs/authentication')}`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      const error = page.locator('[data-form-error]');
      await error.getByText(/already exists/).waitFor();
      assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
      const link = error.getByRole('link', { name: 'Sign in' });
      assert.equal(await link.getAttribute('href'), `/signin?next=${encodeURIComponent('/docs/authentication')}`);

      // The browser's own check stops a short password before any request.
      await page.getByLabel('Email').fill(uniqueEmail('short'));
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: 'Create account' }).click();
      assert.equal(await page.getByLabel('Password').evaluate((input) => input.validity.tooShort || input.validity.valid === false), true);
      assert.equal(new URL(page.url()).pathname, '/signup');
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('signing in from a docs page comes back to it; from the home page, to API keys', async () => {
    const { email } = await signedUpClient(app.baseUrl, 'docs-return');
    const { context, page, watcher } = await openPage();
    try {
      await page.goto('/');
      assert.equal(await page.locator('[data-account]').getByRole('link', { name: 'Create an account' }).getAttribute('href'),
        `/signup?next=${encodeURIComponent(API_KEYS_PATH)}`);
      await page.goto('/docs/vscode#bearer');
      await page.locator('[data-account]').getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(onPath('/signin'));
      await signInThroughPage(page, email);
      await page.waitForURL(onPath('/docs/vscode'));
      assert.equal(new URL(page.url()).hash, '#bearer');
      await page.locator('[data-account] .account-email').waitFor();
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });

  test('a signed-in visitor of the sign-in page goes straight on', async () => {
    const { context, page, watcher } = await openPage();
    try {
      await signUpInContext(context);
      await page.goto('/signin');
      await page.waitForURL(onPath(API_KEYS_PATH));
      await assertClean(page, watcher);
    } finally {
      await context.close();
    }
  });
});
