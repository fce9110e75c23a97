#!/usr/bin/env node
// Where each Worker's CPU goes under load: a V8 CPU profile of the project (Rust/WASM) and
// of the plain-JS baseline, on one benchmarked route, side by side.
//
// For each Worker it starts a workerd through Miniflare's Node API as `make bench` does
// (servers.mjs), but with the V8 inspector listening (Miniflare's `inspectorPort`: workerd
// itself serves /json, one target per isolate, the Worker's being `core:user:<name>`). It
// connects to that target over a WebSocket, enables only the Profiler domain (not Runtime,
// so console calls are not turned into inspector messages), warms the route up with wrk
// (that run is also the CPU figure with the inspector attached but not profiling), then
// starts the sampling profiler, drives the route with wrk (load.mjs) and stops it.
//
// The profile is read as self time per function (name, url:line:column; the JS glue of
// the minified build/index.js is shown with the first characters of its source) and as
// totals by category: (garbage collector), (program) — workerd's own C++ while it holds
// the isolate, with no JS or WASM frame on the stack —, (idle), WASM functions, the JS
// glue in build/index.js (wasm-bindgen's imports `__wbg_*`, its other helpers, and
// worker-build's entry), the JS baseline's worker.js, JS that ships inside workerd, and
// native functions (V8 builtins and the runtime's C++ APIs, no url). Native functions are
// also charged to the nearest caller that has a url, in a second column.
//
// Per request = samples × interval / requests wrk completed. V8 records a sample only while
// the Worker's isolate is entered on workerd's thread (its state then is JS, WASM, GC,
// (program) or (idle)), so the samples cover the isolate's time, not wall time; they miss
// what workerd does outside the isolate (HTTP, Miniflare's entry Worker, which is another
// isolate), which /proc counts. The sampler seldom keeps the interval asked for (on a busy
// machine it fires about every 110 µs for 50 asked), so each sample is counted as the
// median gap between consecutive samples; the figure at the nominal interval is printed too.
//
// The build profiled should keep WASM function names: `make build` strips them (wasm-opt
// --strip-debug). `make build-named` writes build-named/: the same steps with `-g` in
// place of `--strip-debug` (binaryen writes the name section only with -g); the code is
// the release build's, only the name section is added. Then `--build build-named`.
//
// Usage: node scripts/bench/profile.mjs [--route no-d1|malformed|mcp|d1-lookup|unknown]
//          [--seconds 5] [--warmup 2] [--build DIR] [--interval 50] [--connections 8]
//          [--workers project,js] [--top 25] [--save DIR (the .cpuprofile files)]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { WebSocket } from 'undici';

import { freePort, ROOT } from '../../tests/support/app.mjs';
import { ensureWrk, measure, wrkScript } from './load.mjs';
import { benchRoutes } from './routes.mjs';
import { copyDatabase, seedDatabase } from './seed.mjs';
import { startMiniflare, stopAll, WORKERS } from './servers.mjs';

