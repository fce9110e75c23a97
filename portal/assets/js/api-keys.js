// The API keys page: mint a key (shown once in the reveal banner), list the account's keys
// 50 at a time with search and filters, revoke one through a confirmation dialog, the
// notice of keys revoked automatically, and the account's recent activity.
//
// The raw key lives only in the banner's input while the banner is open; nothing else
// keeps it. Dismissing the banner, leaving the page or minting another key removes it.
// Every server string (labels, badges, messages, URLs) is rendered as text.

import { api } from './api.js';
import { activityParts, isAutomatic, madeBy, origin, revocationParts } from './describe.js';
import { session, h, showProblem, showSignedOut } from './shell.js';
import { relativeTime, exactTime } from './time.js';

const mintForm = document.getElementById('mint-form');
const labelInput = document.getElementById('mint-label');
const mintButton = document.getElementById('mint-submit');
const mintError = document.getElementById('mint-error');
const revealSlot = document.getElementById('reveal');
const sessionNotice = document.getElementById('session-notice');
const keysSection = document.getElementById('keys-section');
const keysHeading = document.getElementById('keys-title');
const keysLoading = document.getElementById('keys-loading');
const keysError = document.getElementById('keys-error');
const keysEmpty = document.getElementById('keys-empty');
const keysTable = document.getElementById('keys-table');
const keysBody = keysTable.querySelector('tbody');
const keysFilters = document.getElementById('keys-filters');
const keysSearch = document.getElementById('keys-search');
const keysStatus = document.getElementById('keys-status');
const keysSource = document.getElementById('keys-source');
const keysCount = document.getElementById('keys-count');
const keysMore = document.getElementById('keys-more');
const announcer = document.getElementById('announcer');

/** Keys per page of the list (`limit`): plain `/api/keys` would answer every key. */
const KEYS_PER_PAGE = 50;
const notice = document.getElementById('revocation-notice');
const activityLoading = document.getElementById('activity-loading');
const activityError = document.getElementById('activity-error');
const activityEmpty = document.getElementById('activity-empty');
const activityList = document.getElementById('activity-list');
const activityMore = document.getElementById('activity-more');
const dialog = document.getElementById('revoke-dialog');
const dialogPreview = document.getElementById('revoke-preview');
const dialogLabel = document.getElementById('revoke-label');
const dialogError = document.getElementById('revoke-error');
const dialogConfirm = document.getElementById('revoke-confirm');
const dialogCancel = document.getElementById('revoke-cancel');

/** The keys shown, as listed by the API (never with a secret), newest first. */
let keys = [];
/** Where the next page of keys starts (`next_cursor`), or null on the last page. */
let keysCursor = null;
/** The search and filters the shown keys were listed with. */
let shownFilters = { q: '', status: '', source: '' };
/** Bumped by every new listing, so that an older answer arriving late is dropped. */
let listing = 0;
let loadingMoreKeys = false;

await session;
loadKeys();
loadNotice();
loadActivity();
// Keeps "3 minutes ago" true while the page stays open.
setInterval(refreshRelativeTimes, 30_000);

// ---- Listing, search and filters ----

function currentFilters() {
  return { q: keysSearch.value.trim(), status: keysStatus.value, source: keysSource.value };
}

function isFiltered(filters) {
  return Boolean(filters.q || filters.status || filters.source);
}

/** `/api/keys` with the filters and cursor that are set, one page at a time. */
function keysUrl(filters, cursor) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  params.set('limit', String(KEYS_PER_PAGE));
  if (cursor) params.set('cursor', cursor);
  return `/api/keys?${params}`;
}

/**
 * Lists the first page of keys for the current search and filters. "Loading your keys…"
 * shows until the first list; after that the list stays in place, marked busy.
 */
