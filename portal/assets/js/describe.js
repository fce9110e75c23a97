// Words for what happened to a key or to the account: why a key was revoked, and each
// entry of the activity log. Pure, no DOM: a description is a list of parts, each a string
// or `{ key }` (a key's last 4, shown as in the key list) or `{ link }` (an http(s) URL,
// shown as a link); api-keys.js turns them into elements, always as text.
// tests/browser/modules.test.mjs reads them in Node.

/** What the page says for each reason a key can be revoked (`revoked_reason`). */
export const REVOCATION_REASONS = {
  user: 'Revoked by you',
  client: 'Given back by the app (RFC 7009)',
  replaced: 'Replaced by a newer connection of the same app',
  code_replay: 'Revoked: its authorization code was used twice',
};

/** `raw` when it is an http or https URL, else null: nothing else becomes a link. */
export function linkableUrl(raw) {
  if (typeof raw !== 'string') return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** "Found in public: <link>", or the address as text when it cannot be a link. */
function leakParts(url) {
  const link = linkableUrl(url);
  if (link) return ['Found in public: ', { link }];
  return typeof url === 'string' && url ? [`Found in public: ${url}`] : ['Found in public'];
}

/** Why a key was revoked, as parts; empty for a key revoked before reasons were recorded. */
export function revocationParts(reason, detail) {
  if (reason === 'leaked') return leakParts(detail);
  const text = REVOCATION_REASONS[reason];
  return text ? [text] : [];
}

/** True for a revocation the user did not make themselves (the page announces those). */
export function isAutomatic(reason) {
  return typeof reason === 'string' && reason !== 'user';
}

const ROLES = { member: 'member', org_admin: 'org admin' };

function roleName(role) {
  return ROLES[role] ?? String(role ?? 'unknown');
}

/** A key as the activity log names it: its last 4 and its label. */
function keyParts(key) {
  return key.label ? [{ key: key.last4 }, ` “${key.label}”`] : [{ key: key.last4 }];
}

function clientName(detail) {
  const name = typeof detail?.client_name === 'string' && detail.client_name ? detail.client_name : 'an app';
  const id = typeof detail?.client_id === 'string' ? ` (${detail.client_id})` : '';
  return `“${name}”${id}`;
}

/** What an activity entry (`GET /api/activity`) says happened, as parts. */
export function activityParts(entry) {
  const detail = entry.detail ?? {};
  const key = entry.key ? keyParts(entry.key) : null;
  switch (entry.kind) {
    case 'key_minted':
      return key ? ['Minted key ', ...key] : ['Minted a key'];
    case 'key_revoked': {
      const why = revocationParts(detail.reason, detail.url);
      return [...(key ? ['Revoked key ', ...key] : ['Revoked a key']), ...(why.length ? [' — ', ...why] : [])];
    }
    case 'consent_approved':
      return [`Approved ${clientName(detail)} to connect`];
    case 'consent_denied':
      return [`Denied ${clientName(detail)} access`];
    case 'role_changed':
      return [`Role changed from ${roleName(detail.from)} to ${roleName(detail.to)}`];
    case 'leak_reported':
      return [...(key ? ['Key ', ...key, ' reported'] : ['A key was reported']), ' as leaked — ', ...leakParts(detail.url)];
    case 'new_address_sign_in':
      return ['Signed in from a new address'];
    default:
      return ['Account event'];
  }
}

/**
 * Who made a change whose request carried no address: GitHub's secret scanning for a leak
 * report and the revocation it caused, the database for anything else (a role set with
 * scripts/set-role.mjs).
 */
export function madeBy(entry) {
  const leak = entry.kind === 'leak_reported' || (entry.kind === 'key_revoked' && entry.detail?.reason === 'leaked');
  return leak ? 'reported by GitHub secret scanning' : 'made outside the portal, from no known address';
}

const regions = new Intl.DisplayNames(['en'], { type: 'region' });

/** "Germany" for "DE"; Cloudflare's "T1" is Tor. Unknown codes stay as they are. */
export function countryName(code) {
  if (typeof code !== 'string' || !code) return null;
  if (code === 'T1') return 'Tor network';
  try {
    return regions.of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * Where a request came from, in words: "203.0.113.7 (Germany) · curl/8.5.0". `null` when
 * nothing is known (a change made straight in the database, or a local run).
 */
export function origin({ ip, country, userAgent }) {
  const place = countryName(country);
  const address = ip ? (place ? `${ip} (${place})` : ip) : place;
  const parts = [address, userAgent].filter((part) => typeof part === 'string' && part);
  return parts.length ? parts.join(' · ') : null;
}
