#!/usr/bin/env node
// Where the time of one request goes (issue 11 part 2), measured as worker CPU per
// request rather than guessed. Not part of `make bench` or `make test`; run it after
// `make build` with a clean `src/`:
//
//   node scripts/bench-stages.mjs [--duration 2] [--rounds 3] [--repeat 200] [--modes miniflare,wrangler-dev]
//                                 [--stages-build DIR (a build of the patched source: skips the build)]
//
// Method. bench/stages/stages.patch adds to the project (temporarily: this script applies
// it, builds, copies the build to a temporary folder and reverts the patch and build/,
// whatever happens) a stage selector read once per isolate from the `BENCH_STAGE`
// binding: `skip-log` and `line-only` drop the request log (entirely, or only the console
// call); `empty` answers at the entry with an empty response; `repeat-<stage>` does one
// stage `BENCH_REPEAT` more times per request (200 by default; 50 for the body, 10 for
// the D1 query and for console calls). Every variant runs in its own Miniflare workerd
// (no inspector) and the rounds interleave them, so a stage's cost is
//   (CPU µs/request of the variant − of the same build with no stage selected) / repeats
// — an amplified difference, far above the noise of a shared machine. Most stages repeat
// on the no-D1 route sent with the /mcp request's headers, whose CPU per request is small
// and steady; the body, D1 and log stages also run on the authenticated /mcp request.
// Beside them: the normal build (the patch must cost nothing when no stage is selected),
// the normal build with worker-build's Proxy entry replaced by a plain
// `export default { fetch }` (the cost of the generated shim), and JS baseline variants
// (no log, 10 more console calls, an empty Worker). Under wrangler dev (inspector
// attached) the log variants run again, with JS variants that log from WASM frames, from
// deep in the stack, from a microtask, and a string made by TextDecoder: candidates for
// why a console call from WASM costs more there.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { ROOT } from '../tests/support/app.mjs';
import { ensureWrk, measure, median, wrkScript } from './bench/load.mjs';
import { benchRoutes } from './bench/routes.mjs';
import { copyDatabase, seedDatabase } from './bench/seed.mjs';
import { startMiniflare, startWranglerDev, stopAll, WORKERS } from './bench/servers.mjs';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '200' },
    connections: { type: 'string', default: '8' },
    modes: { type: 'string', default: 'miniflare,wrangler-dev' },
    'stages-build': { type: 'string' }, // an existing build of the patched source
    only: { type: 'string' }, // comma-separated variant ids, e.g. P:empty,J:empty
    json: { type: 'string' },
  },
});
const SECONDS = Number(options.duration);
const ROUNDS = Number(options.rounds);
const REPEAT = Number(options.repeat);
const LOG_REPEAT = 10; // console calls per request in the repeat-log variants
const ONLY = options.only ? new Set(options.only.split(',')) : null;
const wanted = (id) => ONLY === null || ONLY.has(id);
const CONNECTIONS = Number(options.connections);
const PATCH = join(ROOT, 'bench', 'stages', 'stages.patch');
const log = (message) => console.error(`stages: ${message}`);

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

/** Builds the patched source into `target`; the working tree and build/ end as they were. */
function buildStages(target) {
  if (git('status', '--porcelain', '--', 'src').trim() !== '') {
    throw new Error('src/ has uncommitted changes: commit or stash them first (this script patches src/ and reverts it)');
  }
  const saved = join(target, '..', 'build-saved');
  if (existsSync(join(ROOT, 'build'))) cpSync(join(ROOT, 'build'), saved, { recursive: true });
  git('apply', PATCH);
  try {
    log('building the patched source (make build)…');
    const result = spawnSync('make', ['build'], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`make build of the patched source failed:\n${result.stdout}\n${result.stderr}`);
    cpSync(join(ROOT, 'build'), target, { recursive: true });
  } finally {
    git('apply', '-R', PATCH);
    if (existsSync(saved)) {
      rmSync(join(ROOT, 'build'), { recursive: true, force: true });
      cpSync(saved, join(ROOT, 'build'), { recursive: true });
    }
  }
  if (git('status', '--porcelain', '--', 'src').trim() !== '') throw new Error('src/ was not restored: check `git status`');
}