async function loadKeys() {
  const filters = currentFilters();
  const request = ++listing;
  setLoadingMoreKeys(false); // a "Load more" still under way belongs to the old list
  keysSection.setAttribute('aria-busy', 'true');
  keysError.hidden = true;
  try {
    const page = await api('GET', keysUrl(filters));
    if (request !== listing) return; // a newer search has started
    keys = page.keys;
    keysCursor = page.next_cursor ?? null;
    shownFilters = filters;
    keysBody.replaceChildren(...keys.map(keyRow));
    showListOrEmpty();
  } catch (error) {
    if (request !== listing) return;
    if (error.isSignedOut) {
      signedOut();
      showProblem(keysError, "Couldn't load your keys: you're not signed in any more.");
    } else {
      showProblem(keysError, `Couldn't load your keys. ${error.message}`, loadKeys);
    }
  } finally {
    if (request === listing) {
      keysLoading.hidden = true;
      keysSection.removeAttribute('aria-busy');
    }
  }
}

/** Appends the next page. Focus stays on "Load more" while there is more to load. */
async function loadMoreKeys() {
  if (loadingMoreKeys || !keysCursor) return;
  const request = listing;
  setLoadingMoreKeys(true);
  keysError.hidden = true;
  try {
    const page = await api('GET', keysUrl(shownFilters, keysCursor));
    if (request !== listing) return;
    const shown = new Set(keys.map((key) => key.id));
    const added = page.keys.filter((key) => !shown.has(key.id));
    keys.push(...added);
    keysCursor = page.next_cursor ?? null;
    const rows = added.map(keyRow);
    keysBody.append(...rows);
    showListOrEmpty();
    // The button goes away on the last page: focus the first of the rows it brought.
    if (!keysCursor && rows.length) rows[0].focus();
  } catch (error) {
    if (request !== listing) return;
    if (error.isSignedOut) signedOut();
    else showProblem(keysError, `Couldn't load more keys. ${error.message}`, loadMoreKeys);
  } finally {
    if (request === listing) setLoadingMoreKeys(false);
  }
}

/** "Load more" says it is busy without being disabled, which would drop its focus. */
function setLoadingMoreKeys(loading) {
  loadingMoreKeys = loading;
  if (loading) keysMore.setAttribute('aria-disabled', 'true');
  else keysMore.removeAttribute('aria-disabled');
  keysMore.textContent = loading ? 'Loading…' : 'Load more keys';
}

function showListOrEmpty() {
  const filtered = isFiltered(shownFilters);
  keysTable.hidden = keys.length === 0;
  // "No API keys yet" only when the account has none; a search that finds nothing says so.
  keysEmpty.hidden = keys.length !== 0 || filtered;
  keysFilters.hidden = keys.length === 0 && !filtered;
  keysMore.hidden = !keysCursor;
  keysCount.textContent = countText(keys.length, Boolean(keysCursor), filtered);
}

function countText(shown, more, filtered) {
  const noun = shown === 1 ? 'key' : 'keys';
  if (filtered) {
    if (shown === 0) return 'No keys match the search and filters.';
    return more ? `${shown} matching ${noun} shown; more match.` : `${shown} matching ${noun}.`;
  }
  if (shown === 0) return '';
  return more ? `Showing the newest ${shown} ${noun}; more are available.` : `Showing all ${shown} ${noun}.`;
}

keysMore.addEventListener('click', loadMoreKeys);

// Typing searches after a short pause; Enter and the filters apply at once.
let searchTimer = null;
keysSearch.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(loadKeys, 300);
});
keysFilters.addEventListener('change', (event) => {
  if (event.target === keysSearch) return; // typing already searched
  clearTimeout(searchTimer);
  loadKeys();
});
keysFilters.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  loadKeys();
});

