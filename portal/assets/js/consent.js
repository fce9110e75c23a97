// The OAuth consent page. `GET /oauth/authorize` sends the browser here with the
// authorization request as the query; the page asks the API what that request means
// (which client, where it sends the user back, which account), and posts Approve or Deny
// with the session's CSRF token. The API answers where to go next: back to the client.
//
// The decision is a fetch, not a <form>: the CSP's `form-action 'self'` would block the
// redirect to the client. Every server string, above all the client's self-chosen name,
// is rendered as text.

import { api } from './api.js';
import { session, h, showProblem, showSignedOut } from './shell.js';

const ROLE_NAMES = { member: 'member', org_admin: 'org admin' };

/** The authorization request exactly as the authorize endpoint passed it on. */
const request = location.search.slice(1);

const title = document.getElementById('consent-title');
const sessionNotice = document.getElementById('session-notice');
const loading = document.getElementById('consent-loading');
const problem = document.getElementById('consent-problem');
const card = document.getElementById('consent');
const lede = document.getElementById('consent-lede');
const approveButton = document.getElementById('approve');
const denyButton = document.getElementById('deny');
const decisionStatus = document.getElementById('decision-status');
const decisionError = document.getElementById('decision-error');

/** The request's details from the API, once loaded. */
let details = null;

await session;
loadDetails();

// Coming back from the client with the Back button must not show a page whose buttons
// are still disabled from the decision already sent.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});

// ---- The request's details ----

async function loadDetails() {
  loading.hidden = false;
  problem.hidden = true;
  try {
    details = await api('GET', `/api/oauth/consent?${request}`);
    render(details);
  } catch (error) {
    if (error.isSignedOut) signedOut();
    else if (error.code === 'invalid_authorization_request') showInvalidRequest(error);
    else showProblem(problem, `Couldn't load this connection request. ${error.message}`, loadDetails);
  } finally {
    loading.hidden = true;
  }
}

/** What each kind of destination means, said plainly under its name. */
const DESTINATION_EXPLAINED = {
  web: 'A website. Whoever runs this site receives the key.',
  this_computer: 'A program running on this computer, such as a desktop app or an editor that is waiting for you.',
  app: 'Whichever app on your device opens links of this kind.',
};

function render({ client, redirect_uri: redirectUri, destination, redirect_destination: label, resource, user }) {
  // The page leads with where the key goes: that is what an impostor cannot fake. The
  // client's name comes second, marked for what it is worth.
  title.textContent = `Send a Hadron key to ${label}?`;
  document.title = `Send a key to ${label}? · Hadron`;
  setText('redirect-destination', label);
  setText('destination-explained', DESTINATION_EXPLAINED[destination?.kind] ?? '');
  setText('redirect-uri', redirectUri);
  setText('client-name', client.name);
  const vouched = typeof client.vouched_by === 'string' && client.vouched_by;
  document.getElementById('name-unverified').hidden = Boolean(vouched);
  const vouch = document.getElementById('name-vouched');
  vouch.hidden = !vouched;
  if (vouched) {
    vouch.replaceChildren('Described by a document published at ', h('strong', {}, client.vouched_by), ', which vouches for this app');
  }
  setText('client-id', client.client_id ?? client.id);
  document.getElementById('client-uri-row').hidden = !client.client_uri;
  setText('client-uri', client.client_uri ?? '');
  setText('user-email', user.email);
  const role = ROLE_NAMES[user.role];
  setText('user-role', role ? ` (your role: ${role})` : '');
  setText('resource', resource || '/mcp');
  const grantsClient = document.getElementById('grants-client');
  grantsClient.replaceChildren('“', h('bdi', {}, client.name), '”');
  setText('badge-preview', `OAuth: ${client.id}`);

  lede.hidden = false;
  card.hidden = false;
  title.focus();
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

/**
 * The request no longer checks out (unknown client, changed redirect URI, …): no
 * decision is possible. When the server can tell the client so, offer to go back to it.
 */
function showInvalidRequest(error) {
  lede.hidden = true;
  card.hidden = true;
  title.textContent = 'This connection request can’t continue';
  document.title = 'Connection request failed · Hadron';
  const redirectTo = typeof error.body?.redirect_to === 'string' ? error.body.redirect_to : null;
  const destination = typeof error.body?.redirect_destination === 'string' ? error.body.redirect_destination : 'the app';
  const actions = h('div', { class: 'actions' });
  if (redirectTo) actions.append(h('a', { href: redirectTo, class: 'button primary', 'data-return': '' }, `Return to ${destination}`));
  actions.append(h('a', { href: '/app/account/api-keys' }, 'Go to your API keys'));
  problem.replaceChildren(
    h('p', {}, error.message),
    h('p', {}, redirectTo
      ? 'Return to the app to tell it, then try connecting again from there.'
      : 'Go back to the app and try connecting again. If it keeps happening, remove the connection in the app and add it anew.'),
    actions,
  );
  problem.hidden = false;
  title.focus();
}

// ---- The decision ----

approveButton.addEventListener('click', () => decide('approve'));
denyButton.addEventListener('click', () => decide('deny'));

async function decide(decision) {
  if (!details || approveButton.disabled) return;
  const button = decision === 'approve' ? approveButton : denyButton;
  setDecisionError(null);
  approveButton.disabled = true;
  denyButton.disabled = true;
  button.textContent = decision === 'approve' ? 'Approving…' : 'Denying…';
  try {
    const { redirect_to: redirectTo } = await api('POST', '/api/oauth/consent', {
      request, decision, csrf_token: details.csrf_token,
    });
    const done = decision === 'approve' ? 'Approved' : 'Denied';
    decisionStatus.textContent = `${done}. Sending you back to ${details.redirect_destination}… You can close this tab once the app has taken over.`;
    location.assign(redirectTo);
  } catch (error) {
    approveButton.disabled = false;
    denyButton.disabled = false;
    approveButton.textContent = 'Approve';
    denyButton.textContent = 'Deny';
    if (error.isSignedOut) {
      signedOut();
    } else if (error.code === 'invalid_authorization_request') {
      showInvalidRequest(error);
    } else if (error.code === 'invalid_csrf_token') {
      const reload = h('button', { type: 'button', class: 'secondary small' }, 'Reload the page');
      reload.addEventListener('click', () => location.reload());
      setDecisionError(error.message, reload);
    } else {
      setDecisionError(`Couldn't send your answer. ${error.message}`);
    }
  }
}

function setDecisionError(message, ...extra) {
  if (!message) {
    decisionError.hidden = true;
    decisionError.replaceChildren();
    return;
  }
  decisionError.replaceChildren(h('p', {}, message), ...extra.map((element) => h('div', { class: 'actions' }, element)));
  decisionError.hidden = false;
}

// ---- Session expiry ----

function signedOut() {
  showSignedOut(sessionNotice,
    'Your session has expired or you signed out in another tab. Sign in again to continue; you’ll come back to this request and nothing has been decided yet.');
}
