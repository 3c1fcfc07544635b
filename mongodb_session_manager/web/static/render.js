// The ONE place the viewer and the playground turn stored or streamed text into HTML.
//
// Text an LLM or a user wrote is parsed by marked and ALWAYS sanitised by DOMPurify
// with one allow-list, then inserted as DOM nodes (never through innerHTML):
//  1. raw HTML inside the markdown is escaped by marked (shown as text, never parsed as
//     tags: even an inert parse of <img onerror> makes Chromium try the handler), and
//     markdown images become text (no request to wherever an LLM points);
//  2. DOMPurify keeps only the tags and attributes markdown produces (no <video poster>,
//     <audio src>, <source srcset>, <table background>...) and only http(s)/mailto links;
//  3. the pages' CSP forbids inline script and other origins.
//
// marked recurses once per nesting level: 4 KB of '> ' or '_' overflows the stack, and
// a 2,000-level list takes minutes. So text that is too long or nested too deeply is
// shown as escaped plain text with a visible note, and so is text marked throws on:
// every message is shown, and the ones after it too.

import { Marked } from './vendor/marked/marked.esm.js';
import DOMPurify from './vendor/dompurify/purify.es.mjs';

export const LIMITS = Object.freeze({
  chars: 100_000, // longer text is shown as plain text
  nesting: 16, // block quotes / list markers opened on one line
  indent: 64, // leading spaces: 2 per list level, so about 30 levels
  run: 48, // a run of emphasis or bracket characters ('_', '*', '~', '[', ']')
  word: 1000, // a stretch without spaces holding many '_' / '*' (marked is quadratic there)
  budgetMs: 1500, // formatting time per 5 s; past it, long texts are shown plain
});

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image: ({ href, text }) => escapeHtml(`[image: ${text || href}]`),
  },
});

/** The one sanitiser configuration: what markdown makes, nothing that can load. */
export const PURIFY = Object.freeze({
  RETURN_DOM_FRAGMENT: true,
  ALLOWED_TAGS: ['a', 'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote',
    'ul', 'ol', 'li', 'pre', 'code', 'em', 'strong', 'del', 's', 'table', 'thead', 'tbody',
    'tr', 'th', 'td', 'span'],
  ALLOWED_ATTR: ['href', 'title', 'start', 'align'],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
});

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

const CONTAINER = /^ {0,3}(?:>|[-*+](?=\s)|\d{1,9}[.)](?=\s))[ \t]*/;
const RUN = new RegExp(`[_*~\\[\\]]{${LIMITS.run + 1},}`);
const WORD = new RegExp(`\\S{${LIMITS.word + 1},}`, 'g');
const budget = { since: 0, spent: 0 };

/** Why ``text`` is not formatted (a short phrase), or null when it can be. */
export function formattingProblem(text) {
  if (text.length > LIMITS.chars) return `too long to format (${text.length.toLocaleString('en')} characters)`;
  if (RUN.test(text)) return 'too many emphasis or bracket characters in a row to format';
  for (const word of text.matchAll(WORD)) {
    if ((word[0].match(/[_*]/g) || []).length > LIMITS.run) return 'a word too long to format';
  }
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (indent > LIMITS.indent) return 'nested too deeply to format';
    let rest = line;
    for (let depth = 0; ; depth += 1) {
      const found = CONTAINER.exec(rest);
      if (!found || !found[0]) break;
      if (depth >= LIMITS.nesting) return 'nested too deeply to format';
      rest = rest.slice(found[0].length);
    }
  }
  return null;
}

function plain(text, reason) {
  const fragment = document.createDocumentFragment();
  const note = document.createElement('p');
  note.className = 'md-note';
  note.textContent = `Shown as plain text: ${reason}.`;
  const pre = document.createElement('pre');
  pre.className = 'md-plain';
  pre.textContent = text;
  fragment.append(note, pre);
  return fragment;
}

/** A sanitised DocumentFragment for markdown text; never throws. */
export function renderMarkdown(value) {
  const text = String(value ?? '');
  const problem = formattingProblem(text);
  if (problem) return plain(text, problem);
  const started = performance.now();
  if (started - budget.since > 5000) Object.assign(budget, { since: started, spent: 0 });
  if (budget.spent > LIMITS.budgetMs && text.length > 2000) {
    return plain(text, 'the page used its formatting time; reload to format it');
  }
  try {
    return DOMPurify.sanitize(marked.parse(text), PURIFY);
  } catch (error) {
    return plain(text, `it could not be formatted (${error?.name || 'error'})`);
  } finally {
    budget.spent += performance.now() - started;
  }
}

/** Replace ``element``'s children with the rendering of ``text``. */
export function renderInto(element, text) {
  element.replaceChildren(renderMarkdown(text));
}

/** A ``<div class="md">`` holding the rendering of ``text``. */
export function markdownBlock(text) {
  const div = document.createElement('div');
  div.className = 'md';
  div.append(renderMarkdown(text));
  return div;
}
