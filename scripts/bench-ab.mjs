#!/usr/bin/env node
// Two builds of the project side by side with the JS baseline, in one run: the A/B of one
// change. Not part of `make bench` or `make test`.
//
//   node scripts/bench-ab.mjs BUILD_DIR_A BUILD_DIR_B [rounds (3)] [seconds (5)] [routes (mcp,no-d1,malformed,unknown)]
//
// Each BUILD_DIR is a copy of `build/` after `make build` (e.g. `cp -r build /tmp/before`).
// Before measuring it checks that A and B answer the harness's 24 parity requests alike and
// that 12 raw HTTP/1.1 exchanges come back byte for byte the same (the Date header aside),
// so a change to how responses are built cannot change the wire unnoticed. Then it runs
// wrk on each route against A, B and the JS Worker, the order rotating between rounds, and
// prints A/JS and B/JS (medians of each round's ratio) and B/A worker CPU.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, median, wrkScript } from './bench/load.mjs';
import { benchRoutes, checkParity } from './bench/routes.mjs';
import { copyDatabase, seedDatabase } from './bench/seed.mjs';
import { startMiniflare, WORKERS } from './bench/servers.mjs';
const [dirA, dirB] = process.argv.slice(2, 4);
if (dirB === undefined) throw new Error('usage: node scripts/bench-ab.mjs BUILD_DIR_A BUILD_DIR_B [rounds] [seconds] [routes]');
const ROUNDS = Number(process.argv[4] ?? 3);
const SECONDS = Number(process.argv[5] ?? 5);
const ROUTES = (process.argv[6] ?? 'mcp,no-d1,malformed,unknown').split(',');
const work = mkdtempSync(join(tmpdir(), 'hadron-bench-ab-'));
const seeded = join(work, 'seeded');
const fixture = await seedDatabase(seeded);
const names = ['A', 'B', 'js'];
const servers = {};
const raw = (baseUrl, text) => new Promise((resolve, reject) => {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname, () => socket.end(text));
  let data = '';
  socket.on('data', (chunk) => { data += chunk; });
  socket.on('end', () => resolve(data.replace(/^date: .*\r\n/gim, '')));
  socket.on('error', reject);
});
try {
  servers.A = await startMiniflare('A', WORKERS.project.miniflare(dirA), { persistDir: copyDatabase(seeded, join(work, 'A')), bindings: { BENCH_ROUTES: '1' } });
  servers.B = await startMiniflare('B', WORKERS.project.miniflare(dirB), { persistDir: copyDatabase(seeded, join(work, 'B')), bindings: { BENCH_ROUTES: '1' } });
  servers.js = await startMiniflare('js', WORKERS.js.miniflare(), { persistDir: copyDatabase(seeded, join(work, 'js')), bindings: { BENCH_ROUTES: '1' } });
  for (const [x, y] of [['A', 'B'], ['B', 'js']]) {
    const parity = await checkParity(servers[x], servers[y], fixture);
    console.log(`parity ${x}/${y}: ${parity.checked} requests, ${parity.differences.length} differences`);
    for (const d of parity.differences) console.log('  ' + d);
  }
  // Raw wire bytes (Date removed; the port differs, so the Host-derived origin is replaced).
  const probes = [
    'GET /.well-known/oauth-protected-resource/mcp HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n',
    'GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n',
    `POST /mcp HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer ${fixture.key}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 46\r\nConnection: close\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
    `POST /mcp HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer hdr_user_nope\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    `POST /mcp HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    `POST /mcp HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer ${fixture.key}\r\nContent-Type: application/json\r\nContent-Length: 39\r\nConnection: close\r\n\r\n{"jsonrpc":"2.0","method":"initialized"}`,
    `GET /mcp HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer ${fixture.key}\r\nConnection: close\r\n\r\n`,
    'GET /nope HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n',
    'POST /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: HOST\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    'GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n',
    'GET /api/me HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n',
    'GET /mcp HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
  ];
  let same = 0;
  for (const probe of probes) {
    const answers = [];
    for (const name of ['A', 'B']) {
      const host = new URL(servers[name].baseUrl).host;
      answers.push((await raw(servers[name].baseUrl, probe.replace('HOST', host))).replaceAll(host, '<host>'));
    }
    if (answers[0] === answers[1]) same += 1;
    else console.log(`WIRE DIFFERS for ${probe.split('\r\n')[0]}:\n--- A\n${answers[0]}\n--- B\n${answers[1]}`);
  }
  console.log(`wire: ${same}/${probes.length} identical byte for byte (Date aside)`);
  const routes = benchRoutes(fixture).filter((r) => ROUTES.includes(r.id));
  const scripts = Object.fromEntries(routes.map((r) => [r.id, wrkScript(work, r)]));
  for (const r of routes) for (const n of names) await measure(servers[n], r, scripts[r.id], { seconds: 1, connections: 8 });
  const runs = Object.fromEntries(routes.map((r) => [r.id, { A: [], B: [], js: [] }]));
  const orders = [['A', 'B', 'js'], ['js', 'B', 'A'], ['B', 'A', 'js'], ['js', 'A', 'B'], ['A', 'js', 'B'], ['B', 'js', 'A']];
  for (let round = 0; round < ROUNDS; round += 1) {
    console.error(`bench-ab: round ${round + 1} of ${ROUNDS}`);
    for (const r of routes) for (const n of orders[round % orders.length]) runs[r.id][n].push(await measure(servers[n], r, scripts[r.id], { seconds: SECONDS, connections: 8 }));
  }
  const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  console.log('| route | req/s A/JS → B/JS | CPU A/JS → B/JS | CPU µs A / B / JS | B/A CPU | unexpected |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of routes) {
    const x = runs[r.id];
    const ratio = (n, m, field) => median(x[n].map((run, i) => run[field] / x[m][i][field]));
    const cpu = (n) => median(x[n].map((run) => run.cpuUs));
    const unexpected = names.reduce((s, n) => s + x[n].reduce((t, run) => t + run.unexpected, 0), 0);
    console.log(`| ${r.id} | ${f(ratio('A', 'js', 'rps'))} → ${f(ratio('B', 'js', 'rps'))} | ${f(ratio('A', 'js', 'cpuUs'))} → ${f(ratio('B', 'js', 'cpuUs'))} | ${f(cpu('A'), 0)} / ${f(cpu('B'), 0)} / ${f(cpu('js'), 0)} | ${f(ratio('B', 'A', 'cpuUs'))} | ${unexpected} |`);
  }
  console.log('per-round CPU µs (A B js):');
  for (const r of routes) console.log(`  ${r.id}: ` + runs[r.id].A.map((_, i) => names.map((n) => runs[r.id][n][i].cpuUs.toFixed(0)).join('/')).join('  '));
} finally {
  for (const s of Object.values(servers)) await s.stop();
  rmSync(work, { recursive: true, force: true });
}
