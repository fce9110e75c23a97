// The tests build their databases with tests/support/d1.mjs; `make dev` and a deployment
// migrate with `wrangler d1 migrations apply`. Both must give the same database, and a
// folder prepared by the tests must be one that wrangler sees as fully migrated.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { runWrangler } from '../support/app.mjs';
import { migrate, migrationFiles, query } from '../support/d1.mjs';

const dirs = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hadron-migrations-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const applyWithWrangler = (dir) => runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir]);

/**
 * Schema SQL as SQLite keeps it, without what does not change its meaning: wrangler
 * drops the migrations' comments, SQLite keeps them, and whitespace differs.
 */
const normalise = (sql) => sql?.replace(/--[^\n]*/g, ' ').replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();

/** Every table, index and trigger with its SQL, and the migrations recorded as applied. */
async function describeDatabase(dir) {
  const schema = (await query(dir, `SELECT type, name, tbl_name, sql FROM sqlite_master
    WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY type, name`))
    .map((entry) => ({ ...entry, sql: normalise(entry.sql) }));
  const applied = (await query(dir, 'SELECT name FROM d1_migrations ORDER BY id')).map((row) => row.name);
  return { schema, applied };
}

test('the tests\' migrations and wrangler\'s give the same database, and wrangler finds nothing left to apply', async () => {
  const ours = freshDir();
  const wranglers = freshDir();
  await migrate(ours);
  await applyWithWrangler(wranglers);

  const expected = await describeDatabase(wranglers);
  assert.deepEqual(expected.applied, migrationFiles(), 'wrangler applied every migration file, in order');
  assert.ok(expected.schema.some((entry) => entry.name === 'api_keys'), 'the schema was read');
  assert.deepEqual(await describeDatabase(ours), expected);

  // What `make dev --persist-to` does with a folder the tests prepared: nothing.
  const output = await applyWithWrangler(ours);
  assert.match(output, /No migrations to apply/);
  assert.deepEqual(await describeDatabase(ours), expected);
});

test('migrating twice changes nothing', async () => {
  const dir = freshDir();
  await migrate(dir);
  const once = await describeDatabase(dir);
  await migrate(dir);
  assert.deepEqual(await describeDatabase(dir), once);
});