function keyRow(key) {
  const revoked = key.status === 'revoked';
  const preview = `…${key.last4}`;
  const row = h('tr', { class: revoked ? 'key-row is-revoked' : 'key-row', 'data-key-id': key.id, tabindex: '-1' });

  const label = key.label
    ? h('td', { class: 'key-label', 'data-column': 'Label' }, key.label)
    : h('td', { class: 'key-label', 'data-column': 'Label' }, h('span', { class: 'no-label' }, 'No label'));

  // A cell with a second line holds both in one element: on narrow screens each cell is a
  // two-column grid of its name and its value.
  const status = revoked
    ? h('div', {}, h('span', { class: 'badge is-revoked' }, 'Revoked'), revocationLine(key))
    : h('span', { class: 'badge is-active' }, 'Active');

  let lastUsed = 'Never';
  if (key.last_used_at) {
    const from = origin({ ip: key.last_used_ip, country: key.last_used_country, userAgent: key.last_used_user_agent });
    lastUsed = h('div', {}, timeElement(key.last_used_at),
      from ? h('span', { class: 'detail-line last-use-origin' }, `from ${from}`) : null);
  }

  const action = h('td', { class: 'key-action', 'data-column': 'Action' });
  if (revoked) {
    action.classList.add('is-empty-action');
  } else {
    const button = h('button', { type: 'button', class: 'secondary small', 'data-revoke': key.id },
      'Revoke', h('span', { class: 'visually-hidden' }, ` key ${preview}`));
    action.append(button);
  }

  row.append(
    label,
    h('td', { 'data-column': 'Key' }, h('span', { class: 'key-preview', title: 'The last 4 characters of the key' }, preview)),
    h('td', { 'data-column': 'Status' }, status),
    h('td', { 'data-column': 'Source' }, sourceBadge(key.source)),
    h('td', { 'data-column': 'Created' }, timeElement(key.created_at)),
    h('td', { 'data-column': 'Last used' }, lastUsed),
    action,
  );
  return row;
}

/** Why and when a key was revoked: "Revoked by you · 2 hours ago". */
function revocationLine(key) {
  const line = h('span', { class: 'detail-line revocation' }, ...renderParts(revocationParts(key.revoked_reason, key.revoked_detail)));
  if (key.revoked_at) {
    if (line.childNodes.length) line.append(' · ');
    line.append(timeElement(key.revoked_at));
  }
  return line;
}

/** A description's parts (describe.js) as nodes: text, a key's last 4, an outside link. */
function renderParts(parts) {
  return parts.map((part) => {
    if (typeof part === 'string') return part;
    if (part.key !== undefined) return h('span', { class: 'key-preview' }, `…${part.key}`);
    return h('a', { href: part.link, rel: 'noopener noreferrer nofollow', class: 'outside-link' }, part.link);
  });
}

function sourceBadge(source) {
  const kind = ['portal', 'oauth', 'unknown'].includes(source?.kind) ? source.kind : 'unknown';
  const fallback = { portal: 'Portal', oauth: `OAuth: ${source?.client_id ?? ''}`, unknown: 'Unknown' }[kind];
  const text = typeof source?.badge === 'string' && source.badge ? source.badge : fallback;
  return h('span', { class: `badge source-${kind}` }, text);
}

function timeElement(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return h('time', { datetime: iso, title: exactTime(date), 'data-relative': '' }, relativeTime(date));
}

function refreshRelativeTimes() {
  const now = new Date();
  for (const element of document.querySelectorAll('time[data-relative]')) {
    element.textContent = relativeTime(new Date(element.getAttribute('datetime')), now);
  }
}

// ---- Minting and the one-shot reveal ----

mintForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (mintButton.disabled) return;
  showMintError(null);
  const label = labelInput.value.trim();
  mintButton.disabled = true;
  mintButton.textContent = 'Minting…';
  try {
    const minted = await api('POST', '/api/keys', label ? { label } : {});
    const { secret, ...key } = minted;
    delete minted.secret;
    keys.unshift(key);
    keysBody.prepend(keyRow(key));
    showListOrEmpty();
    labelInput.value = '';
    showReveal(secret, key);
    refreshActivity();
  } catch (error) {
    if (error.isSignedOut) signedOut();
    showMintError(error);
  } finally {
    mintButton.disabled = false;
    mintButton.textContent = 'Mint new key';
  }
});