const { values: options } = parseArgs({
  options: {
    route: { type: 'string', default: 'no-d1' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    build: { type: 'string', default: join(ROOT, 'build') },
    interval: { type: 'string', default: '50' },
    connections: { type: 'string', default: '8' },
    workers: { type: 'string', default: 'project,js' },
    top: { type: 'string', default: '25' },
    save: { type: 'string' },
  },
});
const SECONDS = Number(options.seconds);
const WARMUP = Number(options.warmup);
const BUILD_DIR = resolve(options.build);
const INTERVAL_US = Number(options.interval);
const CONNECTIONS = Number(options.connections);
const TOP = Number(options.top);
const BENCH_VARS = { BENCH_ROUTES: '1' };
const JS_BASELINE = join(ROOT, 'bench', 'js-baseline', 'worker.js');

const log = (message) => console.error(`profile: ${message}`);

// ---- the inspector ---------------------------------------------------------------------

/** A DevTools-protocol session over a WebSocket: `send(method, params)` → its result. */
async function connect(url) {
  const socket = new WebSocket(url);
  await new Promise((resolveOpen, reject) => {
    socket.addEventListener('open', resolveOpen, { once: true });
    socket.addEventListener('error', (event) => reject(new Error(`inspector ${url}: ${event.message ?? 'connection failed'}`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map();
  const events = new Map();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(typeof event.data === 'string' ? event.data : Buffer.from(event.data).toString('utf8'));
    if (message.id === undefined) {
      events.set(message.method, (events.get(message.method) ?? 0) + 1);
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  socket.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${waiter.method}: inspector connection closed`));
    pending.clear();
  });
  return {
    send(method, params = {}) {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolveResult, reject) => pending.set(id, { method, resolve: resolveResult, reject }));
    },
    /** How many event messages of each kind arrived (none are asked for). */
    events: () => Object.fromEntries(events),
    close: () => socket.close(),
  };
}

/** The WebSocket URL of the Worker's isolate among the targets workerd lists at /json. */
async function workerTarget(inspectorPort, name) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.id === `core:user:${name}`);
  if (!target) throw new Error(`no inspector target core:user:${name} among ${targets.map((t) => t.id).join(', ')}`);
  return target.webSocketDebuggerUrl;
}

// ---- reading a profile -------------------------------------------------------------------

/** True when a .wasm file has a `name` custom section (function names for the profile). */
function wasmHasNames(file) {
  const bytes = readFileSync(file);
  let offset = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[offset++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (offset < bytes.length) {
    const id = bytes[offset++];
    const size = leb();
    const end = offset + size;
    if (id === 0) {
      const length = leb();
      if (bytes.toString('utf8', offset, offset + length) === 'name') return true;
    }
    offset = end;
  }
  return false;
}

const NATIVE_FROM_WORKERD = 'native, no JS/WASM caller (called by workerd)';
const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** The category of one profile node's call frame. */
function categoryOf(frame, scripts) {
  const { functionName: name, url } = frame;
  if (SPECIAL.has(name)) return name;
  if (url.startsWith('wasm://')) return 'WASM';
  if (url !== '' && url === scripts.glueUrl) {
    if (name.startsWith('__wbg_') || name.startsWith('__wbindgen_')) return 'glue: wasm-bindgen imports (__wbg_*)';
    return 'glue: other index.js functions';
  }
  if (url !== '' && url === scripts.workerUrl) return 'worker.js (the JS Worker)';
  if (url === '') return 'native (V8 builtins, runtime C++ APIs)';
  return `runtime JS (${url.replace(/:.*$/, ':…')})`;
}

/**
 * Self samples per function and per category of a CDP Profile, with native frames (no url)
 * also charged to the nearest caller that has one.
 */
function aggregate(profile, scripts) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const hits = new Map();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

  const functions = new Map();
  const categories = new Map();
  const charged = new Map();
  const bump = (map, key, count) => map.set(key, (map.get(key) ?? 0) + count);
  for (const [id, count] of hits) {
    const { callFrame } = byId.get(id);
    let owner = id;
    while (categoryOf(byId.get(owner).callFrame, scripts).startsWith('native') && parent.has(owner)) owner = parent.get(owner);
    const ownerCategory = categoryOf(byId.get(owner).callFrame, scripts);
    // A native frame with no JS or WASM frame below it: workerd called it directly (a jsg
    // callback: a promise continuation, queueMicrotask's wrapper, console.log's native part).
    let category = categoryOf(callFrame, scripts);
    if (category.startsWith('native') && ownerCategory === '(root)') category = NATIVE_FROM_WORKERD;
    const key = `${callFrame.functionName}\u0000${callFrame.url}\u0000${callFrame.lineNumber}\u0000${callFrame.columnNumber}`;
    const entry = functions.get(key) ?? { frame: callFrame, category, samples: 0, callers: new Map() };
    entry.samples += count;
    functions.set(key, entry);
    bump(categories, category, count);
    // Who called this frame, for native and glue frames (what crossing it was).
    const up = parent.get(id);
    if (up !== undefined) {
      const caller = byId.get(up).callFrame;
      bump(entry.callers, caller.functionName || '(anonymous)', count);
    }
    bump(charged, ownerCategory === '(root)' ? category : ownerCategory, count);
  }
  const deltas = profile.timeDeltas.slice(1).filter((d) => d > 0).sort((a, b) => a - b);
  return {
    samples: profile.samples.length,
    spanUs: profile.endTime - profile.startTime,
    medianDeltaUs: deltas.length > 0 ? deltas[Math.floor(deltas.length / 2)] : NaN,
    functions: [...functions.values()].sort((a, b) => b.samples - a.samples),
    categories,
    charged,
  };
}

// ---- the report --------------------------------------------------------------------------

const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const pad = (text, width) => String(text).padEnd(width);
const lpad = (text, width) => String(text).padStart(width);

function where(frame, scripts) {
  if (frame.url === '') return '';
  const file = frame.url.startsWith('wasm://') ? 'wasm' : frame.url.replace(/^.*\//, '');
  const position = `${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
  if (frame.url === scripts.glueUrl && scripts.glueSource) {
    // Minified: show what the function is.
    const lines = scripts.glueSource.split('\n');
    const text = (lines[frame.lineNumber] ?? '').slice(frame.columnNumber, frame.columnNumber + 70);
    return `${position}  \`${text}\``;
  }
  return position;
}

function workerReport(label, result, scripts) {
  const { agg, run, idle } = result;
  // The sampler rarely keeps the interval asked for: each sample stands for the median gap.
  const perRequest = (samples) => (samples * agg.medianDeltaUs) / run.requests;
  const nominal = (samples) => (samples * INTERVAL_US) / run.requests;
  const lines = [
    `=== ${label} — ${run.requests} requests in ${SECONDS} s (${fixed(run.rps, 0)} req/s, ${run.unexpected} unexpected statuses)`,
    `samples: ${agg.samples} at a ${INTERVAL_US} µs interval (median gap between samples ${fixed(agg.medianDeltaUs)} µs; profile spans ${fixed(agg.spanUs / 1e6, 2)} s)`
      + ` → ${fixed(agg.samples / run.requests, 2)} samples/request = ${fixed(perRequest(agg.samples))} µs/request at the median gap`
      + ` (${fixed(nominal(agg.samples))} at the nominal interval); µs/req below use the median gap`,
    `workerd CPU from /proc: ${fixed(idle.cpuUs)} µs/request with the inspector attached, not profiling (warm-up, ${idle.requests} requests);`
      + ` ${fixed(run.cpuUs)} µs/request while profiling (includes V8's sampler thread)`,
    '',
    `top ${TOP} by self time:`,
    `${lpad('samples', 8)} ${lpad('µs/req', 7)} ${lpad('share', 6)}  ${pad('category', 38)} function  (where; callers)`,
  ];
  for (const entry of agg.functions.slice(0, TOP)) {
    const callers = [...entry.callers].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, count]) => `${name} ${count}`).join(', ');
    lines.push(`${lpad(entry.samples, 8)} ${lpad(fixed(perRequest(entry.samples)), 7)} ${lpad(fixed((100 * entry.samples) / agg.samples), 5)}%  `
      + `${pad(entry.category, 38)} ${entry.frame.functionName || '(anonymous)'}  (${where(entry.frame, scripts)}${callers ? `; ← ${callers}` : ''})`);
  }
  lines.push('', 'by category (self; and with native frames charged to their nearest caller with a url):');
  const names = [...new Set([...agg.categories.keys(), ...agg.charged.keys()])].sort((a, b) => (agg.categories.get(b) ?? 0) - (agg.categories.get(a) ?? 0));
  for (const name of names) {
    const self = agg.categories.get(name) ?? 0;
    const charged = agg.charged.get(name) ?? 0;
    lines.push(`${lpad(self, 8)} ${lpad(fixed(perRequest(self)), 7)} µs/req ${lpad(fixed((100 * self) / agg.samples), 5)}%   `
      + `charged ${lpad(charged, 7)} ${lpad(fixed(perRequest(charged)), 7)} µs/req   ${name}`);
  }
  lines.push(`inspector events received (none asked for): ${JSON.stringify(result.events)}`);
  return lines.join('\n');
}

function comparison(results) {
  const [a, b] = [results.project, results.js];
  if (!a || !b) return '';
  const per = (result, samples) => (samples * result.agg.medianDeltaUs) / result.run.requests;
  const [ma, mb] = [a.agg.categories, b.agg.categories];
  const names = [...new Set([...ma.keys(), ...mb.keys()])]
    .sort((x, y) => (per(a, ma.get(y) ?? 0) - per(b, mb.get(y) ?? 0)) - (per(a, ma.get(x) ?? 0) - per(b, mb.get(x) ?? 0)));
  const lines = [
    '=== side by side, self µs/request (samples × median gap / requests)',
    `${pad('category', 44)} ${lpad('project', 8)} ${lpad('JS', 8)} ${lpad('Δ', 8)}`,
  ];
  for (const name of names) {
    const [x, y] = [per(a, ma.get(name) ?? 0), per(b, mb.get(name) ?? 0)];
    lines.push(`${pad(name, 44)} ${lpad(fixed(x), 8)} ${lpad(fixed(y), 8)} ${lpad(fixed(x - y), 8)}`);
  }
  const [ta, tb] = [per(a, a.agg.samples), per(b, b.agg.samples)];
  lines.push(`${pad('total sampled', 44)} ${lpad(fixed(ta), 8)} ${lpad(fixed(tb), 8)} ${lpad(fixed(ta - tb), 8)}`);
  lines.push(`${pad('workerd /proc CPU, not profiling', 44)} ${lpad(fixed(a.idle.cpuUs), 8)} ${lpad(fixed(b.idle.cpuUs), 8)} ${lpad(fixed(a.idle.cpuUs - b.idle.cpuUs), 8)}`);
  return lines.join('\n');
}

// ---- one Worker ---------------------------------------------------------------------------

async function profileWorker(name, persistDir, route, script) {
  const inspectorPort = await freePort();
  const workerOptions = name === 'project' ? WORKERS.project.miniflare(BUILD_DIR) : WORKERS.js.miniflare(JS_BASELINE);
  const server = await startMiniflare(name, { ...workerOptions, inspectorPort }, { persistDir, bindings: BENCH_VARS });
  let session;
  try {
    session = await connect(await workerTarget(inspectorPort, name));
    await session.send('Profiler.enable');
    log(`${name}: warm-up ${WARMUP} s (inspector attached, not profiling)`);
    const idle = await measure(server, route, script, { seconds: WARMUP, connections: CONNECTIONS });
    await session.send('Profiler.setSamplingInterval', { interval: INTERVAL_US });
    await session.send('Profiler.start');
    log(`${name}: profiling ${SECONDS} s of ${route.id}`);
    const run = await measure(server, route, script, { seconds: SECONDS, connections: CONNECTIONS });
    const { profile } = await session.send('Profiler.stop');
    await session.send('Profiler.disable');
    return { run, idle, profile, events: session.events() };
  } finally {
    session?.close();
    await server.stop();
  }
}

/** The url under which each isolate names a script: read from the profile itself. */
function scriptUrls(profiles) {
  const urls = new Set();
  for (const profile of profiles) for (const node of profile.nodes) if (node.callFrame.url) urls.add(node.callFrame.url);
  const find = (suffix) => [...urls].find((url) => url === suffix || url.endsWith(`/${suffix}`));
  return { glueUrl: find('index.js'), workerUrl: find('worker.js') };
}

async function main() {
  ensureWrk();
  const workers = options.workers.split(',');
  for (const name of workers) if (!(name in WORKERS)) throw new Error(`unknown worker ${name}: project or js`);
  const wasmFile = join(BUILD_DIR, 'index_bg.wasm');
  if (workers.includes('project') && !wasmHasNames(wasmFile)) {
    log(`warning: ${wasmFile} has no name section: WASM functions will show as $funcN (make build strips names)`);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'hadron-profile-'));
  const cleanUp = async () => {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { cleanUp().finally(() => process.exit(130)); });
  try {
    log('migrating and seeding D1');
    const seeded = join(workDir, 'seeded');
    const fixture = await seedDatabase(seeded);
    const route = benchRoutes(fixture).find((r) => r.id === options.route);
    if (!route) throw new Error(`unknown route ${options.route}: one of ${benchRoutes(fixture).map((r) => r.id).join(', ')}`);
    const script = wrkScript(workDir, route);
    const results = {};
    for (const name of workers) {
      const persistDir = copyDatabase(seeded, join(workDir, name));
      results[name] = await profileWorker(name, persistDir, route, script);
      if (options.save) {
        const file = join(resolve(options.save), `${name}-${route.id}.cpuprofile`);
        writeFileSync(file, JSON.stringify(results[name].profile));
        log(`wrote ${file} (opens in Chrome DevTools' Performance panel)`);
      }
    }
    const scripts = scriptUrls(Object.values(results).map((r) => r.profile));
    if (scripts.glueUrl) scripts.glueSource = readFileSync(join(BUILD_DIR, 'index.js'), 'utf8');
    const out = [
      `route: ${route.id} — ${route.method} ${route.path} (${route.label}); wrk -t1 -c${CONNECTIONS} -d${SECONDS}s after a ${WARMUP} s warm-up;`
        + ` V8 sampling profiler at ${INTERVAL_US} µs, Profiler domain only (Runtime not enabled)`,
      `project build: ${BUILD_DIR} (WASM names: ${workers.includes('project') ? (wasmHasNames(wasmFile) ? 'yes' : 'no') : 'n/a'})`,
      '',
    ];
    for (const name of workers) {
      results[name].agg = aggregate(results[name].profile, scripts);
      out.push(workerReport(WORKERS[name].label, results[name], scripts), '');
    }
    out.push(comparison(results));
    console.log(out.join('\n'));
  } finally {
    await cleanUp();
  }
}

await main();
