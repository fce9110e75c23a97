// Docs pages: the shell, plus examples that name this very server. Elements marked
// `data-origin-fill` are written with a placeholder origin (what readers without
// JavaScript see) that is replaced, as text, by the page's own origin.

import './shell.js';

const PLACEHOLDER = 'https://YOUR-HADRON-HOST';

for (const element of document.querySelectorAll('[data-origin-fill]')) {
  element.textContent = element.textContent.replaceAll(PLACEHOLDER, location.origin);
}