function showMintError(error) {
  labelInput.removeAttribute('aria-invalid');
  if (!error) {
    mintError.hidden = true;
    mintError.replaceChildren();
    return;
  }
  mintError.replaceChildren(`Couldn't mint a key. ${error.message}`);
  mintError.hidden = false;
  if (error.code === 'invalid_label') {
    labelInput.setAttribute('aria-invalid', 'true');
    labelInput.focus();
  }
}

function showReveal(secret, key) {
  clearReveal();
  const title = h('h2', { id: 'reveal-title', tabindex: '-1' }, 'Your new API key');
  const input = h('input', {
    id: 'reveal-secret', type: 'text', class: 'mono', readonly: true,
    spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', 'aria-describedby': 'reveal-warning',
  });
  input.value = secret;
  input.addEventListener('focus', () => input.select());
  const copyStatus = h('p', { class: 'copy-status', role: 'status', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'primary' }, 'Copy');
  copy.addEventListener('click', () => copyKey(input, copyStatus));
  const dismiss = h('button', { type: 'button', class: 'secondary' }, 'I have copied this key');
  dismiss.addEventListener('click', () => {
    clearReveal();
    keysHeading.focus();
  });

  revealSlot.append(
    title,
    h('p', { id: 'reveal-warning', class: 'warning' },
      h('strong', {}, '⚠️ Copy the key NOW.'),
      " This is the only time you'll see the full value. The Hadron server stores only a SHA-256 hash; if you lose the key, you can't recover it — you have to revoke and mint a new one."),
    h('label', { for: 'reveal-secret' }, key.label ? `API key “${key.label}”` : 'API key'),
    h('div', { class: 'secret-row' }, input, copy),
    copyStatus,
    h('p', { class: 'help' },
      'The key is immediately usable as a Bearer token against ', h('code', {}, '/mcp'), ': send ',
      h('code', {}, 'Authorization: Bearer hdr_user_…'), '. ',
      h('a', { href: '/docs/authentication#bearer-token' }, 'How to call /mcp with it'), '.'),
    h('div', { class: 'actions' }, dismiss),
  );
  revealSlot.hidden = false;
  window.addEventListener('beforeunload', warnBeforeLeaving);
  title.focus();
}

async function copyKey(input, status) {
  status.classList.remove('is-error');
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(input.value);
    status.textContent = 'Copied';
  } catch {
    input.focus();
    input.select();
    status.classList.add('is-error');
    status.textContent = "Couldn't copy automatically. The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.";
  }
}

/** Removes the raw key from the page: the input is emptied, then the banner's nodes go. */
function clearReveal() {
  const input = revealSlot.querySelector('input');
  if (input) input.value = '';
  revealSlot.replaceChildren();
  revealSlot.hidden = true;
  window.removeEventListener('beforeunload', warnBeforeLeaving);
}

function warnBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = '';
}

// The key must not come back with the page from the back/forward cache.
window.addEventListener('pagehide', clearReveal);

// ---- Revoking ----

let pending = null; // { key, opener } while the dialog is open

keysBody.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-revoke]');
  if (!button) return;
  const key = keys.find((candidate) => candidate.id === button.dataset.revoke);
  if (key) openRevokeDialog(key, button);
});

function openRevokeDialog(key, opener) {
  pending = { key, opener };
  dialogPreview.textContent = `…${key.last4}`;
  dialogLabel.replaceChildren(key.label ? key.label : h('span', { class: 'no-label' }, 'No label'));
  setDialogError(null);
  dialogConfirm.disabled = false;
  dialogConfirm.textContent = 'Yes, revoke this key';
  dialog.showModal();
  dialogCancel.focus();
}

dialogCancel.addEventListener('click', () => dialog.close());

// Escape while the request is in flight would hide its outcome: wait for it.
dialog.addEventListener('cancel', (event) => {
  if (dialogConfirm.disabled) event.preventDefault();
});

