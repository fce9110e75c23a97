#!/usr/bin/env node
// Builds the portal's static files from portal/ into build/portal/, which wrangler serves
// as the Worker's assets (`[assets] directory` in wrangler.toml). No npm packages: plain
// string templating, so `make build` needs nothing but Node.
//
//   portal/shell/page.html          the one shell: head, header, sidebar, a {{main}} slot
//   portal/shell/session-gate.html  wraps the main content of pages that need a sign-in
//   portal/pages/<path>.html        one page each: front matter, then its main content
//   portal/_headers, _redirects, assets/   copied unchanged
//
// A page source starts with its front matter, `key: value` lines between `---` lines:
//   title:   the page title (the shell adds " · Hadron")           required
//   script:  a module in portal/assets/js/ the page loads          optional
//   session: `required` for pages only a signed-in user may see    optional
//
//   node scripts/build-portal.mjs [--out DIR]

import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = join(ROOT, 'portal');
export const SHELL = join(SOURCE, 'shell', 'page.html');
export const SESSION_GATE = join(SOURCE, 'shell', 'session-gate.html');
export const PAGES = join(SOURCE, 'pages');
export const OUTPUT = join(ROOT, 'build', 'portal');
const COPIED = ['_headers', '_redirects', 'assets'];
const FIELDS = new Set(['title', 'script', 'session']);

/** A page source → { title, script, session, main }; throws on anything it does not know. */
export function parsePage(source, name) {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(source);
  if (!match) throw new Error(`${name}: no front matter (--- … ---) at the top`);
  const page = { title: null, script: null, session: null, main: source.slice(match[0].length) };
  for (const line of match[1].split('\n')) {
    const field = /^([a-z]+):\s*(.+?)\s*$/.exec(line);
    if (!field || !FIELDS.has(field[1])) throw new Error(`${name}: unknown front matter line "${line}"`);
    page[field[1]] = field[2];
  }
  if (!page.title) throw new Error(`${name}: no title`);
  if (page.session !== null && page.session !== 'required') {
    throw new Error(`${name}: session must be "required" or left out`);
  }
  if (page.script !== null && !/^[\w-]+\.js$/.test(page.script)) {
    throw new Error(`${name}: script must be a file name in assets/js/, like docs.js`);
  }
  return page;
}

/** Fills `{{slot}}`s; a line holding only a slot that is empty disappears. */
function fill(template, values, name) {
  const html = template
    .replace(/^\{\{([\w-]+)\}\}\n/gm, (line, slot) => (values[slot] === '' ? '' : line))
    .replace(/\{\{([\w-]+)\}\}/g, (_, slot) => {
      if (!(slot in values)) throw new Error(`${name}: the shell has a slot {{${slot}}} the build does not fill`);
      return values[slot];
    });
  return html;
}

/** The full HTML document of one page. */
export function renderPage(page, { shell, sessionGate }, name = 'page') {
  const main = page.session ? fill(sessionGate, { main: page.main.replace(/\n$/, '') }, name) : page.main;
  return fill(shell, {
    title: escapeText(page.title),
    script: page.script ? `<script type="module" src="/assets/js/${page.script}"></script>` : '',
    'body-attributes': page.session ? ' data-requires-session' : '',
    main: main.replace(/\n$/, ''),
  }, name);
}

function escapeText(text) {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function pageFiles(directory = PAGES) {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => relative(PAGES, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

/** Writes the portal into `output`; the old output is replaced only once the new one is complete. */
export function buildPortal(output = OUTPUT) {
  const templates = { shell: readFileSync(SHELL, 'utf8'), sessionGate: readFileSync(SESSION_GATE, 'utf8') };
  const staging = `${output}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  for (const name of pageFiles()) {
    const page = parsePage(readFileSync(join(PAGES, name), 'utf8'), name);
    if (page.script && !existsSync(join(SOURCE, 'assets', 'js', page.script))) {
      throw new Error(`${name}: script ${page.script} is not in portal/assets/js/`);
    }
    mkdirSync(dirname(join(staging, name)), { recursive: true });
    writeFileSync(join(staging, name), renderPage(page, templates, name));
  }
  for (const name of COPIED) cpSync(join(SOURCE, name), join(staging, name), { recursive: true });
  rmSync(output, { recursive: true, force: true });
  renameSync(staging, output);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--out');
  const output = at === -1 ? OUTPUT : process.argv[at + 1];
  buildPortal(output);
  console.log(`portal: ${pageFiles().length} pages → ${relative(process.cwd(), output) || '.'}`);
}
