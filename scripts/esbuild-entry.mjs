#!/usr/bin/env node
// The esbuild worker-build runs (ESBUILD_BIN in the Makefile): the pinned esbuild, with
// the Worker's entry (src/entry.js) in place of the one worker-build writes.
//
// worker-build 0.8.7 bundles `./shim.js`, its template with a `WorkerEntrypoint` subclass
// behind `Proxy` traps, which cost every request a class instance, two proxies and an
// async wrapper (docs/benchmarks.md, "A seventh pass"). It has no option for another
// entry that keeps wasm-bindgen's module target and its reset after a panic, so this
// swaps the file just before esbuild reads it. It refuses a template it does not know,
// so a worker-build upgrade or a new export (a Durable Object class, a queue handler)
// stops the build instead of losing the export.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const esbuild = fileURLToPath(new URL('../node_modules/.bin/esbuild', import.meta.url));
const entry = fileURLToPath(new URL('../src/entry.js', import.meta.url));
const args = process.argv.slice(2);

// The exports worker-build's template forwards, and what src/entry.js does with each.
const HANDLERS = new Set(['fetch', 'scheduled', 'start']); // start: run at instantiation
// The `worker` crate's own exported structs: re-exported by the template, used by nothing.
const CLASSES = new Set(['ContainerStartupOptions', 'MinifyConfig', 'R2Range']);

function fail(message) {
  console.error(`esbuild-entry: ${message}`);
  process.exit(1);
}

if (args.includes('./shim.js')) {
  const shim = readFileSync('shim.js', 'utf8');
  for (const line of ['import * as exports from "./index.js";',
    'export default new Proxy(Entrypoint, classProxyHooks);']) {
    if (!shim.includes(line)) fail(`worker-build's shim.js no longer has ${line}`);
  }
  const handlers = [...shim.matchAll(/^Entrypoint\.prototype\.(\w+) =/gm)].map((m) => m[1]);
  const classes = [...shim.matchAll(/^export const (\w+) = new Proxy\(exports\.\1,/gm)].map((m) => m[1]);
  const unknown = [...handlers.filter((h) => !HANDLERS.has(h)), ...classes.filter((c) => !CLASSES.has(c))];
  if (unknown.length) fail(`src/entry.js does not export ${unknown.join(', ')}; add it there and here`);
  for (const needed of ['fetch', 'scheduled']) {
    if (!handlers.includes(needed)) fail(`the WASM module no longer exports ${needed}`);
  }
  writeFileSync('shim.js', readFileSync(entry, 'utf8'));
}

const run = spawnSync(esbuild, args, { stdio: 'inherit' });
if (run.error) fail(run.error.message);
process.exit(run.status ?? 1);
