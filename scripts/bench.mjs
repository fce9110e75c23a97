#!/usr/bin/env node
// make bench: the project's Worker side by side with a plain-JS Worker doing the same work
// per request (bench/js-baseline/), on the same workerd, over the same 10,000 keys.
//
// For each mode —
//   miniflare     both Workers served by Miniflare's Node API: no wrangler proxy, no
//                 inspector (the production-like figure);
//   wrangler-dev  both under `wrangler dev`, as `make dev` runs them (inspector attached) —
// it starts both Workers on copies of one seeded D1, checks that they answer every
// benchmarked request (and a set of other /mcp requests) with the same status, body and
// headers, then drives each route with wrk (1 thread × 8 connections) in interleaved
// rounds: within a round, each route runs on the project and on the JS Worker back to
// back, the order alternating between rounds. Per route it prints req/s, p50/p99, the CPU
// µs per request of the workerd process that runs the Worker (/proc/<pid>/stat utime +
// stime, before and after each wrk run, over the requests wrk completed), and the
// project/JS ratios (medians over rounds of each round's ratio). It also prints cold start
// (fresh start → first successful response, both Workers), the first D1 request, the
// .wasm size raw and gzipped, and the argon2id cost in workerd.
//
// The figures are for reading side by side within one run, never asserted.
//
// Options: --duration SECONDS per run (5) --rounds N (3) --connections N (8)
//          --warmup SECONDS per route and Worker before the first round (1)
//          --cold-starts N fresh Miniflare starts per Worker (3)
//          --modes miniflare,wrangler-dev  --routes mcp,no-d1,d1-lookup,malformed,unknown
//          --json FILE (every run, for later reading)
//          --quick (1 s runs, 1 round, no warm-up, 1 cold start: a self-check of the bench)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { ROOT } from '../tests/support/app.mjs';
import { ensureWrk, measure, median, wrkScript } from './bench/load.mjs';
import { benchRoutes, checkParity } from './bench/routes.mjs';
import { copyDatabase, seedDatabase } from './bench/seed.mjs';
import { READY_PATH, startMiniflare, startWranglerDev, stopAll, WORKERS } from './bench/servers.mjs';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '1' },
    'cold-starts': { type: 'string', default: '3' },
    modes: { type: 'string', default: 'miniflare,wrangler-dev' },
    routes: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
if (options.quick) Object.assign(options, { duration: '1', rounds: '1', warmup: '0', 'cold-starts': '1' });
const SECONDS = Number(options.duration);
const ROUNDS = Number(options.rounds);
const CONNECTIONS = Number(options.connections);
const WARMUP = Number(options.warmup);
const COLD_STARTS = Math.max(1, Number(options['cold-starts']));
const MODES = options.modes.split(',');
const BENCH_VARS = { BENCH_ROUTES: '1' };

const log = (message) => console.error(`bench: ${message}`);

async function startPair(mode, dirs) {
  if (mode === 'miniflare') {
    const project = await startMiniflare('project', WORKERS.project.miniflare(), { persistDir: dirs.project, bindings: BENCH_VARS });
    const js = await startMiniflare('js', WORKERS.js.miniflare(), { persistDir: dirs.js, bindings: BENCH_VARS });
    return { project, js };
  }
  const project = await startWranglerDev('project', WORKERS.project.wranglerConfig, { persistDir: dirs.project, vars: BENCH_VARS });
  const js = await startWranglerDev('js', WORKERS.js.wranglerConfig, { persistDir: dirs.js, vars: BENCH_VARS });
  return { project, js };
}