/** The normal build with worker-build's Proxy-wrapped entry class replaced by a plain object. */
function plainEntryBuild(target) {
  cpSync(join(ROOT, 'build'), target, { recursive: true });
  const file = join(target, 'index.js');
  const source = readFileSync(file, 'utf8');
  const glue = /(\w+)\.prototype\.fetch=function\(t\)\{return (\w+)\.call\(this,t,this\.env,this\.ctx\)\}/.exec(source);
  const exported = /(\w+) as default\}/.exec(source);
  if (!glue || !exported) throw new Error('the shape of build/index.js changed: cannot make the plain-entry variant');
  writeFileSync(file, source.replace(exported[0], '__plain_entry as default}')
    + `\nvar __plain_entry={fetch(request,env,ctx){return ${glue[2]}(request,env,ctx)}};\n`);
  return target;
}

const LOG_STATEMENT = /console\.log\((JSON\.stringify\(\{[\s\S]*?\}\))\);/;

/**
 * A 54-byte WebAssembly module: `run` calls `inner`, which calls the imported `env.log`.
 * The `wasm-log` variant of the JS baseline logs through it, so the console call is the
 * same JS call with two wasm frames under it, as when the project logs from Rust.
 */
const LOG_FROM_WASM = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
  0x02, 0x0b, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6c, 0x6f, 0x67, 0x00, 0x00, // import env.log
  0x03, 0x03, 0x02, 0x00, 0x00, // two functions of type 0
  0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, // export "run" = function 1
  0x0a, 0x0b, 0x02, 0x04, 0x00, 0x10, 0x02, 0x0b, 0x04, 0x00, 0x10, 0x00, 0x0b, // run: call 2; inner: call 0
]);

/** A JS baseline variant: the log line dropped, repeated, or written from deep in the stack. */
function jsVariant(dir, name) {
  const source = readFileSync(join(ROOT, 'bench', 'js-baseline', 'worker.js'), 'utf8');
  if (!LOG_STATEMENT.test(source)) throw new Error('bench/js-baseline/worker.js: the log statement was not found');
  const replacement = {
    'skip-log': '',
    'repeat-log': `{ const line = $1; for (let i = 0; i <= ${LOG_REPEAT}; i += 1) console.log(line); }`,
    'deep-log': '{ const line = $1; (function deep(n) { if (n === 0) console.log(line); else deep(n - 1); })(40); }',
    'wasm-log': '{ logLine = $1; logFromWasm.exports.run(); }',
    'microtask-log': '{ const line = $1; queueMicrotask(() => console.log(line)); }',
    'decoded-log': '{ const line = new TextDecoder().decode(new TextEncoder().encode($1)); console.log(line); }',
  }[name];
  const file = join(dir, `worker-${name}.js`);
  let variant = name === 'empty'
    ? 'export default { fetch() { return new Response(null); } };\n'
    : source.replace(LOG_STATEMENT, replacement ?? '$&');
  if (name === 'repeat-d1') {
    const lookup = 'const caller = await findActiveKeyByHash(db, await sha256Hex(bearer.token));';
    if (!variant.includes(lookup)) throw new Error('bench/js-baseline/worker.js: the key lookup was not found');
    variant = variant.replace(lookup, `for (let i = 0; i < ${repeatsFor('J:repeat-d1')}; i += 1) `
      + `await findActiveKeyByHash(db, await sha256Hex(bearer.token));\n  ${lookup}`);
  }
  if (name === 'wasm-log') {
    writeFileSync(join(dir, 'log-from-wasm.wasm'), LOG_FROM_WASM);
    variant = `import logModule from './log-from-wasm.wasm';\nlet logLine = '';\n`
      + `const logFromWasm = new WebAssembly.Instance(logModule, { env: { log: () => console.log(logLine) } });\n${variant}`;
  }
  writeFileSync(file, variant);
  return file;
}

