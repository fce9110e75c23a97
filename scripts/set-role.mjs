#!/usr/bin/env node
// Changes a user's role: `node scripts/set-role.mjs --email ada@example.com --role org_admin`
// plus `--local [--persist-to DIR]` (the `make dev` database) or `--remote` (production).
// Permissions live on the user row and every request re-reads them, so the change applies
// to every existing key on its next request.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROLES = ['member', 'org_admin'];
const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    role: { type: 'string', default: 'org_admin' },
    local: { type: 'boolean', default: false },
    remote: { type: 'boolean', default: false },
    'persist-to': { type: 'string' },
  },
});

function fail(message) {
  console.error(`set-role: ${message}`);
  process.exit(2);
}

const email = (values.email ?? '').trim().toLowerCase();
if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fail('give --email with the account\'s email address');
if (!ROLES.includes(values.role)) fail(`--role must be one of ${ROLES.join(', ')}`);
if (values.local === values.remote) fail('give exactly one of --local or --remote');

// wrangler's --command takes no bound parameters: quote the one string literal SQL-style.
const literal = `'${email.replaceAll("'", "''")}'`;
const sql = `UPDATE users SET role = '${values.role}' WHERE email = ${literal} RETURNING id`;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['d1', 'execute', 'DB', '--json', '--command', sql, values.remote ? '--remote' : '--local'];
if (values['persist-to']) args.push('--persist-to', values['persist-to']);

const result = spawnSync(join(root, 'node_modules', '.bin', 'wrangler'), args, {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
});
if (result.status !== 0) fail(`wrangler d1 execute failed:\n${result.stderr || result.stdout}`);
const updated = JSON.parse(result.stdout)[0]?.results ?? [];
if (updated.length !== 1) fail(`no user with email ${email}`);
console.log(`${email} is now ${values.role}`);