async function timed(url, init) {
  const started = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

/**
 * Fresh start → first successful response of the no-D1 route, and the first D1 request
 * right after. wrangler dev servers were timed by their own start-up poll.
 */
async function firstResponses(server, mcpRoute) {
  let first = null;
  if (server.mode === 'miniflare') {
    first = await timed(server.baseUrl + READY_PATH);
    if (first.status !== 200) throw new Error(`${server.name}: first request answered ${first.status}`);
  }
  const firstD1 = await timed(server.baseUrl + mcpRoute.path, { method: mcpRoute.method, headers: mcpRoute.headers, body: mcpRoute.body });
  return {
    readyMs: server.readyMs,
    firstRequestMs: first?.ms ?? null,
    coldStartMs: server.readyMs + (first?.ms ?? 0),
    firstD1Ms: firstD1.ms,
  };
}

async function coldStartsMiniflare(dirs, mcpRoute, samples) {
  const result = { project: [], js: [] };
  for (let i = 0; i < samples; i += 1) {
    for (const name of ['project', 'js']) {
      const server = await startMiniflare(name, WORKERS[name].miniflare(), { persistDir: dirs[name], bindings: BENCH_VARS });
      try {
        result[name].push(await firstResponses(server, mcpRoute));
      } finally {
        await server.stop();
      }
    }
  }
  return result;
}

/** argon2id in workerd: a sign-in minus a session lookup (the project only). */
async function argon2Cost(baseUrl) {
  const { Client, PASSWORD, uniqueEmail } = await import('../tests/support/client.mjs');
  const client = new Client(baseUrl);
  const email = uniqueEmail('bench');
  await client.signup(email, PASSWORD);
  const signIns = [];
  const lookups = [];
  for (let i = 0; i < 10; i += 1) {
    let started = performance.now();
    await new Client(baseUrl).login(email, PASSWORD);
    signIns.push(performance.now() - started);
    started = performance.now();
    await client.me();
    lookups.push(performance.now() - started);
  }
  return { signIn: median(signIns), lookup: median(lookups) };
}

async function runMode(mode, dirs, routes, workDir) {
  log(`${mode}: starting both Workers`);
  const servers = await startPair(mode, dirs);
  const mcpRoute = routes.find((route) => route.id === 'mcp') ?? benchRoutes(dirs.fixture)[0];
  const result = { mode, runs: {}, coldStart: {}, argon2: null };
  try {
    for (const name of ['project', 'js']) result.coldStart[name] = [await firstResponses(servers[name], mcpRoute)];
    const parity = await checkParity(servers.project, servers.js, dirs.fixture);
    if (parity.differences.length > 0) {
      throw new Error(`${mode}: the Workers answer differently, so the comparison would not be fair:\n${parity.differences.join('\n')}`);
    }
    log(`${mode}: both Workers answer the same to ${parity.checked} requests`);
    result.parityChecked = parity.checked;
    const scripts = Object.fromEntries(routes.map((route) => [route.id, wrkScript(workDir, route)]));
    if (WARMUP > 0) {
      for (const route of routes) {
        for (const name of ['project', 'js']) await measure(servers[name], route, scripts[route.id], { seconds: WARMUP, connections: CONNECTIONS });
      }
    }
    for (const route of routes) result.runs[route.id] = { project: [], js: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      log(`${mode}: round ${round + 1} of ${ROUNDS}`);
      const order = round % 2 === 0 ? ['project', 'js'] : ['js', 'project'];
      for (const route of routes) {
        for (const name of order) {
          result.runs[route.id][name].push(await measure(servers[name], route, scripts[route.id], { seconds: SECONDS, connections: CONNECTIONS }));
        }
      }
    }
    if (mode === 'miniflare') result.argon2 = await argon2Cost(servers.project.baseUrl);
  } finally {
    await servers.project.stop();
    await servers.js.stop();
  }
  if (mode === 'miniflare' && COLD_STARTS > 1) {
    log(`${mode}: ${COLD_STARTS - 1} more fresh starts of each Worker`);
    const more = await coldStartsMiniflare(dirs, mcpRoute, COLD_STARTS - 1);
    for (const name of ['project', 'js']) result.coldStart[name].push(...more[name]);
  }
  return result;
}

// ---- the report ----------------------------------------------------------------------

const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

function summarise(runs) {
  const pick = (name, field) => median(runs[name].map((run) => run[field]));
  const ratio = (field) => median(runs.project.map((run, i) => run[field] / runs.js[i][field]));
  return {
    project: Object.fromEntries(['rps', 'p50', 'p99', 'cpuUs', 'groupCpuUs'].map((f) => [f, pick('project', f)])),
    js: Object.fromEntries(['rps', 'p50', 'p99', 'cpuUs', 'groupCpuUs'].map((f) => [f, pick('js', f)])),
    rpsRatio: ratio('rps'),
    cpuRatio: ratio('cpuUs'),
    groupCpuRatio: ratio('groupCpuUs'),
    requests: runs.project.reduce((s, r) => s + r.requests, 0) + runs.js.reduce((s, r) => s + r.requests, 0),
    unexpected: runs.project.reduce((s, r) => s + r.unexpected, 0) + runs.js.reduce((s, r) => s + r.unexpected, 0),
    errors: [...runs.project, ...runs.js].map((r) => r.errors).filter(Boolean),
  };
}

function modeReport(result, routes) {
  const wranglerDev = result.mode === 'wrangler-dev';
  const title = wranglerDev
    ? 'under wrangler dev (as `make dev` runs it: wrangler\'s proxy, the inspector attached)'
    : 'without a debugger (Miniflare\'s API: one workerd per Worker, no wrangler proxy, no inspector)';
  const lines = [
    `### ${title}`,
    '',
    '| route | req/s project / JS | **project/JS req/s** | p50 ms project / JS | p99 ms project / JS | worker CPU µs/req project / JS | **project/JS CPU** |'
      + (wranglerDev ? ' all processes CPU µs/req project / JS |' : ''),
    '|---|---:|---:|---:|---:|---:|---:|' + (wranglerDev ? '---:|' : ''),
  ];
  const summaries = {};
  for (const route of routes) {
    const s = summarise(result.runs[route.id]);
    summaries[route.id] = s;
    lines.push(`| ${route.label} | ${fixed(s.project.rps)} / ${fixed(s.js.rps)} | **${fixed(s.rpsRatio, 2)}** `
      + `| ${fixed(s.project.p50, 2)} / ${fixed(s.js.p50, 2)} | ${fixed(s.project.p99, 2)} / ${fixed(s.js.p99, 2)} `
      + `| ${fixed(s.project.cpuUs)} / ${fixed(s.js.cpuUs)} | **${fixed(s.cpuRatio, 2)}** |`
      + (wranglerDev ? ` ${fixed(s.project.groupCpuUs)} / ${fixed(s.js.groupCpuUs)} |` : ''));
  }
  lines.push('');
  if (summaries.mcp && summaries['d1-lookup']) {
    const ad = (name) => summaries.mcp[name].rps / summaries['d1-lookup'][name].rps;
    lines.push(`a/d (authenticated /mcp vs the D1 lookup alone, req/s): project ${fixed(ad('project'), 2)}, JS ${fixed(ad('js'), 2)}`);
  }
  const cold = (name) => {
    const samples = result.coldStart[name];
    const m = (field) => median(samples.map((s) => s[field] ?? NaN));
    const parts = [`fresh start → first 200 ${fixed(m('coldStartMs'))} ms`];
    if (!wranglerDev) parts.push(`(ready ${fixed(m('readyMs'))} ms + first request ${fixed(m('firstRequestMs'), 1)} ms)`);
    parts.push(`then the first D1 request ${fixed(m('firstD1Ms'), 1)} ms`);
    return `${parts.join(' ')}${samples.length > 1 ? ` [median of ${samples.length}]` : ''}`;
  };
  lines.push(`cold start, project: ${cold('project')}`);
  lines.push(`cold start, JS:      ${cold('js')}`);
  const totals = Object.values(summaries);
  const unexpected = totals.reduce((s, t) => s + t.unexpected, 0);
  const requests = totals.reduce((s, t) => s + t.requests, 0);
  lines.push(`requests measured: ${requests}, unexpected status: ${unexpected}`);
  const closing = routes.filter((route) => summaries[route.id].errors.length > 0);
  if (closing.length > 0) {
    // wrk counts a connection the server closed after a response as a read error.
    lines.push(`connections closed by the server (wrk read errors) on: ${closing.map((route) => route.label).join('; ')}`
      + `${closing.every((route) => route.expect === 401) ? ' — expected: workerd closes the connection after a response that left the request body unread' : ''}`);
  }
  lines.push(`parity checked before measuring: ${result.parityChecked} requests answered alike`);
  if (result.argon2) {
    lines.push(`argon2id in workerd: sign-in ${fixed(result.argon2.signIn, 1)} ms vs session lookup ${fixed(result.argon2.lookup, 1)} ms → ≈ ${fixed(result.argon2.signIn - result.argon2.lookup, 1)} ms per hash`);
  }
  return { text: lines.join('\n'), summaries };
}

async function main() {
  ensureWrk();
  const wasm = readFileSync(join(ROOT, 'build', 'index_bg.wasm'));
  const shim = statSync(join(ROOT, 'build', 'index.js')).size;
  const jsSource = readFileSync(join(ROOT, 'bench', 'js-baseline', 'worker.js'));
  const allRoutes = benchRoutes({ key: 'k', unknownKey: 'u' }).map((route) => route.id);
  const wanted = options.routes ? options.routes.split(',') : allRoutes;
  for (const id of wanted) if (!allRoutes.includes(id)) throw new Error(`unknown route ${id}: one of ${allRoutes.join(', ')}`);

  const workDir = mkdtempSync(join(tmpdir(), 'hadron-bench-'));
  const cleanUp = async () => {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => { cleanUp().finally(() => process.exit(130)); });
  }
  const started = performance.now();
  try {
    log('migrating and seeding D1 (10,000 keys over 100 users)');
    const seeded = join(workDir, 'seeded');
    const fixture = await seedDatabase(seeded);
    const dirs = {
      fixture,
      project: copyDatabase(seeded, join(workDir, 'project')),
      js: copyDatabase(seeded, join(workDir, 'js')),
    };
    const routes = benchRoutes(fixture).filter((route) => wanted.includes(route.id));
    const results = [];
    for (const mode of MODES) {
      if (mode !== 'miniflare' && mode !== 'wrangler-dev') throw new Error(`unknown mode ${mode}`);
      results.push(await runMode(mode, dirs, routes, workDir));
    }

    const wrangler = execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['--version'], { encoding: 'utf8' }).trim().split('\n').pop();
    const workerd = execFileSync(join(ROOT, 'node_modules', '.bin', 'workerd'), ['--version'], { encoding: 'utf8' }).trim();
    const lines = [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; wrangler ${wrangler}; ${workerd}; miniflare ${JSON.parse(readFileSync(join(ROOT, 'node_modules', 'miniflare', 'package.json'), 'utf8')).version}`,
      `load: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s per route, Worker and round; ${ROUNDS} interleaved round(s), project and JS back to back (order alternating), medians; `
        + `ratios are medians of each round's ratio; D1 seeded with ${fixture.rows} keys over 100 users (same rows for both)`,
      `sizes: project .wasm ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} gzipped (+ ${shim} bytes of JS glue); JS baseline ${jsSource.length} bytes raw, ${gzipSync(jsSource, { level: 9 }).length} gzipped`,
      '',
    ];
    const report = { options: { SECONDS, ROUNDS, CONNECTIONS, WARMUP, COLD_STARTS }, sizes: { wasm: wasm.length }, results };
    for (const result of results) {
      const { text, summaries } = modeReport(result, routes);
      result.summaries = summaries;
      lines.push(text, '');
    }
    lines.push(`total time: ${fixed((performance.now() - started) / 1000)} s`);
    console.log(lines.join('\n'));
    if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2));
  } finally {
    await cleanUp();
  }
}

await main();
