#!/usr/bin/env node
// make bench: how fast is the /mcp key check, next to the platform's own costs?
//
// Starts the release bundle under `wrangler dev` on 127.0.0.1 with a fresh D1 seeded with
// 10,000 keys over 100 users, then drives four routes with wrk (fixed time, fixed
// concurrency) and prints, for one run: requests/s, p50 and p99 of
//   (a) authenticated /mcp tools/list
//   (b) /mcp with a malformed key (refused before any D1 work)
//   (c) an unauthenticated route with no D1 work (the protected resource metadata)
//   (d) a route that does only the same single D1 lookup (BENCH_ROUTES baseline), sent
//       the same POST body and headers as (a)
// and the ratios a/d and a/c; the .wasm size raw and gzipped; and the CPU cost of one
// argon2id hash in workerd (sign-in time minus a session lookup).
//
// The four routes are measured in interleaved rounds (a b c d, a b c d, …) and each figure
// is the median over the rounds, so a burst of other work on a shared machine skews one
// round of every route rather than all of one route.
//
// Options: --duration SECONDS per round (5) --rounds N (3) --connections N (16) --threads N (2)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { migrate, ROOT, spawnApp } from '../tests/support/app.mjs';
import { Client, PASSWORD, uniqueEmail } from '../tests/support/client.mjs';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
  },
});

