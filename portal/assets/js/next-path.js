// Where to go after signing in. Only a path on this same site is accepted, so a crafted
// link (`/signin?next=https://evil.example`) cannot send anyone elsewhere.

export const DEFAULT_NEXT = '/app/account/api-keys';

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const AUTH_PAGES = new Set(['/signin', '/signup']);

/**
 * `raw` when it is a same-origin relative path (`/…`, not `//…` or `/\…`), normalised
 * to path + query + fragment; `fallback` otherwise.
 */
export function safeNextPath(raw, origin, fallback = DEFAULT_NEXT) {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//')) return fallback;
  // Browsers read `\` as `/` and drop tabs and newlines, turning `/\evil` into `//evil`.
  if (raw.includes('\\') || /%5c/i.test(raw) || CONTROL_CHARACTERS.test(raw)) return fallback;
  let url;
  try {
    url = new URL(raw, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin) return fallback;
  // Normalised, `/.//evil.example` is the path `//evil.example`: as a location, that is
  // another site. The check is on the path a browser would follow, not on the text.
  if (url.pathname.startsWith('//') || url.pathname.startsWith('/\\')) return fallback;
  // Going "back" to a sign-in page after signing in would be a loop.
  if (AUTH_PAGES.has(url.pathname.replace(/\/+$/, ''))) return fallback;
  return url.pathname + url.search + url.hash;
}

/** The sign-in page, told to come back to `path` afterwards. */
export function signInUrl(path, page = '/signin') {
  return `${page}?${new URLSearchParams({ next: path })}`;
}
