#!/usr/bin/env node
// The numbers behind docs/scaling.md: what one D1 database sustains for the /mcp key
// lookup, what 100× that needs under each design, and a small simulation of the design
// docs/scaling.md recommends (the keys sharded over N databases by their hash).
//
//   node scripts/scaling-model.mjs                     # the table, with the defaults below
//   node scripts/scaling-model.mjs --query-ms 0.5      # another time per query inside D1
//   node scripts/scaling-model.mjs --measure           # also measure the lookup's SQL time in a local D1
//
// Model. A D1 database executes its queries one at a time (Cloudflare's D1 limits FAQ:
// "Each individual D1 database is inherently single-threaded"), so it sustains at most
// 1 / (time per query) lookups per second; we plan for a utilisation of 70 % so that
// queueing stays short (M/D/1: mean wait = ρ·s / (2(1 − ρ))). A Durable Object has a
// documented soft limit of 1,000 requests per second. D1 read replication keeps one
// read replica per region (six today). The simulation sends Poisson traffic over a
// million keys (uniform, or Zipf-skewed: a few keys much busier than the rest) to N
// single-threaded shards chosen by the key's hash, with a fixed service time, and
// reports the busiest shard's utilisation and the queueing delay.
//
// Options: --query-ms (1) --multiplier (100) --utilisation (0.7) --keys (1000000)
//          --active-keys (100000) --regions (6) --do-rps (1000) --seconds (2) --measure
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    'query-ms': { type: 'string', default: '1' },
    multiplier: { type: 'string', default: '100' },
    utilisation: { type: 'string', default: '0.7' },
    keys: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '2' },
    regions: { type: 'string', default: '6' },
    'do-rps': { type: 'string', default: '1000' },
    'active-keys': { type: 'string', default: '100000' },
    measure: { type: 'boolean', default: false },
  },
});
const QUERY_MS = Number(options['query-ms']);
const MULTIPLIER = Number(options.multiplier);
const RHO = Number(options.utilisation);
const KEYS = Number(options.keys);
const SIM_SECONDS = Number(options.seconds);
const REGIONS = Number(options.regions);
const DO_RPS = Number(options['do-rps']);
const ACTIVE_KEYS = Number(options['active-keys']);

// ---- one database -----------------------------------------------------------------------

const perDbMax = 1000 / QUERY_MS; // lookups per second at 100 % busy
const perDbPlanned = perDbMax * RHO;
const target = MULTIPLIER * perDbPlanned;
const mdOneWaitMs = (rho, serviceMs) => (rho * serviceMs) / (2 * (1 - rho));

// ---- a deterministic random source, so the table is the same on every run ---------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a key lives: a well-mixed hash of its index, as SHA-256 of a random key would be. */
function shardOf(key, shards) {
  let h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h ^= h >>> 16;
  return (h >>> 0) % shards;
}

/** Key popularity: Zipf with exponent `s` over `n` keys (s = 0: uniform). */
function keySampler(n, s, random) {
  if (s === 0) return () => Math.floor(random() * n);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k += 1) {
    total += (k + 1) ** -s;
    cumulative[k] = total;
  }
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
}

/** Poisson arrivals at `rate`/s for `seconds`, each served FIFO by its key's shard. */
function simulate({ rate, shards, serviceMs, zipf, seed = 1 }) {
  const random = mulberry32(seed);
  const pickKey = keySampler(KEYS, zipf, random);
  const freeAt = new Float64Array(shards);
  const busy = new Float64Array(shards);
  const waits = [];
  let t = 0;
  const end = SIM_SECONDS * 1000;
  while (true) {
    t += (-Math.log(1 - random()) / rate) * 1000;
    if (t > end) break;
    const shard = shardOf(pickKey(), shards);
    const start = Math.max(t, freeAt[shard]);
    waits.push(start - t);
    freeAt[shard] = start + serviceMs;
    busy[shard] += serviceMs;
  }
  waits.sort((a, b) => a - b);
  const at = (q) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))];
  const utilisation = Array.from(busy, (b) => b / end);
  const hottest = Math.max(...utilisation);
  return {
    requests: waits.length,
    meanUtilisation: utilisation.reduce((a, b) => a + b, 0) / shards,
    hottest,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    // A shard past 100 % never catches up: its queue grows for as long as the load lasts.
    saturated: utilisation.filter((u) => u >= 0.98).length,
  };
}

/** The top key's share of all traffic under Zipf(s) over KEYS keys. */
function topKeyShare(s) {
  if (s === 0) return 1 / KEYS;
  let total = 0;
  for (let k = 1; k <= KEYS; k += 1) total += k ** -s;
  return 1 / total;
}

