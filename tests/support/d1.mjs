// The local D1 database of a test, the soak or the benchmark: created with the real
// migrations, read and written from Node, without wrangler.
//
// `wrangler dev --persist-to DIR` keeps the database in DIR/v3/d1, in the SQLite file
// Miniflare names after the database id of wrangler.toml. This module opens that same file
// in a workerd of its own, started by Miniflare's Node API with the `DB` binding and a
// tiny Worker, and talks to it only through `dispatchFetch`: an ordinary asynchronous
// HTTP request, so this process's event loop keeps running throughout.
//
// Why not `wrangler d1 migrations apply --local` and `wrangler d1 execute --local`, as
// before: seen once (2026-11-29, a fresh-clone `make test`), `migrations apply` never
// ended. wrangler reaches the database through Miniflare's binding proxy, which blocks
// wrangler's main thread (`Atomics.wait` in its `SynchronousFetcher`) until workerd
// answers, and that same thread is the only reader of workerd's stderr. workerd had
// 336 KB of stderr queued and sat blocked in write(2): neither side could go on. Here
// nothing ever blocks the thread that reads workerd's output. It is also about twenty times
// quicker (≈ 0.2 s for a command against 3–9 s for wrangler's).
//
// `make dev` still migrates with wrangler, as users do; tests/e2e/migrations.test.mjs
// checks that both ways give the same schema.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Miniflare } from 'miniflare';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WRANGLER_TOML = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');

/** A top-level string setting of wrangler.toml (the file has no nested strings of these names). */
function wranglerSetting(name) {
  const match = new RegExp(`^${name}\\s*=\\s*"([^"]+)"`, 'm').exec(WRANGLER_TOML);
  if (!match) throw new Error(`wrangler.toml has no ${name}`);
  return match[1];
}

const COMPATIBILITY_DATE = wranglerSetting('compatibility_date');
/** The local database's id: the file's name under DIR/v3/d1 is derived from it. */
const DATABASE_ID = wranglerSetting('database_id');
const MIGRATIONS_DIR = join(ROOT, wranglerSetting('migrations_dir'));

/**
 * The Miniflare options that open the local D1 of `persistDir`: the layout `wrangler dev
 * --persist-to DIR` and `wrangler d1 migrations apply --persist-to DIR` use.
 */
export function localD1(persistDir) {
  return {
    compatibilityDate: COMPATIBILITY_DATE,
    d1Databases: { DB: DATABASE_ID },
    d1Persist: join(persistDir, 'v3', 'd1'),
  };
}

/**
 * How long one call to the database may take, start-up included (≈ 0.2 s alone; a batch
 * of 10,000 inserts takes a few seconds on a loaded machine). A bound, so that a hang fails
 * the test that met it instead of holding the suite until CI's limit.
 */
const D1_CALL_TIMEOUT_MS = 120_000;

// Runs a batch of statements (one D1 batch: all or nothing) and answers each one's rows.
// A statement may hold several SQL statements; its rows are the last one's.
const D1_WORKER = `
export default {
  async fetch(request, env) {
    const statements = await request.json();
    try {
      const results = await env.DB.batch(statements.map(({ sql, params }) => env.DB.prepare(sql).bind(...params)));
      return Response.json(results.map((result) => result.results));
    } catch (error) {
      return Response.json({ error: String(error.message ?? error) }, { status: 400 });
    }
  },
};`;

/**
 * Runs `statements` (SQL strings, or `{ sql, params }` with bound parameters) as one batch
 * against the D1 database in `persistDir`, resolving to one array of rows per statement.
 */