function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  if (process.getuid?.() !== 0) throw new Error('wrk is missing: install it (Debian: apt-get install wrk)');
  console.error('bench: installing wrk from Debian…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** 100 users with 100 keys each, written straight into the fresh D1. Returns one raw key. */
function seed(persistDir, workDir) {
  const users = 100;
  const keysPerUser = 100;
  const now = Date.now();
  const lines = ['BEGIN TRANSACTION;'];
  let sample = null;
  for (let u = 0; u < users; u += 1) {
    const userId = `usr_${randomBytes(16).toString('hex')}`;
    // Seeded users cannot sign in: their password hash is not a valid argon2 string.
    lines.push(`INSERT INTO users (id, email, password_hash, role, created_at) VALUES ('${userId}', 'bench-${u}@example.com', 'seeded', 'member', ${now});`);
    for (let k = 0; k < keysPerUser; k += 1) {
      const raw = `hdr_user_${randomBytes(32).toString('hex')}`;
      sample ??= raw;
      lines.push(`INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, created_at) VALUES ('key_${randomBytes(16).toString('hex')}', '${userId}', '${sha256(raw)}', '${raw.slice(-4)}', 'bench ${k}', 'portal', ${now + k});`);
    }
  }
  lines.push('COMMIT;');
  const file = join(workDir, 'seed.sql');
  writeFileSync(file, lines.join('\n'));
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', persistDir, '--file', file],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } });
  if (result.status !== 0) throw new Error(`seeding failed:\n${result.stderr}`);
  return sample;
}

/** A wrk Lua script: the request, and a count of responses with an unexpected status. */
function wrkScript(workDir, name, { method = 'GET', headers = {}, body = null, expect, randomClient = false }) {
  const headerLines = Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n');
  const script = `
wrk.method = ${JSON.stringify(method)}
${body === null ? '' : `wrk.body = ${JSON.stringify(body)}`}
${headerLines}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
${randomClient ? `function request()
  -- A different client address per request, so the invalid-bearer limit (per client)
  -- measures its own cost instead of answering 429.
  wrk.headers["CF-Connecting-IP"] = "127." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format()
end` : ''}
function response(status, headers, body)
  if status ~= ${expect} then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write("UNEXPECTED " .. total .. "\\n")
end
`;
  const file = join(workDir, `${name}.lua`);
  writeFileSync(file, script);
  return file;
}

function toMs(text) {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

function runWrk(url, script) {
  const args = ['-t', options.threads, '-c', options.connections, '-d', `${options.duration}s`, '--latency', '-s', script, url];
  // A short warm-up so the first isolate start-up is not in the figures.
  spawnSync('wrk', ['-t', '1', '-c', '2', '-d', '2s', '-s', script, url]);
  const output = execFileSync('wrk', args, { encoding: 'utf8' });
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)[1]),
    p50: toMs(/\s50%\s+(\S+)/.exec(output)[1]),
    p99: toMs(/\s99%\s+(\S+)/.exec(output)[1]),
    requests: Number(/(\d+) requests in/.exec(output)[1]),
    unexpected: Number(/UNEXPECTED (\d+)/.exec(output)[1]),
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * One request at a time, the routes interleaved: the mean latency of each, so that a − d
 * is what our own code adds to the D1 round trip, free of queueing under load.
 */
async function sequentialLatency(requests) {
  const means = Object.fromEntries(Object.keys(requests).map((id) => [id, []]));
  for (let round = 0; round < 3; round += 1) {
    for (const [id, send] of Object.entries(requests)) {
      const started = performance.now();
      for (let i = 0; i < 200; i += 1) await send();
      means[id].push((performance.now() - started) / 200);
    }
  }
  return Object.fromEntries(Object.entries(means).map(([id, values]) => [id, median(values)]));
}

async function argon2Cost(baseUrl) {
  const client = new Client(baseUrl);
  const email = uniqueEmail('bench');
  await client.signup(email, PASSWORD);
  const signIns = [];
  const lookups = [];
  for (let i = 0; i < 20; i += 1) {
    let started = performance.now();
    await new Client(baseUrl).login(email, PASSWORD);
    signIns.push(performance.now() - started);
    started = performance.now();
    await client.me();
    lookups.push(performance.now() - started);
  }
  return { signIn: median(signIns), lookup: median(lookups) };
}

async function main() {
  ensureWrk();
  const wasm = readFileSync(join(ROOT, 'build', 'index_bg.wasm'));
  const workDir = mkdtempSync(join(tmpdir(), 'hadron-bench-'));
  const persistDir = join(workDir, 'd1');
  migrate(persistDir);
  const key = seed(persistDir, workDir);
  const app = await spawnApp({ persistDir, vars: { BENCH_ROUTES: '1' } });
  try {
    const mcpBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const mcpHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
    const scenarios = [
      ['a', 'authenticated /mcp tools/list', `${app.baseUrl}/mcp`,
        { method: 'POST', body: mcpBody, headers: { ...mcpHeaders, Authorization: `Bearer ${key}` }, expect: 200 }],
      ['b', '/mcp with a malformed key (no D1)', `${app.baseUrl}/mcp`,
        { method: 'POST', body: mcpBody, headers: { ...mcpHeaders, Authorization: 'Bearer hdr_user_not-a-key' }, expect: 401, randomClient: true }],
      ['c', 'unauthenticated, no D1 (/.well-known/oauth-protected-resource)', `${app.baseUrl}/.well-known/oauth-protected-resource`,
        { expect: 200 }],
      ['d', 'only the same D1 lookup (/api/bench/d1-lookup)', `${app.baseUrl}/api/bench/d1-lookup`,
        { method: 'POST', body: mcpBody, headers: { ...mcpHeaders, 'X-Key-Hash': sha256(key) }, expect: 200 }],
    ];
    const rounds = Object.fromEntries(scenarios.map(([id]) => [id, []]));
    for (let round = 0; round < Number(options.rounds); round += 1) {
      for (const [id, , url, spec] of scenarios) rounds[id].push(runWrk(url, wrkScript(workDir, id, spec)));
    }
    const results = Object.fromEntries(Object.entries(rounds).map(([id, runs]) => [id, {
      rps: median(runs.map((run) => run.rps)),
      p50: median(runs.map((run) => run.p50)),
      p99: median(runs.map((run) => run.p99)),
      requests: runs.reduce((sum, run) => sum + run.requests, 0),
      unexpected: runs.reduce((sum, run) => sum + run.unexpected, 0),
    }]));
    const send = (path, init = {}) => () => fetch(app.baseUrl + path, init).then((response) => response.arrayBuffer());
    const latency = await sequentialLatency({
      a: send('/mcp', { method: 'POST', body: mcpBody, headers: { ...mcpHeaders, Authorization: `Bearer ${key}` } }),
      d: send('/api/bench/d1-lookup', { method: 'POST', body: mcpBody, headers: { ...mcpHeaders, 'X-Key-Hash': sha256(key) } }),
      c: send('/.well-known/oauth-protected-resource'),
    });
    const cost = await argon2Cost(app.baseUrl);

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const wrangler = execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['--version'], { encoding: 'utf8' }).trim();
    const lines = [
      `machine: ${cpus().length} × ${cpu}; node ${process.version}; wrangler ${wrangler}`,
      `load: wrk -t${options.threads} -c${options.connections} -d${options.duration}s per route and round, ${options.rounds} interleaved rounds (medians), 127.0.0.1, D1 seeded with 10,000 keys over 100 users`,
      '',
      '| route | requests/s | p50 ms | p99 ms | requests (all rounds) | unexpected status |',
      '|---|---:|---:|---:|---:|---:|',
      ...scenarios.map(([id, label]) => {
        const r = results[id];
        return `| (${id}) ${label} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.requests} | ${r.unexpected} |`;
      }),
      '',
      `a/d (throughput of /mcp vs the bare D1 lookup): ${(results.a.rps / results.d.rps).toFixed(2)}`,
      `a/c (throughput of /mcp vs a route without D1): ${(results.a.rps / results.c.rps).toFixed(2)}`,
      `sequential mean latency (one request at a time, 3 × 200 each): a ${latency.a.toFixed(2)} ms, `
        + `d ${latency.d.toFixed(2)} ms, c ${latency.c.toFixed(2)} ms → /mcp adds ${(latency.a - latency.d).toFixed(2)} ms to the bare D1 lookup`,
      `wasm: ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} bytes gzipped`,
      `argon2id in workerd: sign-in ${cost.signIn.toFixed(1)} ms vs session lookup ${cost.lookup.toFixed(1)} ms → ≈ ${(cost.signIn - cost.lookup).toFixed(1)} ms per hash`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await app.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