async function measureLocalQuery() {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { d1Only, seedDatabase, sha256Hex } = await import('./bench/seed.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'hadron-scaling-'));
  try {
    const { key } = await seedDatabase(dir);
    const mf = d1Only(dir);
    try {
      const db = await mf.getD1Database('DB');
      const sql = 'SELECT k.id, k.label, k.last4, k.source, k.oauth_client_id, k.created_at, '
        + 'k.last_used_at, u.id AS user_id, u.email, u.role '
        + 'FROM api_keys k JOIN users u ON u.id = k.user_id '
        + 'WHERE k.key_hash = ?1 AND k.revoked_at IS NULL';
      const statement = db.prepare(sql).bind(sha256Hex(key));
      const first = await statement.all();
      // D1's meta.duration counts whole milliseconds, too coarse for one lookup: time
      // batches of 1,000 lookups instead (one round trip each, so its cost is amortised).
      const perLookupMs = [];
      for (let i = 0; i < 5; i += 1) {
        const started = performance.now();
        await db.batch(Array.from({ length: 1000 }, () => statement));
        perLookupMs.push((performance.now() - started) / 1000);
      }
      perLookupMs.sort((a, b) => a - b);
      const plan = await db.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(sha256Hex(key)).all();
      return {
        batchedMs: perLookupMs[2],
        rowsRead: first.meta.rows_read,
        plan: plan.results.map((row) => row.detail).join('; '),
      };
    } finally {
      await mf.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (value, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main() {
  const out = [];
  out.push(`Assumptions: ${QUERY_MS} ms per lookup inside D1 (one query at a time), planned utilisation ${RHO * 100} %, `
    + `${REGIONS} read replicas, ${f(DO_RPS)} requests/s soft limit per Durable Object, ${f(KEYS)} keys.`);
  if (options.measure) {
    const measured = await measureLocalQuery();
    out.push(`Measured here (the local D1 of Miniflare: SQLite in workerd, 10,000 keys): ${f(measured.batchedMs * 1000)} µs per lookup `
      + `in batches of 1,000 (median of 5), rows read ${measured.rowsRead}; plan: ${measured.plan}`);
  }
  out.push('');
  out.push(`One database: at most ${f(perDbMax)} lookups/s; planned ${f(perDbPlanned)}/s `
    + `(M/D/1 mean queueing ${f(mdOneWaitMs(RHO, QUERY_MS), 2)} ms at ${RHO * 100} %).`);
  out.push(`Target: ${MULTIPLIER}× = ${f(target)} lookups/s.`);
  const touches = ACTIVE_KEYS / 60;
  out.push(`The last_used_at write (at most once a minute per key, after the response): ${f(ACTIVE_KEYS)} keys in use `
    + `→ up to ${f(touches)} writes/s, ${f((touches * QUERY_MS) / 10, 0)} % of one database if a write costs what a lookup does; `
    + `spread over the shards below: ${f(touches / Math.ceil(target / perDbPlanned), 1)}/s each.`);
  out.push('');

  const shardsNeeded = Math.ceil(target / perDbPlanned);
  const dosNeeded = Math.ceil(target / (DO_RPS * RHO));
  out.push('| design | stores for the target | reaches the target? | revocation on the next request? | added on the hot path |');
  out.push('|---|---:|---|---|---|');
  out.push(`| one D1 (today) | 1 | no: ${f(perDbPlanned)}/s | yes | — |`);
  out.push(`| read replication, every lookup in a \`first-primary\` session | 1 primary + ${REGIONS} replicas | no: the primary still serves every lookup (${f(perDbPlanned)}/s) | yes | nothing (\`withSession\` is local) |`);
  out.push(`| read replication, unconstrained sessions | 1 + ${REGIONS} | no: at most ${REGIONS}× = ${f(REGIONS * perDbPlanned)}/s, and only with traffic spread evenly over regions | **no**: a replica may lag the revoke | nothing |`);
  out.push(`| read replication + a revocation bookmark read from Durable Objects per request | 1 + ${REGIONS} D1, ≥ ${dosNeeded} DOs | no: replicas cap at ${REGIONS}× | yes, if every lookup waits for the bookmark | 1 DO round trip, then the replica may wait to catch up |`);
  out.push(`| **keys sharded over N D1 databases by their hash** | **${shardsNeeded}** (+ headroom, see below) | **yes** | **yes**: each key has one primary | **nothing**: the shard is read off the SHA-256 we compute anyway |`);
  out.push(`| validity cached, revocations in Durable Objects sharded by key hash | ≥ ${dosNeeded} DOs + D1 for misses | yes | yes, if every request asks the DO | 1 DO round trip on every request (DOs live in one place each) |`);
  out.push('');

  out.push(`Simulation of the sharded design: ${SIM_SECONDS} s of Poisson traffic at ${f(target)}/s over ${f(KEYS)} keys, `
    + `service ${QUERY_MS} ms per lookup, FIFO per shard (queueing delay only, in ms).`);
  out.push('');
  out.push('| key popularity | top key\'s share | shards | mean utilisation | busiest shard | saturated shards | p50 wait | p99 wait | p99.9 wait |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const zipf of [0, 0.6, 0.9]) {
    const share = topKeyShare(zipf);
    for (const shards of [shardsNeeded, Math.ceil(shardsNeeded * 1.25)]) {
      const r = simulate({ rate: target, shards, serviceMs: QUERY_MS, zipf });
      out.push(`| ${zipf === 0 ? 'uniform' : `Zipf ${zipf}`} | ${share < 1e-4 ? share.toExponential(0) : `${f(share * 100, 2)} %`} (${f(share * target, share * target < 1 ? 2 : 0)}/s) | ${shards} `
        + `| ${f(r.meanUtilisation * 100, 1)} % | ${f(Math.min(r.hottest, 9.99) * 100, 1)} %${r.hottest >= 1 ? ' (over capacity)' : ''} | ${r.saturated} `
        + `| ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.p999, 2)} |`);
    }
  }
  out.push('');
  out.push(`A single key busier than one database (${f(perDbMax)}/s) overloads its shard whatever N is: `
    + 'every design that keeps a key\'s truth in one single-threaded store has that per-key ceiling.');
  console.log(out.join('\n'));
}

await main();