export async function runBatch(persistDir, statements) {
  const mf = new Miniflare({
    modules: true,
    script: D1_WORKER,
    ...localD1(persistDir),
  });
  try {
    const body = JSON.stringify(statements.map((s) => (typeof s === 'string' ? { sql: s, params: [] } : s)));
    let response;
    try {
      response = await mf.dispatchFetch('http://d1.local/', {
        method: 'POST', body, signal: AbortSignal.timeout(D1_CALL_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(`the local D1 in ${persistDir} did not answer within ${D1_CALL_TIMEOUT_MS / 1000} s `
        + `(D1_CALL_TIMEOUT_MS in tests/support/d1.mjs): ${error.message}`);
    }
    const answer = await response.json();
    if (!response.ok) throw new Error(`D1 refused the statements: ${answer.error}\n${body.slice(0, 2000)}`);
    return answer;
  } finally {
    await mf.dispose();
  }
}

/** Runs SQL (one or more statements) against the local D1 in `persistDir`: the last one's rows. */
export async function query(persistDir, sql) {
  const [rows] = await runBatch(persistDir, [sql]);
  return rows;
}

// The table and rows `wrangler d1 migrations apply` keeps, so that a folder prepared here
// is one that wrangler (`make dev --persist-to`) sees as fully migrated.
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS d1_migrations(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE,
  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)`;

/** The migration files, in the order wrangler applies them. */
export function migrationFiles() {
  return readdirSync(MIGRATIONS_DIR).filter((name) => name.endsWith('.sql')).sort();
}

/**
 * Applies every migration not yet applied to the D1 in `persistDir` (creating it), each
 * with its row in `d1_migrations`, as `wrangler d1 migrations apply DB --local` does.
 */
export async function migrate(persistDir) {
  const [, applied] = await runBatch(persistDir, [MIGRATIONS_TABLE, 'SELECT name FROM d1_migrations']);
  const done = new Set(applied.map((row) => row.name));
  const pending = migrationFiles().filter((name) => !done.has(name));
  if (pending.length === 0) return;
  await runBatch(persistDir, pending.flatMap((name) => [
    readFileSync(join(MIGRATIONS_DIR, name), 'utf8'),
    { sql: 'INSERT INTO d1_migrations (name) VALUES (?1)', params: [name] },
  ]));
}

/** A value as an SQL literal, for statements written out in full. */
export function sqlText(value) {
  return value == null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`;
}

function sqlNumber(value) {
  return value == null ? 'NULL' : String(Number(value));
}

/** Rows per INSERT: D1 refuses statements over 100 KB (and more than 100 bound parameters). */
const ROWS_PER_STATEMENT = 200;

/**
 * Stores keys for the user `userId` straight in D1, as an OAuth consent, a leak report or
 * a legacy import would have: `{ id, last4, label, source, clientId, createdAt, lastUsedAt,
 * lastUsedIp, lastUsedCountry, lastUsedUserAgent, revokedAt, revokedReason, revokedDetail }`
 * (times in ms; a missing id or last4 is made up, any other missing field is NULL). Any
 * number of keys, a few hundred per statement, all in one batch.
 */
export async function insertKeyRows(persistDir, userId, keys) {
  const hex = (bytes) => randomBytes(bytes).toString('hex');
  const rows = keys.map((key) => `(${[
    sqlText(key.id ?? `key_${hex(16)}`), sqlText(userId), sqlText(hex(32)), sqlText(key.last4 ?? hex(2)),
    sqlText(key.label), sqlText(key.source), sqlText(key.clientId), sqlNumber(key.createdAt),
    sqlNumber(key.lastUsedAt), sqlText(key.lastUsedIp), sqlText(key.lastUsedCountry), sqlText(key.lastUsedUserAgent),
    sqlNumber(key.revokedAt), sqlText(key.revokedReason), sqlText(key.revokedDetail),
  ].join(', ')})`);
  const statements = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    statements.push(`INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, oauth_client_id,
      created_at, last_used_at, last_used_ip, last_used_country, last_used_user_agent, revoked_at, revoked_reason,
      revoked_detail) VALUES ${rows.slice(start, start + ROWS_PER_STATEMENT).join(', ')}`);
  }
  if (statements.length > 0) await runBatch(persistDir, statements);
}
