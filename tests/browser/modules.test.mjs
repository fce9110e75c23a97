// The portal's pure modules, imported straight from portal/assets/ (they are plain ES modules
// with no DOM use): where to return after sign-in, and relative times.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DEFAULT_NEXT, safeNextPath, signInUrl } from '../../portal/assets/js/next-path.js';
import { relativeTime } from '../../portal/assets/js/time.js';

const ORIGIN = 'https://portal.example';

describe('safeNextPath', () => {
  test('same-site paths are kept, with their query and fragment', () => {
    assert.equal(safeNextPath('/app/account/api-keys', ORIGIN), '/app/account/api-keys');
    assert.equal(safeNextPath('/oauth/authorize?client_id=dcr_1&state=x#y', ORIGIN), '/oauth/authorize?client_id=dcr_1&state=x#y');
    assert.equal(safeNextPath('/docs/../app/account/api-keys', ORIGIN), '/app/account/api-keys');
  });

  test('anything that could leave the site falls back to the API keys page', () => {
    for (const hostile of [
      'https://evil.example/', 'http://portal.example.evil/', '//evil.example', '///evil.example',
      '/\\evil.example', '\\\\evil.example', '/\t/evil.example', '/\n/evil.example', ' /app',
      'javascript:alert(1)', 'data:text/html,hi', 'evil.example', '', null, undefined, 42,
    ]) {
      assert.equal(safeNextPath(hostile, ORIGIN), DEFAULT_NEXT, JSON.stringify(hostile));
    }
  });

  test('the sign-in pages themselves are not a destination', () => {
    assert.equal(safeNextPath('/signin?next=/x', ORIGIN), DEFAULT_NEXT);
    assert.equal(safeNextPath('/signup/', ORIGIN), DEFAULT_NEXT);
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
