#!/usr/bin/env node
// Builds the portal's static files from portal/ into build/portal/, which wrangler serves
// as the Worker's assets (`[assets] directory` in wrangler.toml). No npm packages: plain
// file copies, so `make build` needs nothing but Node.
//
//   node scripts/build-portal.mjs [--out DIR]

import { cpSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = join(ROOT, 'portal');
export const OUTPUT = join(ROOT, 'build', 'portal');

/** Writes the portal into `output`; the old output is replaced only once the new one is complete. */
export function buildPortal(output = OUTPUT) {
  const staging = `${output}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(join(SOURCE, 'pages'), staging, { recursive: true });
  for (const name of ['_headers', '_redirects', 'assets']) {
    cpSync(join(SOURCE, name), join(staging, name), { recursive: true });
  }
  rmSync(output, { recursive: true, force: true });
  renameSync(staging, output);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--out');
  buildPortal(at === -1 ? OUTPUT : process.argv[at + 1]);
}