dialog.addEventListener('close', () => {
  // The close event comes a task after the dialog closed. If it has been opened again in
  // between (focus returns to Revoke at once, so Enter can do that), the event belongs to
  // the earlier opening and must not drop the key that is pending now.
  if (dialog.open) return;
  const opener = pending?.opener;
  pending = null;
  if (opener?.isConnected) opener.focus();
});

dialogConfirm.addEventListener('click', async () => {
  if (!pending || dialogConfirm.disabled) return;
  const { key } = pending;
  setDialogError(null);
  dialogConfirm.disabled = true;
  dialogConfirm.textContent = 'Revoking…';
  try {
    const revoked = await api('POST', `/api/keys/${encodeURIComponent(key.id)}/revoke`);
    const index = keys.findIndex((candidate) => candidate.id === key.id);
    if (index !== -1) keys[index] = revoked;
    const newRow = keyRow(revoked);
    keysBody.querySelector(`tr[data-key-id="${CSS.escape(key.id)}"]`)?.replaceWith(newRow);
    pending.opener = null; // its row is gone; focus the new row instead
    dialog.close();
    newRow.focus();
    announcer.textContent = `Key …${revoked.last4} revoked.`;
    refreshActivity();
  } catch (error) {
    dialogConfirm.disabled = false;
    dialogConfirm.textContent = 'Yes, revoke this key';
    if (error.isSignedOut) {
      dialog.close();
      signedOut();
      return;
    }
    setDialogError(`Couldn't revoke the key. ${error.message}`);
  }
});

function setDialogError(message) {
  dialogError.textContent = message ?? '';
  dialogError.hidden = !message;
}

// ---- Keys revoked automatically ----

/** The notice's keys: revoked by anything but the user, not yet dismissed. */
async function loadNotice() {
  notice.setAttribute('aria-busy', 'true');
  try {
    const { keys: revoked } = await api('GET', '/api/revocation-notice');
    renderNotice(revoked);
  } catch (error) {
    if (error.isSignedOut) return; // the key list says so
    notice.className = 'notice is-error';
    notice.setAttribute('role', 'alert');
    showProblem(notice, `Couldn't check for keys revoked automatically. ${error.message}`, loadNotice);
  } finally {
    notice.removeAttribute('aria-busy');
  }
}

function renderNotice(revoked) {
  notice.className = 'notice is-warning';
  notice.removeAttribute('role');
  const automatic = revoked.filter((key) => isAutomatic(key.revoked_reason));
  if (automatic.length === 0) {
    notice.replaceChildren();
    notice.hidden = true;
    return;
  }
  const title = automatic.length === 1
    ? 'A key was revoked automatically'
    : `${automatic.length} keys were revoked automatically`;
  const items = automatic.map((key) => h('li', { 'data-key-id': key.id },
    h('span', { class: 'key-preview' }, `…${key.last4}`),
    key.label ? ` “${key.label}”` : '',
    ' — ', ...renderParts(revocationParts(key.revoked_reason, key.revoked_detail)),
    key.revoked_at ? ' · ' : '',
    key.revoked_at ? timeElement(key.revoked_at) : '',
  ));
  const dismiss = h('button', { type: 'button', class: 'secondary' }, 'Dismiss');
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  dismiss.addEventListener('click', () => dismissNotice(automatic.map((key) => key.id), dismiss, problem));
  notice.replaceChildren(
    h('h2', { id: 'revocation-notice-title' }, title),
    h('ul', { class: 'notice-keys' }, ...items),
    h('p', {}, 'Each stopped working the moment it was revoked, and stays in the list below. If you still need access, mint a new key or connect the app again.'),
    problem,
    h('div', { class: 'actions' }, dismiss),
  );
  notice.hidden = false;
}

