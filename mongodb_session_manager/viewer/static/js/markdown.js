// Markdown for LLM text: parsed by marked, ALWAYS sanitised by DOMPurify, inserted as
// DOM nodes (never through innerHTML). Three layers:
//  1. raw HTML inside the markdown is escaped by marked (shown as text, never parsed as
//     tags: even an inert parse of <img onerror> makes Chromium try the handler), and
//     markdown images become text (no request to wherever an LLM points);
//  2. DOMPurify removes what markdown itself can produce and should not: javascript:
//     links, unknown tags and attributes;
//  3. the page's CSP forbids inline script and other origins.
// Links open in a new tab without referrer.

import { Marked } from '/static/vendor/marked/marked.esm.js';
import DOMPurify from '/static/vendor/dompurify/purify.es.mjs';

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

const PURIFY = {
  RETURN_DOM_FRAGMENT: true,
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'img', 'svg', 'math',
    'iframe', 'frame', 'object', 'embed', 'video', 'audio', 'source', 'link', 'meta', 'base'],
  FORBID_ATTR: ['style', 'srcset', 'action', 'formaction'],
};

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** A sanitised DocumentFragment for markdown text. */
export function renderMarkdown(text) {
  const html = marked.parse(String(text ?? ''));
  return DOMPurify.sanitize(html, PURIFY);
}

export function markdownBlock(text) {
  const div = document.createElement('div');
  div.className = 'md';
  div.append(renderMarkdown(text));
  return div;
}