/** A wrangler config for a variant: the project's or the baseline's, with another `main`. */
function wranglerConfigFor(dir, name, baseConfig, main) {
  const base = readFileSync(baseConfig, 'utf8');
  const baseDir = join(baseConfig, '..');
  const config = base
    .replace(/^main = .*$/m, `main = ${JSON.stringify(main)}`)
    .replace(/^directory = "(.*)"$/m, (_, d) => `directory = ${JSON.stringify(join(baseDir, d))}`)
    .replace(/^migrations_dir = "(.*)"$/m, (_, d) => `migrations_dir = ${JSON.stringify(join(baseDir, d))}`);
  const file = join(dir, `wrangler-${name}.toml`);
  writeFileSync(file, config);
  return file;
}

// What runs. Most stages repeat on the no-D1 route sent with the /mcp request's headers
// (`no-d1-h`): its CPU per request is small and steady, so a difference stands out; the
// body, the D1 query and the request log also run on the authenticated /mcp request.
const HEADERS_ROUTE = ['no-d1-h'];
const PROJECT_STAGES = [
  ['empty', HEADERS_ROUTE],
  ['repeat-wrap', HEADERS_ROUTE],
  ['repeat-route', HEADERS_ROUTE],
  ['repeat-headers', HEADERS_ROUTE],
  ['repeat-origin', HEADERS_ROUTE],
  ['repeat-sha', HEADERS_ROUTE],
  ['repeat-json-in', HEADERS_ROUTE],
  ['repeat-json-out', HEADERS_ROUTE],
  ['repeat-response', HEADERS_ROUTE],
  ['repeat-security-headers', HEADERS_ROUTE],
  ['repeat-logline', HEADERS_ROUTE],
  ['repeat-log', HEADERS_ROUTE],
  ['line-only', ['no-d1-h', 'mcp']],
  ['skip-log', ['no-d1-h', 'mcp']],
  ['repeat-clone', ['mcp']],
  ['repeat-body', ['mcp']],
  ['repeat-d1', ['mcp']],
  ['repeat-limiter', ['malformed']],
];
const JS_VARIANTS = [
  ['empty', HEADERS_ROUTE],
  // The same 10 extra lookups as P:repeat-d1: the difference is the Rust D1 wrapper's.
  ['repeat-d1', ['mcp']],
  ['skip-log', ['no-d1-h', 'mcp']],
  ['repeat-log', HEADERS_ROUTE],
];
const WRANGLER_DEV = [
  ['project', 'base', ['no-d1-h', 'mcp']],
  ['project', 'skip-log', ['no-d1-h', 'mcp']],
  ['project', 'repeat-log', HEADERS_ROUTE],
  // Pure WASM work, to see whether the attached debugger slows WASM itself.
  ['project', 'repeat-sha', HEADERS_ROUTE],
  ['project', 'repeat-json-out', HEADERS_ROUTE],
  ['js', 'base', ['no-d1-h', 'mcp']],
  ['js', 'skip-log', ['no-d1-h', 'mcp']],
  ['js', 'repeat-log', HEADERS_ROUTE],
  // Candidate reasons a console call from WASM costs more under the inspector: WASM frames
  // on the stack, a deep stack, a call from a microtask, a string made by TextDecoder.
  ['js', 'wasm-log', HEADERS_ROUTE],
  ['js', 'deep-log', HEADERS_ROUTE],
  ['js', 'microtask-log', HEADERS_ROUTE],
  ['js', 'decoded-log', HEADERS_ROUTE],
];

/** How many extra times a variant repeats its stage (0: not a repeat variant). */
function repeatsFor(id) {
  const stage = id.slice(2);
  if (!stage.startsWith('repeat-')) return 0;
  if (stage === 'repeat-log') return LOG_REPEAT;
  if (stage === 'repeat-d1') return Math.min(REPEAT, 10); // both Workers
  if (stage === 'repeat-body' || stage === 'repeat-clone') return Math.min(REPEAT, 50);
  return REPEAT;
}

