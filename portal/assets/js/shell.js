// The portal shell, shared by every page: marks the current sidebar link, shows who is
// signed in with a sign-out button, and keeps signed-out visitors off `/app/…` pages by
// sending them to sign-in (with a `next` that brings them back).
//
// Pages import `session` and wait for it: it resolves to `{ user }` (user or null), and
// never resolves on a page the visitor is being sent away from. A page that needs a
// signed-in user declares `session: required` (scripts/build-portal.mjs): its body gets
// `data-requires-session` and its content sits in `[data-page] hidden` behind a
// `[data-session-gate]` message, which the shell swaps once the session is known. Every
// `/app/…` address needs a session, even one that is not a page (the 404 page there).
//
// Also the notices pages share: a failure with a way to retry, and the session ending.

import { api } from './api.js';
import { DEFAULT_NEXT, signInUrl } from './next-path.js';

const needsSession =
  location.pathname.startsWith('/app/') || document.body.hasAttribute('data-requires-session');
const isAuthPage = ['/signin', '/signup'].includes(location.pathname.replace(/\/+$/, ''));

function currentPath() {
  return location.pathname + location.search + location.hash;
}

/** Creates an element; string children become text nodes, never markup. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
}

export const session = start();

async function start() {
  markCurrentLink();
  const { user, error } = await loadUser();
  renderAccount(user, error);
  if (!needsSession) return { user };
  if (error) {
    showGateError(error);
    return new Promise(() => {});
  }
  if (!user) {
    location.replace(signInUrl(currentPath()));
    return new Promise(() => {});
  }
  document.querySelector('[data-session-gate]')?.setAttribute('hidden', '');
  document.querySelector('[data-page]')?.removeAttribute('hidden');
  return { user };
}

async function loadUser() {
  try {
    const { user } = await api('GET', '/api/me');
    return { user, error: null };
  } catch (error) {
    if (error.isSignedOut) return { user: null, error: null };
    return { user: null, error };
  }
}

function markCurrentLink() {
  const here = location.pathname.replace(/\/+$/, '') || '/';
  for (const link of document.querySelectorAll('.sidebar a')) {
    if (link.getAttribute('href') === here) link.setAttribute('aria-current', 'page');
  }
}

function renderAccount(user, error) {
  const account = document.querySelector('[data-account]');
  if (!account) return;
  if (user) {
    const signOut = h('button', { type: 'button', class: 'secondary small' }, 'Sign out');
    signOut.addEventListener('click', () => signOutNow(signOut));
    account.replaceChildren(
      h('span', { class: 'account-email' }, h('span', { class: 'visually-hidden' }, 'Signed in as '), user.email),
      signOut,
    );
  } else if (!isAuthPage && !error) {
    // From the home page, signing in leads to the one thing to do: the API keys page.
    const back = location.pathname === '/' ? DEFAULT_NEXT : currentPath();
    account.replaceChildren(
      h('a', { href: signInUrl(back) }, 'Sign in'),
      h('a', { href: signInUrl(back, '/signup'), class: 'button primary small' }, 'Create an account'),
    );
  } else {
    account.replaceChildren();
  }
}

async function signOutNow(button) {
  button.disabled = true;
  button.textContent = 'Signing out…';
  try {
    await api('POST', '/api/auth/logout');
    location.assign('/signin?signed_out=1');
  } catch (error) {
    button.disabled = false;
    button.textContent = 'Sign out';
    const account = document.querySelector('[data-account]');
    account?.querySelector('.account-error')?.remove();
    account?.append(h('span', { class: 'account-error error', role: 'alert' }, `Couldn't sign out: ${error.message}`));
  }
}

function showGateError(error) {
  const gate = document.querySelector('[data-session-gate]');
  if (!gate) return;
  const notice = h('div', { class: 'notice is-error', role: 'alert' });
  gate.replaceChildren(notice);
  showProblem(notice, `Couldn't check whether you're signed in. ${error.message}`, () => location.reload());
}

/**
 * Shows `message` in `notice` (an element with role="alert"), with a "Try again" button
 * that calls `retry` when one is given.
 */
export function showProblem(notice, message, retry = null) {
  const children = [h('p', {}, message)];
  if (retry) {
    const button = h('button', { type: 'button', class: 'secondary' }, 'Try again');
    button.addEventListener('click', () => retry());
    children.push(h('div', { class: 'actions' }, button));
  }
  notice.replaceChildren(...children);
  notice.hidden = false;
}

/**
 * The session ended while the page was open: says so in `notice` with the page's own
 * `message`, and offers a sign-in that comes back to this very address.
 */
export function showSignedOut(notice, message) {
  const link = h('a', { href: signInUrl(currentPath()), class: 'button primary' }, 'Sign in again');
  notice.replaceChildren(h('p', {}, message), h('div', { class: 'actions' }, link));
  notice.hidden = false;
  link.focus();
}
