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

import { spawnApp } from '../tests/support/app.mjs';
import { query } from '../tests/support/d1.mjs';
import { Client, clientAddress, PASSWORD, rpc, uniqueEmail } from '../tests/support/client.mjs';

/**
 * One simulated person at a client address of their own. They mint keys, use them on
 * /mcp and revoke some. When their account reaches the per-user mint limit (a 429 with
 * Retry-After, which is checked), they sign up another account and carry on, so the load
 * on minting stays up while every limit still holds.
 */
class SoakClient {
  constructor(index, stats) {
    this.index = index;
    this.stats = stats;
    this.address = clientAddress();
    this.accounts = []; // { client, keys: [{ id, secret, revoked }] }
    this.canMint = true;
  }

  get account() {
    return this.accounts[this.accounts.length - 1];
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
    return this.record(await this.account.client.mcp(secret, rpc('tools/list')));
  }

  /**
   * Signs up a new account at this client's address. Past the per-address sign-up limit
   * (a 429, also checked) the person stays with the account they have and only uses keys.
   */
  async start(baseUrl) {
    const client = new Client(baseUrl, { address: this.address });
    const email = uniqueEmail(`soak${this.index}`);
    const signup = this.record(await client.signup(email, PASSWORD));
    if (signup.status === 429 && this.accounts.length > 0) {
      this.stats.limitedSignUps += 1;
      this.canMint = false;
      return;
    }
    if (signup.status !== 201) throw new Error(`soak sign-up failed: ${signup.status} ${signup.text}`);
    this.accounts.push({ client, keys: [] });
  }

  /** After a restart: same accounts, same cookies, same address. */
  moveTo(baseUrl) {
    for (const account of this.accounts) {
      const { cookie } = account.client;
      account.client = new Client(baseUrl, { address: this.address });
      account.client.cookie = cookie;
    }
  }

  async step() {
    const { client, keys } = this.account;
    if (!this.canMint) {
      const active = keys.filter((candidate) => !candidate.revoked);
      const key = active[Math.floor(Math.random() * active.length)];
      const used = await this.mcp(key.secret);
      this.stats.mcpCalls += 1;
      if (used.status !== 200) this.stats.violations.push(`client ${this.index}: an active key answered ${used.status}`);
      return;
    }
    const minted = this.record(await client.mint(`soak ${this.index}.${keys.length}`));
    if (minted.status === 429) {
      if (!minted.headers.get('retry-after')) this.stats.violations.push(`client ${this.index}: 429 without Retry-After`);
      this.stats.limitedMints += 1;
      await this.start(client.baseUrl);
      return;
    }
    if (minted.status !== 201) {
      this.stats.violations.push(`client ${this.index}: mint answered ${minted.status}`);
      return;
    }
    this.stats.mints += 1;
    const key = { id: minted.body.id, secret: minted.body.secret, revoked: false };
    keys.push(key);
    const used = await this.mcp(key.secret);
    if (used.status !== 200) this.stats.violations.push(`client ${this.index}: new key answered ${used.status}`);
    this.stats.mcpCalls += 1;

    const active = keys.filter((candidate) => !candidate.revoked);
    if (active.length > 1 && Math.random() < 0.3) {
      const victim = active[Math.floor(Math.random() * active.length)];
      const revoked = this.record(await client.revoke(victim.id));
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

  /** Every key of every account behaves as its recorded state says, in the list and on /mcp. */
  async verify(label) {
    for (const { client, keys } of this.accounts) {
      const listed = this.record(await client.listKeys());
      const rows = new Map((listed.body?.keys ?? []).map((row) => [row.id, row]));
      for (const key of keys) {
        const row = rows.get(key.id);
        const expected = key.revoked ? 'revoked' : 'active';
        if (!row) this.stats.violations.push(`${label}: key ${key.id} is missing`);
        else if (row.status !== expected) this.stats.violations.push(`${label}: key ${key.id} is ${row.status}, expected ${expected}`);
        const status = this.record(await client.mcp(key.secret, rpc('tools/list'))).status;
        this.stats.mcpCalls += 1;
        if (status !== (key.revoked ? 401 : 200)) {
          this.stats.violations.push(`${label}: ${expected} key ${key.id} answered ${status} on /mcp`);
        }
      }
    }
  }

  keyCount() {
    return this.accounts.reduce((sum, account) => sum + account.keys.length, 0);
  }
}

export async function runSoak({ durationMs, clients: clientCount }) {
  const stats = {
    requests: 0, mints: 0, limitedMints: 0, limitedSignUps: 0, revokes: 0, mcpCalls: 0, serverErrors: 0, violations: [],
  };
  let app = await spawnApp();
  const { persistDir } = app;
  const started = Date.now();
  try {
    const clients = Array.from({ length: clientCount }, (_, index) => new SoakClient(index, stats));
    await Promise.all(clients.map((client) => client.start(app.baseUrl)));

    await Promise.all(clients.map((client) => client.run(started + durationMs / 2)));
    const keysBeforeRestart = clients.reduce((sum, client) => sum + client.keyCount(), 0);
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
    + `${result.mints} mints (${result.limitedMints} refused by the per-user limit), `
    + `${result.revokes} revokes, ${result.mcpCalls} /mcp calls, `
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
