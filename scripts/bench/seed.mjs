// One seeded D1 folder for `make bench`: the real migrations, then 100 users with 100 keys
// each, written as the tests write theirs (tests/support/d1.mjs).
// The benchmark copies the folder, so both Workers read the same rows.

import { createHash, randomBytes } from 'node:crypto';
import { cpSync } from 'node:fs';

import { Miniflare } from 'miniflare';

import { localD1, migrate, runBatch } from '../../tests/support/d1.mjs';

export const USERS = 100;
export const KEYS_PER_USER = 100;

export const sha256Hex = (text) => createHash('sha256').update(text).digest('hex');

/**
 * A Miniflare with nothing but the D1 database kept in `persistDir`, for scripts that time
 * queries through the binding itself (scripts/scaling-model.mjs).
 */
export function d1Only(persistDir) {
  return new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }); } };',
    ...localD1(persistDir),
  });
}

/**
 * Creates the database in `persistDir` and returns a raw key that is active, one that
 * is well-formed but unknown, and the number of key rows.
 */
export async function seedDatabase(persistDir) {
  await migrate(persistDir);
  const now = Date.now();
  const statements = [];
  let sample = null;
  for (let u = 0; u < USERS; u += 1) {
    const userId = `usr_${randomBytes(16).toString('hex')}`;
    // Seeded users cannot sign in: their password hash is not a valid argon2 string.
    statements.push({
      sql: 'INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)',
      params: [userId, `bench-${u}@example.com`, 'seeded', 'member', now],
    });
    for (let k = 0; k < KEYS_PER_USER; k += 1) {
      const raw = `hdr_user_${randomBytes(32).toString('hex')}`;
      // The key every authenticated request uses: one in the middle of the table.
      if (u === USERS / 2 && k === 0) sample = raw;
      statements.push({
        sql: 'INSERT INTO api_keys (id, user_id, key_hash, last4, label, source, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)',
        params: [`key_${randomBytes(16).toString('hex')}`, userId, sha256Hex(raw), raw.slice(-4), `bench ${k}`, 'portal', now + k],
      });
    }
  }
  statements.push('SELECT count(*) AS count FROM api_keys');
  const results = await runBatch(persistDir, statements);
  const [{ count }] = results[results.length - 1];
  return { key: sample, unknownKey: `hdr_user_${randomBytes(32).toString('hex')}`, rows: count };
}

/** A copy of a seeded folder (taken while no server has it open). */
export function copyDatabase(from, to) {
  cpSync(from, to, { recursive: true });
  return to;
}
