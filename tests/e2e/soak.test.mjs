// The short soak: concurrent clients minting, using and revoking keys, with a restart of
// wrangler dev on the same D1 halfway (scripts/soak.mjs; `make soak` runs it for 60 s).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runSoak, summaryLine } from '../../scripts/soak.mjs';

test('under concurrent load every revoke holds at once, nothing is lost across a restart, no 5xx', async () => {
  const result = await runSoak({ durationMs: 10_000, clients: 6 });
  console.log(summaryLine(result));
  assert.deepEqual(result.violations, []);
  assert.equal(result.serverErrors, 0);
  assert.ok(result.mints >= 20, `only ${result.mints} mints`);
  assert.ok(result.revokes >= 3, `only ${result.revokes} revokes`);
  assert.ok(result.keysBeforeRestart > 0);
  assert.ok(result.mints > result.keysBeforeRestart, 'keys were minted after the restart too');
  assert.equal(result.rows, result.mints);
});
