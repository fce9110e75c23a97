// The portal's pure modules, imported straight from portal/assets/ (they are plain ES modules
// with no DOM use): where to return after sign-in, and relative times.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

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
