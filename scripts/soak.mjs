#!/usr/bin/env node
// make soak: many concurrent clients for a bounded time, each minting keys, calling /mcp
// with them and revoking some, against a real wrangler dev. Halfway through, the server
// is stopped and started again on the same D1 folder. It checks, and prints:
//   - zero 5xx responses;
//   - every revoked key is rejected (401) by the very next request after its revoke
//     returned, and every key still active still works, before and after the restart;
//   - every key minted before the restart is still there, with its state;
//   - the number of key rows equals the number of successful mints; no two share a hash.
//
// Options: --duration SECONDS (60) --clients N (16)
// `runSoak` is also what the short soak inside `make test` runs.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

import { query, spawnApp } from '../tests/support/app.mjs';
import { Client, PASSWORD, rpc, uniqueEmail } from '../tests/support/client.mjs';

/** One simulated user: its own account, its own keys, its own client address. */
class SoakClient {
  constructor(index, stats) {
    this.index = index;
    this.stats = stats;
    // A client address of its own, so the per-client limit on invalid bearer tokens
    // (which every post-revoke check is) applies per simulated client, as in production.
    this.address = `127.0.1.${index + 1}`;
    this.keys = []; // { id, secret, revoked }
  }

  record(response) {
    this.stats.requests += 1;
    if (response.status >= 500) {
      this.stats.serverErrors += 1;
      this.stats.violations.push(`client ${this.index}: ${response.status} ${response.text.slice(0, 120)}`);
    }
    return response;
  }

  async mcp(secret) {
    return this.record(await this.client.mcp(secret, rpc('tools/list'), { 'cf-connecting-ip': this.address }));
  }

  async start(baseUrl) {
    this.client = new Client(baseUrl);
    this.email = uniqueEmail(`soak${this.index}`);
    const signup = this.record(await this.client.signup(this.email, PASSWORD));
    if (signup.status !== 201) throw new Error(`soak sign-up failed: ${signup.status} ${signup.text}`);
  }

  /** After a restart: same account, same cookie, new address. */
  moveTo(baseUrl) {
    const cookie = this.client.cookie;
    this.client = new Client(baseUrl);
    this.client.cookie = cookie;
  }

  async step() {
    const minted = this.record(await this.client.mint(`soak ${this.index}.${this.keys.length}`));
    if (minted.status !== 201) {
      this.stats.violations.push(`client ${this.index}: mint answered ${minted.status}`);
      return;
    }
    this.stats.mints += 1;
    const key = { id: minted.body.id, secret: minted.body.secret, revoked: false };
    this.keys.push(key);
    const used = await this.mcp(key.secret);
    if (used.status !== 200) this.stats.violations.push(`client ${this.index}: new key answered ${used.status}`);
    this.stats.mcpCalls += 1;

    const active = this.keys.filter((candidate) => !candidate.revoked);
    if (active.length > 1 && Math.random() < 0.3) {
      const victim = active[Math.floor(Math.random() * active.length)];
      const revoked = this.record(await this.client.revoke(victim.id));
      if (revoked.status !== 200) {
        this.stats.violations.push(`client ${this.index}: revoke answered ${revoked.status}`);
        return;
      }
      victim.revoked = true;
      this.stats.revokes += 1;
      const next = await this.mcp(victim.secret);
      this.stats.mcpCalls += 1;
      if (next.status !== 401) {
        this.stats.violations.push(`client ${this.index}: the request right after a revoke answered ${next.status}`);
      }
    }
  }

  async run(until) {
    while (Date.now() < until) await this.step();
  }

  /** Every key behaves as its recorded state says, in the list and on /mcp. */
  async verify(label) {
    const listed = this.record(await this.client.listKeys());
    const rows = new Map((listed.body?.keys ?? []).map((row) => [row.id, row]));
    for (const key of this.keys) {
      const row = rows.get(key.id);
      const expected = key.revoked ? 'revoked' : 'active';
      if (!row) this.stats.violations.push(`${label}: key ${key.id} is missing`);
      else if (row.status !== expected) this.stats.violations.push(`${label}: key ${key.id} is ${row.status}, expected ${expected}`);
      const status = (await this.mcp(key.secret)).status;
      this.stats.mcpCalls += 1;
      if (status !== (key.revoked ? 401 : 200)) {
        this.stats.violations.push(`${label}: ${expected} key ${key.id} answered ${status} on /mcp`);
      }
    }
  }
}

export async function runSoak({ durationMs, clients: clientCount }) {
  const stats = { requests: 0, mints: 0, revokes: 0, mcpCalls: 0, serverErrors: 0, violations: [] };
  let app = await spawnApp();
  const { persistDir } = app;
  const started = Date.now();
  try {
    const clients = Array.from({ length: clientCount }, (_, index) => new SoakClient(index, stats));
    await Promise.all(clients.map((client) => client.start(app.baseUrl)));

    await Promise.all(clients.map((client) => client.run(started + durationMs / 2)));
    const keysBeforeRestart = clients.reduce((sum, client) => sum + client.keys.length, 0);
    await app.stop({ keepData: true });
    app = await spawnApp({ persistDir });
    for (const client of clients) client.moveTo(app.baseUrl);
    await Promise.all(clients.map((client) => client.verify('after restart')));

    // The second half gets its full share of load time, however long the restart took.
    const secondHalfEnds = Date.now() + durationMs / 2;
    await Promise.all(clients.map((client) => client.run(secondHalfEnds)));
    await Promise.all(clients.map((client) => client.verify('at the end')));

    const [rows] = await query(app.persistDir, 'SELECT count(*) AS keys, count(DISTINCT key_hash) AS hashes FROM api_keys');
    if (rows.keys !== stats.mints) stats.violations.push(`${rows.keys} key rows for ${stats.mints} successful mints`);
    if (rows.hashes !== rows.keys) stats.violations.push(`${rows.keys - rows.hashes} keys share a hash`);
    return {
      ...stats,
      clients: clientCount,
      seconds: (Date.now() - started) / 1000,
      keysBeforeRestart,
      rows: rows.keys,
    };
  } finally {
    await app.stop({ keepData: true });
    rmSync(persistDir, { recursive: true, force: true });
  }
}

export function summaryLine(result) {
  return `soak: ${result.seconds.toFixed(1)} s, ${result.clients} clients, ${result.requests} requests, `
    + `${result.mints} mints, ${result.revokes} revokes, ${result.mcpCalls} /mcp calls, `
    + `${result.serverErrors} 5xx, restart kept ${result.keysBeforeRestart} keys, `
    + `${result.rows} rows, ${result.violations.length} violations`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '60' }, clients: { type: 'string', default: '16' } } });
  const result = await runSoak({ durationMs: Number(values.duration) * 1000, clients: Number(values.clients) });
  for (const violation of result.violations.slice(0, 20)) console.error(`violation: ${violation}`);
  console.log(summaryLine(result));
  process.exitCode = result.violations.length === 0 ? 0 : 1;
}
