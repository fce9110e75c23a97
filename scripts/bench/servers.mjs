// The two ways `make bench` serves a Worker, and where its CPU time is read.
//
// - startMiniflare(): Miniflare's Node API, one workerd process per Worker, no wrangler
//   proxy and no inspector (the production-like figure). The workerd is a child of this
//   Node process; its pid is the one whose CPU time is read.
// - startWranglerDev(): `wrangler dev` as `make dev` runs it (its proxy workerd, the
//   user workerd with the inspector attached, and wrangler's Node processes), in its own
//   process group. The "worker" pid is the user workerd (the one started with
//   `--inspector-addr`); `groupPids()` is every process of the group.
//
// Every server is stopped by `stop()`, and as a last resort when this process exits.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { Log, LogLevel, Miniflare } from 'miniflare';

import { freePort, ROOT, spawnWrangler } from '../../tests/support/app.mjs';
import { localD1 } from '../../tests/support/d1.mjs';

/** The no-D1 route, also what readiness and cold start are measured with. */
export const READY_PATH = '/.well-known/oauth-protected-resource/mcp';

const TICKS_PER_SECOND = 100; // USER_HZ, the unit of utime/stime in /proc/<pid>/stat

/** The Workers `make bench` compares, as Miniflare options and as wrangler configs. */
export const WORKERS = {
  project: {
    label: 'project (Rust/WASM)',
    wranglerConfig: join(ROOT, 'wrangler.toml'),
    miniflare: (buildDir = join(ROOT, 'build')) => ({
      // What wrangler does with `main = "build/index.js"`: an ES module bundle that imports
      // the compiled WebAssembly module beside it.
      modules: true,
      scriptPath: join(buildDir, 'index.js'),
      modulesRoot: buildDir,
      modulesRules: [
        { type: 'ESModule', include: ['**/*.js'] },
        { type: 'CompiledWasm', include: ['**/*.wasm'] },
      ],
    }),
  },
  js: {
    label: 'JS baseline',
    wranglerConfig: join(ROOT, 'bench', 'js-baseline', 'wrangler.toml'),
    miniflare: (scriptPath = join(ROOT, 'bench', 'js-baseline', 'worker.js')) => ({
      modules: true,
      scriptPath,
      modulesRoot: dirname(scriptPath),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    }),
  },
};

const live = new Set();
process.on('exit', () => {
  for (const server of live) server.kill();
});

/** utime + stime of a process, in seconds (all its threads). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function processes() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      found.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]), cmdline });
    } catch { /* gone meanwhile */ }
  }
  return found;
}

const isWorkerd = (proc) => /\/workerd\s/.test(`${proc.cmdline} `);

/**
 * A Worker served by Miniflare's API: `options` are the Worker's own (script, modules);
 * the D1 folder, bindings and port are added here. No inspector, no wrangler.
 */
export async function startMiniflare(name, options, { persistDir, bindings = {} }) {
  const before = new Set(processes().filter((p) => p.ppid === process.pid && isWorkerd(p)).map((p) => p.pid));
  let stderr = '';
  const started = performance.now();
  const mf = new Miniflare({
    ...options,
    name,
    ...localD1(persistDir),
    bindings: { PUBLIC_ORIGIN: '', ...bindings },
    host: '127.0.0.1',
    port: await freePort(),
    cf: false, // the placeholder `request.cf`, rather than a fetch of Cloudflare's
    log: new Log(LogLevel.WARN),
    // The request log lines arrive on workerd's stdout: read and dropped, as a log
    // pipeline would take them; stderr is kept for errors.
    handleRuntimeStdio(out, err) {
      out.resume();
      err.on('data', (chunk) => { stderr = (stderr + chunk).slice(-20_000); });
    },
  });
  let url;
  try {
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw new Error(`${name}: Miniflare did not start: ${error.message}\n${stderr}`);
  }
  const readyMs = performance.now() - started;
  const workerd = processes().find((p) => p.ppid === process.pid && isWorkerd(p) && !before.has(p.pid));
  const server = {
    name,
    mode: 'miniflare',
    baseUrl: url.href.replace(/\/$/, ''),
    workerPid: workerd?.pid,
    groupPids: () => (workerd ? [workerd.pid] : []),
    logs: () => stderr,
    startedAt: started,
    readyMs,
    mf,
    kill() {
      if (workerd) {
        try { process.kill(workerd.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    },
    async stop() {
      if (!live.has(server)) return;
      live.delete(server);
      await mf.dispose().catch(() => server.kill());
    },
  };
  live.add(server);
  if (workerd === undefined) {
    await server.stop();
    throw new Error(`${name}: could not find the workerd process Miniflare started`);
  }
  return server;
}

/**
 * A Worker under `wrangler dev`, as `make dev` runs it, in its own process group. A port
 * taken between our pick and wrangler's bind (other servers start meanwhile) is retried.
 */
export async function startWranglerDev(name, config, options) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startWranglerDevOnce(name, config, options);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(error.message)) throw error;
    }
  }
}

async function startWranglerDevOnce(name, config, { persistDir, vars = {} }) {
  const port = await freePort();
  const args = [
    'dev', '--config', config, '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(await freePort()), '--persist-to', persistDir,
    '--show-interactive-dev-session=false',
  ];
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const started = performance.now();
  const { child, logs, exited } = spawnWrangler(args, { keepLast: 50_000 });
  const groupPids = () => processes().filter((p) => p.pgrp === child.pid).map((p) => p.pid);
  const server = {
    name,
    mode: 'wrangler-dev',
    baseUrl: `http://127.0.0.1:${port}`,
    workerPid: undefined,
    groupPids,
    logs,
    startedAt: started,
    readyMs: undefined,
    kill(signal = 'SIGKILL') {
      try { process.kill(-child.pid, signal); } catch { /* already gone */ }
    },
    async stop() {
      if (!live.has(server)) return;
      live.delete(server);
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      server.kill('SIGKILL'); // workerd children that outlived their parent
    },
  };
  live.add(server);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      live.delete(server);
      server.kill(); // workerd children that outlived wrangler
      throw new Error(`${name}: wrangler dev exited with ${child.exitCode} before it was ready:\n${logs()}`);
    }
    try {
      const response = await fetch(server.baseUrl + READY_PATH);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name}: wrangler dev was not ready within 120 s:\n${logs()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  server.readyMs = performance.now() - started;
  const userWorkerd = processes().find((p) => p.pgrp === child.pid && isWorkerd(p) && p.cmdline.includes('--inspector-addr'));
  if (userWorkerd === undefined) {
    await server.stop();
    throw new Error(`${name}: could not find the user workerd (started with --inspector-addr) of wrangler dev`);
  }
  server.workerPid = userWorkerd.pid;
  return server;
}

/** Stops every server this process started that is still running. */
export async function stopAll() {
  await Promise.all([...live].map((server) => server.stop()));
}
