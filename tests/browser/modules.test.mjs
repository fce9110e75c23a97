// The portal's pure modules, imported straight from portal/assets/ (they are plain ES modules
// with no DOM use): where to return after sign-in, relative times, and the words for why a
// key was revoked and for each activity entry.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  activityParts, countryName, isAutomatic, linkableUrl, madeBy, origin, revocationParts,
} from '../../portal/assets/js/describe.js';
import { DEFAULT_NEXT, safeNextPath, signInUrl } from '../../portal/assets/js/next-path.js';
import { relativeTime } from '../../portal/assets/js/time.js';

const ORIGIN = 'https://portal.example';

// The same inputs the server's rule (src/next_path.rs) is tested on.
const NEXT_PATHS = JSON.parse(readFileSync(new URL('../fixtures/next-paths.json', import.meta.url), 'utf8'));

describe('safeNextPath', () => {
  test('same-site paths are kept, normalised, with their query and fragment', () => {
    for (const [raw, expected] of NEXT_PATHS.kept) {
      assert.equal(safeNextPath(raw, ORIGIN), expected, JSON.stringify(raw));
    }
  });

  test('anything that could leave the site, or loop back to sign-in, falls back to the API keys page', () => {
    for (const hostile of [...NEXT_PATHS.refused, null, undefined, 42]) {
      assert.equal(safeNextPath(hostile, ORIGIN), DEFAULT_NEXT, JSON.stringify(hostile));
    }
  });

  test('signInUrl encodes the path it will return to', () => {
    assert.equal(signInUrl('/app/account/api-keys?a=1&b=2'), '/signin?next=%2Fapp%2Faccount%2Fapi-keys%3Fa%3D1%26b%3D2');
    assert.equal(signInUrl('/docs', '/signup'), '/signup?next=%2Fdocs');
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  const ago = (seconds) => new Date(now.getTime() - seconds * 1000);

  test('reads like the seed: "3 minutes ago"', () => {
    assert.equal(relativeTime(ago(3 * 60 + 5), now), '3 minutes ago');
    assert.equal(relativeTime(ago(60), now), '1 minute ago');
    assert.equal(relativeTime(ago(2 * 3600), now), '2 hours ago');
    assert.equal(relativeTime(ago(3 * 86400), now), '3 days ago');
    assert.equal(relativeTime(ago(14 * 86400), now), '2 weeks ago');
    assert.equal(relativeTime(ago(65 * 86400), now), '2 months ago');
    assert.equal(relativeTime(ago(400 * 86400), now), '1 year ago');
  });

  test('under a minute, or slightly in the future (clock skew), is "just now"', () => {
    assert.equal(relativeTime(ago(0), now), 'just now');
    assert.equal(relativeTime(ago(59), now), 'just now');
    assert.equal(relativeTime(ago(-30), now), 'just now');
  });
});

describe('why a key was revoked', () => {
  test('each reason has the page\'s sentence', () => {
    assert.deepEqual(revocationParts('user'), ['Revoked by you']);
    assert.deepEqual(revocationParts('client'), ['Given back by the app (RFC 7009)']);
    assert.deepEqual(revocationParts('replaced'), ['Replaced by a newer connection of the same app']);
    assert.deepEqual(revocationParts('code_replay'), ['Revoked: its authorization code was used twice']);
    assert.deepEqual(revocationParts(null), [], 'revoked before reasons were recorded');
    assert.deepEqual(revocationParts('bored'), []);
  });

  test('a leak links to where it was found, only over http(s)', () => {
    const url = 'https://github.com/ada/dotfiles/blob/main/.env';
    assert.deepEqual(revocationParts('leaked', url), ['Found in public: ', { link: url }]);
    assert.deepEqual(revocationParts('leaked', 'http://paste.example/x'), ['Found in public: ', { link: 'http://paste.example/x' }]);
    for (const hostile of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'JaVaScRiPt:alert(1)', '//evil.example', 'not a url']) {
      assert.deepEqual(revocationParts('leaked', hostile), [`Found in public: ${hostile}`], hostile);
      assert.equal(linkableUrl(hostile), null, hostile);
    }
    assert.deepEqual(revocationParts('leaked', null), ['Found in public']);
  });

  test('everything but the user\'s own revocation is automatic', () => {
    assert.equal(isAutomatic('user'), false);
    for (const reason of ['client', 'replaced', 'code_replay', 'leaked']) assert.equal(isAutomatic(reason), true, reason);
    assert.equal(isAutomatic(null), false);
  });
});

describe('activity entries', () => {
  const key = { id: 'key_1', last4: 'a1b2', label: 'laptop' };

  test('say what happened, to which key or with which app', () => {
    assert.deepEqual(activityParts({ kind: 'key_minted', key, detail: {} }), ['Minted key ', { key: 'a1b2' }, ' “laptop”']);
    assert.deepEqual(activityParts({ kind: 'key_revoked', key: { ...key, label: null }, detail: { reason: 'user' } }),
      ['Revoked key ', { key: 'a1b2' }, ' — ', 'Revoked by you']);
    assert.deepEqual(activityParts({ kind: 'consent_approved', key: null, detail: { client_id: 'dcr_1', client_name: 'Claude' } }),
      ['Approved “Claude” (dcr_1) to connect']);
    assert.deepEqual(activityParts({ kind: 'consent_denied', key: null, detail: { client_id: 'dcr_1', client_name: 'Claude' } }),
      ['Denied “Claude” (dcr_1) access']);
    assert.deepEqual(activityParts({ kind: 'role_changed', key: null, detail: { from: 'member', to: 'org_admin' } }),
      ['Role changed from member to org admin']);
    assert.deepEqual(activityParts({ kind: 'leak_reported', key, detail: { url: 'https://gist.github.com/1' } }),
      ['Key ', { key: 'a1b2' }, ' “laptop”', ' reported', ' as leaked — ', 'Found in public: ', { link: 'https://gist.github.com/1' }]);
    assert.deepEqual(activityParts({ kind: 'new_address_sign_in', key: null, detail: {} }), ['Signed in from a new address']);
    assert.deepEqual(activityParts({ kind: 'something_new', key: null, detail: {} }), ['Account event']);
  });

  test('a change without an address says who made it', () => {
    assert.equal(madeBy({ kind: 'leak_reported', detail: { url: 'https://gist.github.com/1' } }), 'reported by GitHub secret scanning');
    assert.equal(madeBy({ kind: 'key_revoked', detail: { reason: 'leaked' } }), 'reported by GitHub secret scanning');
    assert.equal(madeBy({ kind: 'key_revoked', detail: { reason: 'user' } }), 'made outside the portal, from no known address');
    assert.equal(madeBy({ kind: 'role_changed', detail: null }), 'made outside the portal, from no known address');
  });

  test('where a request came from reads as address (country) · client', () => {
    assert.equal(origin({ ip: '203.0.113.7', country: 'DE', userAgent: 'curl/8.5.0' }), '203.0.113.7 (Germany) · curl/8.5.0');
    assert.equal(origin({ ip: '203.0.113.7', country: null, userAgent: null }), '203.0.113.7');
    assert.equal(origin({ ip: null, country: null, userAgent: 'node' }), 'node');
    assert.equal(origin({ ip: null, country: null, userAgent: null }), null);
    assert.equal(countryName('T1'), 'Tor network');
    assert.equal(countryName('NZ'), 'New Zealand');
    assert.equal(countryName(null), null);
  });
});
