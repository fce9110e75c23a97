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
        // Normalised, these are the path //evil.example/x: as a location, another site.
        '/.//evil.example/x', '/..//evil.example/x', '/%2e%2e//evil.example/x', '/%5c%5cevil.example/x',
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

describe('credentials never travel in a URL', () => {
  /** A page whose every script is blocked, and the URLs of everything it requests. */
  async function pageWithoutScripts() {
    const opened = await openPage({ javaScriptEnabled: true });
    const urls = [];
    opened.page.on('request', (request) => urls.push(request.url()));
    await opened.page.route('**/*.js', (route) => route.abort());
    return { ...opened, urls };
  }

  test('with every script blocked, signing up and in still works, by a POST, and the password is in no URL', async () => {
    const { context, page, urls } = await pageWithoutScripts();
    try {
      const email = uniqueEmail('noscript');
      await page.goto(`/signup?next=${encodeURIComponent('/docs/vscode')}`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      const posted = page.waitForRequest((request) => request.method() === 'POST');
      await page.getByLabel('Password').press('Enter');
      assert.equal(new URL((await posted).url()).pathname, '/signup');
      await page.waitForURL(onPath('/docs/vscode'));
      assert.ok((await context.cookies()).some((cookie) => cookie.name === 'hadron_session'), 'signed in');

      await context.clearCookies();
      await page.goto(`/signin?next=${encodeURIComponent('/docs/authentication')}`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(onPath('/docs/authentication'));
      assert.ok((await context.cookies()).some((cookie) => cookie.name === 'hadron_session'), 'signed in again');

      for (const url of urls) {
        assert.ok(!url.includes(encodeURIComponent(PASSWORD)) && !url.includes(PASSWORD.replaceAll(' ', '+')), `no password in ${url}`);
        assert.ok(!url.includes(encodeURIComponent(email)), `no email in ${url}`);
      }
    } finally {
      await context.close();
    }
  });

  test('a wrong password posted without the script comes back to the form, which explains it once the script runs', async () => {
    const { email } = await signedUpClient(app.baseUrl, 'noscript-wrong');
    const { context, page, urls } = await pageWithoutScripts();
    try {
      await page.goto('/signin');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL((url) => url.pathname === '/signin' && url.searchParams.get('error') === 'invalid_credentials');
      assert.ok(urls.every((url) => !url.includes('not+the+password') && !url.includes('not%20the%20password')));
      await page.unroute('**/*.js');
      await page.reload();
      await page.locator('[data-form-error]').getByText('The email or password is incorrect.').waitFor();
    } finally {
      await context.close();
    }
  });

  test('pressing Enter before the script has loaded posts the form and still returns to next', async () => {
    const { email } = await signedUpClient(app.baseUrl, 'early');
    const { context, page } = await openPage();
    try {
      // Hold the page's script back until the form has been sent, as a slow link would.
      let release;
      const held = new Promise((resolve) => { release = resolve; });
      await page.route('**/assets/js/auth-form.js', async (route) => { await held; await route.continue(); });
      // A module script delays DOMContentLoaded: wait only for the form to be there.
      await page.goto(`/signin?next=${encodeURIComponent('/docs/claude-desktop')}`, { waitUntil: 'commit' });
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(onPath('/docs/claude-desktop'));
      release();
      assert.equal(new URL(page.url()).search, '');
    } finally {
      await context.close();
    }
  });
});
