// Sign-in and sign-up. With this script, both forms post JSON to the API and, on success,
// go to `next` (only ever a path on this site), by default the API keys page. Before the
// script has loaded (or without it) the same forms post natively (`method="post"`, to the
// page's own URL, which keeps its `next`): the Worker then answers with a redirect, to
// `next` or back here with `?error=<code>`, which this script explains. Either way the
// password travels in the body, never in a URL.

import { api } from './api.js';
import { session } from './shell.js';
import { safeNextPath, signInUrl } from './next-path.js';

const form = document.querySelector('[data-auth-form]');
const mode = form.dataset.authForm; // "signin" | "signup"
const params = new URLSearchParams(location.search);
const next = safeNextPath(params.get('next'), location.origin);
const errorBox = form.querySelector('[data-form-error]');
const submit = form.querySelector('button[type="submit"]');
const submitText = submit.textContent;

// A native post that failed came back with its error code.
const FORM_ERRORS = {
  invalid_credentials: 'The email or password is incorrect.',
  invalid_email: 'Enter a valid email address.',
  invalid_password: 'Use at least 8 characters.',
  email_taken: 'An account with this email already exists. Sign in instead.',
  too_many_requests: 'Too many attempts. Wait a few minutes and try again.',
};
if (params.has('error')) {
  const code = params.get('error');
  showError({ code, message: FORM_ERRORS[code] ?? 'That did not work. Try again.' });
}

// Links between the two pages keep the destination.
for (const link of document.querySelectorAll('[data-keep-next]')) {
  link.setAttribute('href', signInUrl(next, link.dataset.keepNext));
}

const notice = document.querySelector('[data-auth-notice]');
if (notice) {
  if (params.has('signed_out')) {
    notice.textContent = "You've signed out.";
    notice.hidden = false;
  } else if (params.has('next')) {
    notice.textContent = 'Sign in to continue.';
    notice.hidden = false;
  }
}

// Already signed in: there is nothing to do here.
session.then(({ user }) => {
  if (user) location.replace(next);
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  const email = form.elements.email.value.trim();
  const password = form.elements.password.value;
  showError(null);
  submit.disabled = true;
  submit.textContent = mode === 'signin' ? 'Signing in…' : 'Creating your account…';
  try {
    await api('POST', mode === 'signin' ? '/api/auth/login' : '/api/auth/signup', { email, password });
    location.assign(next);
  } catch (error) {
    showError(error);
    submit.disabled = false;
    submit.textContent = submitText;
  }
});

function showError(error) {
  for (const input of form.querySelectorAll('input')) input.removeAttribute('aria-invalid');
  if (!error) {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    return;
  }
  errorBox.replaceChildren(error.message);
  if (error.code === 'email_taken') {
    const link = document.createElement('a');
    link.href = signInUrl(next);
    link.textContent = 'Sign in';
    errorBox.append(' ', link);
  }
  errorBox.hidden = false;
  const field = { invalid_email: 'email', invalid_password: 'password', email_taken: 'email' }[error.code];
  if (field) {
    form.elements[field].setAttribute('aria-invalid', 'true');
    form.elements[field].focus();
  }
}