async function runRounds(servers, plan, routes, workDir) {
  const scripts = Object.fromEntries(routes.map((route) => [route.id, wrkScript(workDir, route)]));
  const byId = Object.fromEntries(routes.map((route) => [route.id, route]));
  const runs = {};
  // A short warm-up of every variant and route.
  for (const [id, routeIds] of plan) {
    for (const routeId of routeIds) await measure(servers[id], byId[routeId], scripts[routeId], { seconds: 1, connections: CONNECTIONS });
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    log(`round ${round + 1} of ${ROUNDS}`);
    const order = round % 2 === 0 ? plan : [...plan].reverse();
    for (const [id, routeIds] of order) {
      for (const routeId of routeIds) {
        const run = await measure(servers[id], byId[routeId], scripts[routeId], { seconds: SECONDS, connections: CONNECTIONS });
        if (run.unexpected > 0) throw new Error(`${id} on ${routeId}: ${run.unexpected} unexpected statuses`);
        ((runs[id] ??= {})[routeId] ??= []).push({ ...run, round });
      }
    }
  }
  return runs;
}

/** The median over rounds of (variant − base) in the same round, in CPU µs/request. */
function delta(runs, variant, base, routeId, field = 'cpuUs') {
  const a = runs[variant]?.[routeId];
  const b = runs[base]?.[routeId];
  if (!a || !b) return NaN;
  return median(a.map((run) => run[field] - (b.find((other) => other.round === run.round)?.[field] ?? NaN)));
}

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

async function miniflareMode(stagesBuild, dirs, routes, workDir) {
  const servers = {};
  const plan = [];
  const start = async (id, options, bindings, routeIds) => {
    if (!wanted(id)) return;
    const persistDir = copyDatabase(dirs.seeded, join(workDir, `d1-${id.replace(':', '-')}`));
    servers[id] = await startMiniflare(id, options, { persistDir, bindings: { BENCH_ROUTES: '1', ...bindings } });
    plan.push([id, routeIds]);
  };
  log('starting the Miniflare variants');
  await start('P:base', WORKERS.project.miniflare(stagesBuild), { BENCH_STAGE: '' }, ['no-d1-h', 'mcp', 'malformed']);
  await start('P:normal', WORKERS.project.miniflare(), {}, ['no-d1-h', 'mcp']);
  await start('P:plain-entry', WORKERS.project.miniflare(plainEntryBuild(join(workDir, 'plain-entry'))), {}, ['no-d1-h', 'mcp']);
  for (const [stage, routeIds] of PROJECT_STAGES) {
    await start(`P:${stage}`, WORKERS.project.miniflare(stagesBuild), { BENCH_STAGE: stage, BENCH_REPEAT: String(repeatsFor(`P:${stage}`)) }, routeIds);
  }
  await start('J:base', WORKERS.js.miniflare(), {}, ['no-d1-h', 'mcp', 'malformed']);
  for (const [variant, routeIds] of JS_VARIANTS) await start(`J:${variant}`, WORKERS.js.miniflare(jsVariant(workDir, variant)), {}, routeIds);
  try {
    return await runRounds(servers, plan, routes, workDir);
  } finally {
    await stopAll();
  }
}

async function wranglerDevMode(stagesBuild, dirs, routes, workDir) {
  const servers = {};
  const plan = [];
  log('starting the wrangler dev variants');
  for (const [worker, variant, routeIds] of WRANGLER_DEV) {
    const id = `${worker === 'project' ? 'P' : 'J'}:${variant}`;
    if (!wanted(id)) continue;
    let config;
    const vars = { BENCH_ROUTES: '1' };
    if (worker === 'project') {
      config = wranglerConfigFor(workDir, id.replace(':', '-'), WORKERS.project.wranglerConfig, join(stagesBuild, 'index.js'));
      vars.BENCH_STAGE = variant === 'base' ? '' : variant;
      vars.BENCH_REPEAT = String(repeatsFor(id));
    } else {
      const main = variant === 'base' ? join(ROOT, 'bench', 'js-baseline', 'worker.js') : jsVariant(workDir, variant);
      config = wranglerConfigFor(workDir, id.replace(':', '-'), WORKERS.js.wranglerConfig, main);
    }
    const dir = copyDatabase(dirs.seeded, join(workDir, `d1-${id.replace(':', '-')}`));
    servers[id] = await startWranglerDev(id, config, { persistDir: dir, vars });
    plan.push([id, routeIds]);
  }
  try {
    return await runRounds(servers, plan, routes, workDir);
  } finally {
    await stopAll();
  }
}

