// spawnApp(): a real `wrangler dev` (workerd + a local SQLite D1) on a free port, with a
// fresh database in its own folder and the real migrations applied. The bundle must
// already be built (`make build`); wrangler is started without building.
//
// The server runs in its own process group and is always stopped: by `app.stop()` (call
// it from `after`), and as a last resort when the test process exits.

import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const execFileAsync = promisify(execFile);
const QUIET_ENV = {
  ...process.env,
  CI: 'true',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_COLOR: '1',
};

/** How much of a server's log a failed test prints. */
const LOG_ON_FAILURE = 20_000;
const running = new Set();
process.on('exit', () => {
  for (const app of running) app.killGroup('SIGKILL');
});

// Under `node --test`: when a test fails, the end of each running server's log is printed
// with it, so that a failure seen once (on CI, under load) can be read afterwards. The
// bench imports this module too, outside the test runner, and registers nothing.
if (process.env.NODE_TEST_CONTEXT) {
  const { afterEach } = await import('node:test');
  afterEach((t) => {
    if (t.passed) return;
    for (const app of running) {
      process.stderr.write(`\n--- after "${t.name}" failed: the last ${LOG_ON_FAILURE} characters of `
        + `wrangler dev's log (${app.baseUrl}) ---\n${app.logs().slice(-LOG_ON_FAILURE)}\n--- end of log ---\n`);
    }
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * How long a local D1 command (`wrangler d1 migrations apply` or `d1 execute --local`) may
 * take. Seen once (2026-11-29, a fresh-clone `make test`): `migrations apply` never ended.
 * Miniflare's binding proxy answers wrangler's synchronous calls by blocking wrangler's
 * main thread (`Atomics.wait` in its `SynchronousFetcher`) until workerd replies, and that
 * same thread is the only reader of workerd's stderr. workerd had 336 KB of stderr queued
 * and sat blocked in write(2): neither side could go on. Without a bound, one such hang
 * holds the whole suite until CI's limit; with it, the test fails here, by name.
 * A migration takes about 9 s on a loaded 2-core machine.
 */
const D1_COMMAND_TIMEOUT_MS = 180_000;

/** The error for a local D1 command that failed or ran out of time. */
function d1CommandError(what, { error, signal, stdout, stderr }) {
  const timedOut = error?.code === 'ETIMEDOUT' || signal === 'SIGKILL';
  const why = timedOut
    ? `did not finish within ${D1_COMMAND_TIMEOUT_MS / 1000} s (see D1_COMMAND_TIMEOUT_MS in tests/support/app.mjs)`
    : 'failed';
  return new Error(`${what} ${why}:\n${stdout || ''}\n${stderr || ''}`);
}

/** Creates a fresh local D1 in `persistDir` and applies every migration. */
export function migrate(persistDir) {
  const result = spawnSync(
    WRANGLER,
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir],
    { cwd: ROOT, env: QUIET_ENV, encoding: 'utf8', timeout: D1_COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL' },
  );
  if (result.status !== 0) throw d1CommandError('wrangler d1 migrations apply', result);
}

/**
 * Runs SQL against the local D1 in `persistDir`, resolving to the result rows.
 *
 * Asynchronous on purpose: a synchronous child process blocks the event loop for seconds,
 * during which the HTTP client can neither expire its idle keep-alive connections nor see
 * the server close them (workerd closes idle connections after 5 s). The next request
 * then goes out on a dead connection and fails with "other side closed".
 */
export async function query(persistDir, sql) {
  try {
    const { stdout } = await execFileAsync(
      WRANGLER,
      ['d1', 'execute', 'DB', '--local', '--persist-to', persistDir, '--json', '--command', sql],
      {
        cwd: ROOT, env: QUIET_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
        timeout: D1_COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL',
      },
    );
    return JSON.parse(stdout)[0].results;
  } catch (error) {
    // wrangler writes its JSON error to stdout, and often nothing to stderr.
    throw d1CommandError('wrangler d1 execute', {
      error, signal: error.signal, stdout: error.stdout, stderr: error.stderr || (error.stdout ? '' : error.message),
    });
  }
}

/** A value as an SQL literal, for the seeding helpers' statements. */
export function sqlText(value) {
  return value == null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`;
}

function sqlNumber(value) {
  return value == null ? 'NULL' : String(Number(value));
}

/** Rows per INSERT: D1 refuses statements over 100 KB. */
const ROWS_PER_STATEMENT = 200;

/**
 * Stores keys for the user `userId` straight in D1, as an OAuth consent, a leak report or
 * a legacy import would have: `{ id, last4, label, source, clientId, createdAt, lastUsedAt,
 * lastUsedIp, lastUsedCountry, lastUsedUserAgent, revokedAt, revokedReason, revokedDetail }`
 * (times in ms; a missing id or last4 is made up, any other missing field is NULL). Any
 * number of keys, a few hundred per statement.
 */
export async function insertKeyRows(persistDir, userId, keys) {
  const hex = (bytes) => randomBytes(bytes).toString('hex');
  const rows = keys.map((key) => `(${[
    sqlText(key.id ?? `key_${hex(16)}`), sqlText(userId), sqlText(hex(32)), sqlText(key.last4 ?? hex(2)),
    sqlText(key.label), sqlText(key.source), sqlText(key.clientId), sqlNumber(key.createdAt),
    sqlNumber(key.lastUsedAt), sqlText(key.lastUsedIp), sqlText(key.lastUsedCountry), sqlText(key.lastUsedUserAgent),
    sqlNumber(key.revokedAt), sqlText(key.revokedReason), sqlText(key.revokedDetail),
  ].join(', ')})`);
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    await query(persistDir, `INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, oauth_client_id,
      created_at, last_used_at, last_used_ip, last_used_country, last_used_user_agent, revoked_at, revoked_reason,
      revoked_detail) VALUES ${rows.slice(start, start + ROWS_PER_STATEMENT).join(', ')}`);
  }
}

/** Runs a Node script of the repository (e.g. scripts/set-role.mjs) without blocking. */
export async function runScript(script, args) {
  await execFileAsync('node', [join(ROOT, script), ...args], { cwd: ROOT, env: QUIET_ENV });
}

/**
 * Whether the Worker at `baseUrl` answers. Any answer will do: with a PUBLIC_ORIGIN that is
 * not 127.0.0.1 the Worker refuses this host with 421, which still means it is up.
 */
async function answers(baseUrl) {
  try {
    const response = await fetch(`${baseUrl}/.well-known/oauth-protected-resource`);
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false; // not listening yet
  }
}

/**
 * Runs `wrangler …args` in a process group of its own (wrangler starts node and workerd
 * children, and stopping the group stops them all), keeping its output: all of it, or the
 * last `keepLast` characters. Returns `{ child, logs(), exited }`.
 */
export function spawnWrangler(args, { keepLast = Infinity } = {}) {
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: QUIET_ENV,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const keep = (chunk) => {
    logs += chunk;
    if (logs.length > keepLast) logs = logs.slice(-keepLast);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, logs: () => logs, exited };
}

/**
 * Starts wrangler dev. Options: `persistDir` to reuse a database (restarts),
 * `vars` for extra `--var NAME:VALUE` bindings, `testScheduled` to expose
 * `/__scheduled?cron=…` (wrangler's trigger for the scheduled event; see `app.runScheduled`).
 */
export async function spawnApp({ persistDir, vars = {}, testScheduled = false } = {}) {
  const ownsDir = !persistDir;
  persistDir ??= mkdtempSync(join(tmpdir(), 'hadron-d1-'));
  if (ownsDir) migrate(persistDir);

  // Port 0: wrangler binds a free port itself and names it in its "Ready on" line. Picking
  // one here and handing it over would race the other test files starting at the same
  // time (two servers told the same port: one file then talks to the other's server).
  const args = [
    'dev', '--ip', '127.0.0.1', '--port', '0', '--inspector-port', '0',
    '--persist-to', persistDir, '--show-interactive-dev-session=false',
  ];
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  if (testScheduled) args.push('--test-scheduled');
  const { child, logs, exited } = spawnWrangler(args);

  const app = {
    baseUrl: null,
    port: null,
    persistDir,
    logs,
    /** Runs the scheduled event once, as the Cron Trigger would (needs `testScheduled`). */
    async runScheduled() {
      const response = await fetch(`${app.baseUrl}/__scheduled?cron=${encodeURIComponent('17 * * * *')}`);
      if (!response.ok) throw new Error(`the scheduled event failed: ${response.status} ${await response.text()}`);
    },
    killGroup(signal) {
      try { process.kill(-child.pid, signal); } catch { /* already gone */ }
    },
    async stop({ keepData = false } = {}) {
      if (running.has(app)) {
        running.delete(app);
        app.killGroup('SIGTERM');
        const timer = setTimeout(() => app.killGroup('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        app.killGroup('SIGKILL'); // workerd children that outlived their parent
      }
      if (ownsDir && !keepData) rmSync(persistDir, { recursive: true, force: true });
    },
  };
  running.add(app);

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      running.delete(app);
      throw new Error(`wrangler dev exited with ${child.exitCode} before it was ready:\n${logs()}`);
    }
    const ready = /Ready on http:\/\/127\.0\.0\.1:(\d+)/.exec(logs());
    if (ready && app.port === null) {
      app.port = Number(ready[1]);
      app.baseUrl = `http://127.0.0.1:${app.port}`;
    }
    if (app.baseUrl && await answers(app.baseUrl)) return app;
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`wrangler dev was not ready within 90 s:\n${logs()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
