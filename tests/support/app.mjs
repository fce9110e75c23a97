// spawnApp(): a real `wrangler dev` (workerd + a local SQLite D1) on a free port, with a
// fresh database in its own folder and the real migrations applied (tests/support/d1.mjs).
// The bundle must already be built (`make build`); wrangler is started without building.
//
// The server runs in its own process group and is always stopped: by `app.stop()` (call
// it from `after`), and as a last resort when the test process exits.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { migrate } from './d1.mjs';

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
 * How long `runScript` and `runWrangler` wait. A local D1 command of wrangler's (`d1
 * execute --local`, run by scripts/set-role.mjs, or `d1 migrations apply --local`) can
 * deadlock inside wrangler (see tests/support/d1.mjs); it normally takes 3–9 s. With the
 * bound, such a hang fails its test by name instead of holding the suite.
 */
const COMMAND_TIMEOUT_MS = 180_000;

/** Runs a command to its end without blocking the event loop; its stdout. */
async function runBounded(command, args, what) {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: ROOT, env: QUIET_ENV, encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL',
    });
    return stdout;
  } catch (error) {
    const why = error.signal === 'SIGKILL'
      ? `did not finish within ${COMMAND_TIMEOUT_MS / 1000} s (COMMAND_TIMEOUT_MS in tests/support/app.mjs)`
      : 'failed';
    throw new Error(`${what} ${why}:\n${error.stdout ?? ''}\n${error.stderr ?? error.message}`);
  }
}

/** Runs a Node script of the repository (e.g. scripts/set-role.mjs); its stdout. */
export function runScript(script, args) {
  return runBounded('node', [join(ROOT, script), ...args], script);
}

/** Runs the project's pinned wrangler with `args` (e.g. a local D1 command); its stdout. */
export function runWrangler(args) {
  return runBounded(WRANGLER, args, `wrangler ${args.slice(0, 3).join(' ')}`);
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
  if (ownsDir) await migrate(persistDir);

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