function report(mode, runs, repeatFor) {
  const lines = [];
  // Without the patched build's own base (--only), the normal build is the project's base.
  const base = (worker) => (worker === 'P' ? (runs['P:base'] ? 'P:base' : 'P:normal') : 'J:base');
  lines.push(`### ${mode}: CPU µs per request, medians over ${ROUNDS} rounds (Δ: median of each round's difference to the same build with no stage)`);
  lines.push('');
  lines.push('| variant | route | req/s | worker CPU µs/req | Δ vs base | per repetition | all processes µs/req | Δ all processes |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const [id, byRoute] of Object.entries(runs)) {
    for (const [routeId, list] of Object.entries(byRoute)) {
      const cpu = median(list.map((run) => run.cpuUs));
      const rps = median(list.map((run) => run.rps));
      const group = median(list.map((run) => run.groupCpuUs));
      const baseId = base(id[0]);
      const isBase = id === baseId;
      const d = isBase ? NaN : delta(runs, id, baseId, routeId);
      const dGroup = isBase ? NaN : delta(runs, id, baseId, routeId, 'groupCpuUs');
      const repeats = repeatFor(id);
      lines.push(`| ${id} | ${routeId} | ${fmt(rps)} | ${fmt(cpu)} | ${fmt(d)} | ${repeats ? fmt(d / repeats, 1) : ''} | ${fmt(group)} | ${fmt(dGroup)} |`);
    }
  }
  return lines.join('\n');
}

async function main() {
  ensureWrk();
  const workDir = mkdtempSync(join(tmpdir(), 'hadron-stages-'));
  const cleanUp = async () => {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { cleanUp().finally(() => process.exit(130)); });
  try {
    let stagesBuild = options['stages-build'];
    if (!stagesBuild) {
      stagesBuild = join(workDir, 'stages-build');
      buildStages(stagesBuild);
    }
    log('migrating and seeding D1');
    const seeded = join(workDir, 'seeded');
    const fixture = await seedDatabase(seeded);
    const dirs = { seeded };
    const all = benchRoutes(fixture);
    const mcp = all.find((route) => route.id === 'mcp');
    const noD1 = all.find((route) => route.id === 'no-d1');
    const routes = [
      { ...noD1, id: 'no-d1-h', label: `${noD1.label}, sent the /mcp request's headers`, headers: { ...mcp.headers } },
      mcp,
      all.find((route) => route.id === 'malformed'),
    ];
    const results = {};
    console.log(`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s per variant and route, ${ROUNDS} interleaved rounds; `
      + `extra repetitions per request: ${REPEAT} (D1 ${repeatsFor('P:repeat-d1')}, body and clone ${repeatsFor('P:repeat-body')}, console calls ${LOG_REPEAT})\n`);
    // Each mode's table is printed (and saved) as soon as it is measured.
    if (options.modes.includes('miniflare')) {
      results.miniflare = await miniflareMode(stagesBuild, dirs, routes, workDir);
      if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2));
      console.log(`${report('without a debugger (Miniflare)', results.miniflare, repeatsFor)}\n`);
    }
    if (options.modes.includes('wrangler-dev')) {
      results.wranglerDev = await wranglerDevMode(stagesBuild, dirs, routes, workDir);
      if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2));
      console.log(report('under wrangler dev (inspector attached)', results.wranglerDev, repeatsFor));
    }
  } finally {
    await cleanUp();
  }
}

await main();