/** Dismisses the notice of exactly the keys it showed, for every device. */
async function dismissNotice(ids, button, problem) {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  problem.hidden = true;
  try {
    await api('POST', '/api/revocation-notice/dismiss', { key_ids: ids });
    notice.replaceChildren();
    notice.hidden = true;
    keysHeading.focus();
    announcer.textContent = 'Notice dismissed.';
  } catch (error) {
    button.removeAttribute('aria-disabled');
    if (error.isSignedOut) {
      signedOut();
      return;
    }
    problem.textContent = `Couldn't dismiss the notice. ${error.message}`;
    problem.hidden = false;
  }
}

// ---- Recent activity ----

/** The entries shown, newest first, and where the next page starts. */
let activity = [];
let activityCursor = null;
let loadingActivity = false;

async function loadActivity() {
  activityLoading.hidden = false;
  activityError.hidden = true;
  try {
    const page = await api('GET', '/api/activity');
    activity = page.activity;
    activityCursor = page.next_cursor ?? null;
    activityList.replaceChildren(...activity.map(activityItem));
    showActivity();
  } catch (error) {
    if (error.isSignedOut) signedOut();
    else showProblem(activityError, `Couldn't load the activity. ${error.message}`, loadActivity);
  } finally {
    activityLoading.hidden = true;
  }
}

/**
 * After a change made on this page: the newest entries go on top of what is shown. When
 * more entries arrived than a page holds, the list starts over from the newest.
 */
async function refreshActivity() {
  try {
    const page = await api('GET', '/api/activity');
    const shown = new Set(activity.map((entry) => entry.id));
    const fresh = page.activity.filter((entry) => !shown.has(entry.id));
    if (fresh.length < page.activity.length) {
      // The page reaches into what is shown: the new entries go on top, the cursor stays.
      activity = [...fresh, ...activity];
      activityList.prepend(...fresh.map(activityItem));
    } else {
      activity = page.activity;
      activityCursor = page.next_cursor ?? null;
      activityList.replaceChildren(...activity.map(activityItem));
    }
    showActivity();
  } catch {
    // The change itself succeeded; the list catches up on the next load.
  }
}

async function loadMoreActivity() {
  if (loadingActivity || !activityCursor) return;
  loadingActivity = true;
  activityMore.setAttribute('aria-disabled', 'true');
  activityMore.textContent = 'Loading…';
  activityError.hidden = true;
  try {
    const page = await api('GET', `/api/activity?cursor=${encodeURIComponent(activityCursor)}`);
    const shown = new Set(activity.map((entry) => entry.id));
    const added = page.activity.filter((entry) => !shown.has(entry.id));
    activity.push(...added);
    activityCursor = page.next_cursor ?? null;
    const items = added.map(activityItem);
    activityList.append(...items);
    showActivity();
    if (!activityCursor && items.length) items[0].focus();
  } catch (error) {
    if (error.isSignedOut) signedOut();
    else showProblem(activityError, `Couldn't load more activity. ${error.message}`, loadMoreActivity);
  } finally {
    loadingActivity = false;
    activityMore.removeAttribute('aria-disabled');
    activityMore.textContent = 'Load more activity';
  }
}

activityMore.addEventListener('click', loadMoreActivity);

function showActivity() {
  activityList.hidden = activity.length === 0;
  activityEmpty.hidden = activity.length !== 0;
  activityMore.hidden = !activityCursor;
}

function activityItem(entry) {
  const from = origin({ ip: entry.ip, country: entry.country, userAgent: entry.user_agent });
  return h('li', { class: 'activity-entry', 'data-kind': entry.kind, tabindex: '-1' },
    h('p', { class: 'activity-what' }, ...renderParts(activityParts(entry))),
    h('p', { class: 'activity-meta' },
      timeElement(entry.created_at),
      ' · ',
      from ? `from ${from}` : madeBy(entry)),
  );
}

// ---- Session expiry ----

function signedOut() {
  showSignedOut(sessionNotice,
    'Your session has expired or you signed out in another tab, so the page can no longer talk to Hadron. Sign in again to continue; your keys are unchanged.');
}
