// The API keys page: mint a key (shown once in the reveal banner), list every key of the
// account, revoke one through a confirmation dialog.
//
// The raw key lives only in the banner's input while the banner is open; nothing else
// keeps it. Dismissing the banner, leaving the page or minting another key removes it.
// Every server string (labels, badges, messages) is rendered as text.

import { api } from './api.js';
import { session, h, showProblem, showSignedOut } from './shell.js';
import { relativeTime, exactTime } from './time.js';

const mintForm = document.getElementById('mint-form');
const labelInput = document.getElementById('mint-label');
const mintButton = document.getElementById('mint-submit');
const mintError = document.getElementById('mint-error');
const revealSlot = document.getElementById('reveal');
const sessionNotice = document.getElementById('session-notice');
const keysHeading = document.getElementById('keys-title');
const keysLoading = document.getElementById('keys-loading');
const keysError = document.getElementById('keys-error');
const keysEmpty = document.getElementById('keys-empty');
const keysTable = document.getElementById('keys-table');
const keysBody = keysTable.querySelector('tbody');
const announcer = document.getElementById('announcer');
const dialog = document.getElementById('revoke-dialog');
const dialogPreview = document.getElementById('revoke-preview');
const dialogLabel = document.getElementById('revoke-label');
const dialogError = document.getElementById('revoke-error');
const dialogConfirm = document.getElementById('revoke-confirm');
const dialogCancel = document.getElementById('revoke-cancel');

/** The keys as listed by the API (never with a secret), newest first. */
let keys = [];

await session;
loadKeys();
// Keeps "3 minutes ago" true while the page stays open.
setInterval(refreshRelativeTimes, 30_000);

// ---- Listing ----

async function loadKeys() {
  keysLoading.hidden = false;
  keysError.hidden = true;
  try {
    ({ keys } = await api('GET', '/api/keys'));
    renderKeys();
  } catch (error) {
    if (error.isSignedOut) {
      signedOut();
      showProblem(keysError, "Couldn't load your keys: you're not signed in any more.");
    } else {
      showProblem(keysError, `Couldn't load your keys. ${error.message}`, loadKeys);
    }
  } finally {
    keysLoading.hidden = true;
  }
}

function renderKeys() {
  keysBody.replaceChildren(...keys.map(keyRow));
  showListOrEmpty();
}

function showListOrEmpty() {
  keysTable.hidden = keys.length === 0;
  keysEmpty.hidden = keys.length !== 0;
}

function keyRow(key) {
  const revoked = key.status === 'revoked';
  const preview = `…${key.last4}`;
  const row = h('tr', { class: revoked ? 'key-row is-revoked' : 'key-row', 'data-key-id': key.id, tabindex: '-1' });

  const label = key.label
    ? h('td', { class: 'key-label', 'data-column': 'Label' }, key.label)
    : h('td', { class: 'key-label', 'data-column': 'Label' }, h('span', { class: 'no-label' }, 'No label'));

  const status = revoked
    ? h('span', { class: 'badge is-revoked', title: key.revoked_at ? `Revoked ${exactTime(new Date(key.revoked_at))}` : null }, 'Revoked')
    : h('span', { class: 'badge is-active' }, 'Active');

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
    h('td', { 'data-column': 'Last used' }, key.last_used_at ? timeElement(key.last_used_at) : 'Never'),
    action,
  );
  return row;
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

// ---- Session expiry ----

function signedOut() {
  showSignedOut(sessionNotice,
    'Your session has expired or you signed out in another tab, so the page can no longer talk to Hadron. Sign in again to continue; your keys are unchanged.');
}
