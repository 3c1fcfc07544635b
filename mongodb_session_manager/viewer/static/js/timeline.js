// The timeline: chat bubbles per message (agent name, sanitised markdown, tool calls and
// results as collapsible JSON with status badges, images inline, per-message figures),
// feedback cards in place, and "load more" paging. Values stored out of line (a block's
// blob_url) are never in the JSON: images are fetched with the token into object URLs
// when they scroll into view, anything else is a download button.

import { downloadBlob, fetchBlob, get, isBlobPath, sessionPath } from './api.js';
import { clear, formatDate, h, json, num } from './dom.js';
import { markdownBlock } from '/shared/render.js';

const SAFE_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/;
const SAFE_MEDIA = /^image\/(png|jpeg|gif|webp)$/;
const objectUrls = new Set(); // revoked when another session opens

function sizeLabel(size) {
  if (typeof size !== 'number') return '? B';
  if (size >= 1e6) return `${(size / 1e6).toFixed(1)} MB`;
  if (size >= 1e3) return `${Math.round(size / 1e3)} KB`;
  return `${size} B`;
}

function downloadButton(url, label = 'Download') {
  const button = h('button', { type: 'button', class: 'blob-download' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await downloadBlob(url);
    } catch (error) {
      button.title = String(error.message || error);
      button.textContent = 'Download failed';
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** A note for a value stored out of line: what it is, its size, a download button. */
function outOfLine(what, url, size) {
  return h('div', { class: 'attachment out-of-line' }, `${what}: ${sizeLabel(size)}, stored out of line `,
    isBlobPath(url) ? downloadButton(url) : null);
}

let observer = null;
function whenVisible(el, load) {
  if (!('IntersectionObserver' in window)) { load(); return; }
  observer = observer || new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      entry.target.loadBlob?.();
    }
  }, { rootMargin: '200px' });
  el.loadBlob = load;
  observer.observe(el);
}

/** An out-of-line image: fetched with the token once visible, shown from an object URL. */
function blobImage(block, caption) {
  const img = h('img', { alt: caption });
  const status = h('span', { class: 'muted' }, ' loading…');
  const figure = h('figure', { class: 'image out-of-line' }, img,
    h('figcaption', {}, caption, status, ' ', downloadButton(block.blob_url)));
  whenVisible(figure, async () => {
    try {
      const blob = await fetchBlob(block.blob_url);
      if (!SAFE_MEDIA.test(blob.type)) throw new Error(`type ${blob.type || '?'} is not shown inline`);
      const url = URL.createObjectURL(new Blob([blob], { type: blob.type }));
      objectUrls.add(url);
      img.src = url;
      status.remove();
    } catch (error) {
      img.remove();
      status.textContent = ` — not shown: ${error.message || error}`;
    }
  });
  return figure;
}

function agentClass(agentIds, id) {
  const index = agentIds.indexOf(id);
  return `agent-${(index < 0 ? 0 : index) % 8}`;
}

function imageBlock(block) {
  const caption = `image${block.format ? ` (${block.format}` : ''}${block.size_bytes != null ? `, ${num(block.size_bytes)} B` : ''}${block.format ? ')' : ''}`;
  if (isBlobPath(block.blob_url)) {
    if (SAFE_MEDIA.test(block.media_type || '')) return blobImage(block, caption);
    return outOfLine(`image (${block.format || '?'})`, block.blob_url, block.size_bytes);
  }
  if (block.data_url && SAFE_IMAGE.test(block.data_url)) {
    return h('figure', { class: 'image' }, h('img', { src: block.data_url, alt: caption, loading: 'lazy' }),
      h('figcaption', {}, caption));
  }
  return h('div', { class: 'attachment' }, `image: ${caption}`, block.note ? ` — ${block.note}` : '',
    block.location ? ` — ${block.location}` : '');
}

function documentBlock(block) {
  if (isBlobPath(block.blob_url)) {
    return outOfLine(`document ${block.name || 'document'} (${block.format || '?'})`, block.blob_url, block.size_bytes);
  }
  const size = block.size_bytes != null ? `, ${num(block.size_bytes)} B` : '';
  return h('div', { class: 'attachment' }, `document: ${block.name || 'document'} (${block.format || '?'}${size})`,
    block.location ? ` — ${block.location}` : '');
}

function resultContent(item) {
  if (item.type === 'text' && item.blob_url) return outOfLine('text', item.blob_url, item.size_bytes);
  if (item.type === 'text') return h('pre', { class: 'tool-text' }, item.text);
  if (item.type === 'json') return json(item.json);
  if (item.type === 'image') return imageBlock(item);
  if (item.type === 'document') return documentBlock(item);
  return h('div', {}, h('span', { class: 'muted' }, item.kind || 'content'), json(item.data));
}

function block(b) {
  switch (b.type) {
    case 'text':
      return b.blob_url ? outOfLine('text', b.blob_url, b.size_bytes) : markdownBlock(b.text);
    case 'tool_use':
      return h('details', { class: 'tool tool-use' },
        h('summary', {}, h('span', { class: 'badge tool' }, 'tool call'), ' ', h('code', {}, b.name),
          b.tool_use_id ? h('span', { class: 'muted id' }, ` ${b.tool_use_id}`) : null),
        json(b.input));
    case 'tool_result': {
      const ok = b.status === 'success';
      return h('details', { class: `tool tool-result ${ok ? 'ok' : 'err'}` },
        h('summary', {}, h('span', { class: `badge ${ok ? 'ok' : 'err'}` }, b.status || 'unknown'),
          ' tool result', b.tool_use_id ? h('span', { class: 'muted id' }, ` ${b.tool_use_id}`) : null),
        (b.content || []).map(resultContent));
    }
    case 'image':
      return imageBlock(b);
    case 'document':
      return documentBlock(b);
    case 'reasoning':
      return h('details', { class: 'reasoning' }, h('summary', {}, 'reasoning'),
        b.redacted ? h('p', { class: 'muted' }, '(redacted by the provider)') : markdownBlock(b.text));
    default:
      return h('details', { class: 'other' }, h('summary', {}, b.kind || 'block'), json(b.data));
  }
}

function figures(message) {
  const parts = [];
  const { usage, metrics } = message;
  if (usage) {
    parts.push(h('span', { title: 'input tokens' }, `in ${num(usage.inputTokens)}`));
    parts.push(h('span', { title: 'output tokens' }, `out ${num(usage.outputTokens)}`));
    if (usage.cacheReadInputTokens) parts.push(h('span', { title: 'cache read tokens' }, `cache ${num(usage.cacheReadInputTokens)}`));
  }
  if (metrics) {
    parts.push(h('span', { title: 'latency' }, `${num(metrics.latencyMs)} ms`));
    if (metrics.timeToFirstByteMs != null) parts.push(h('span', { title: 'time to first byte' }, `TTFB ${num(metrics.timeToFirstByteMs)} ms`));
  }
  return parts.length ? h('footer', { class: 'figures' }, parts) : null;
}

/** Out-of-line values no block shows (a huge tool input string...): a download each. */
function otherValues(message) {
  const shown = new Set();
  for (const b of message.blocks) {
    if (b.blob_url) shown.add(b.blob_url);
    for (const item of b.content || []) if (item.blob_url) shown.add(item.blob_url);
  }
  return (message.blobs || []).filter((v) => !shown.has(v.blob_url))
    .map((v) => outOfLine(`value at ${(v.path || []).join('.')}`, v.blob_url, v.size_bytes));
}

export function messageItem(message, agentIds) {
  const toolOnly = message.blocks.length > 0 && message.blocks.every((b) => b.type === 'tool_result');
  const side = message.role === 'user' && !toolOnly ? 'user' : toolOnly ? 'tool' : 'assistant';
  return h('article', {
    class: `msg msg-${side}${message.redacted ? ' redacted' : ''}`,
    dataset: { agent: message.agent_id, messageId: String(message.message_id), role: message.role },
  },
  h('header', {},
    h('span', { class: 'role', title: 'role' }, toolOnly ? 'tool result' : message.role),
    // Message ids count per agent, so the number always comes with its agent:
    // "support #3" names one message across the merged timeline.
    h('span', {
      class: `agent mid ${agentClass(agentIds, message.agent_id)}`,
      title: `agent ${message.agent_id}, message ${message.message_id}`,
    }, `${message.agent_id} #${message.message_id}`),
    h('time', { datetime: message.created_at || '' }, formatDate(message.created_at)),
    message.redacted ? h('span', { class: 'badge redacted', title: 'A guardrail replaced this message; the original is not shown.' }, 'redacted') : null),
  message.guardrail ? guardrailNote(message.guardrail) : null,
  h('div', { class: 'body' }, message.blocks.map(block), otherValues(message)),
  figures(message));
}

/** What a guardrail did: action, stop reason, policies (never the matched text). */
function guardrailNote(event) {
  const policies = Object.entries(event.policies_triggered || {})
    .map(([policy, labels]) => `${policy}: ${labels.join(', ')}`);
  return h('p', { class: 'guardrail', dataset: { action: event.action } },
    h('span', { class: 'badge guardrail' }, `guardrail ${event.action}`),
    event.stop_reason ? ` ${event.stop_reason}` : null,
    policies.length ? ` · ${policies.join(' · ')}` : null,
    event.timestamp ? h('time', { datetime: event.timestamp }, ` ${formatDate(event.timestamp)}`) : null);
}

function feedbackItem(feedback) {
  const kind = feedback.rating || 'neutral';
  const label = { up: 'Thumbs up', down: 'Thumbs down' }[kind] || 'Feedback';
  const target = feedback.agent_id && feedback.message_id != null ? ` on ${feedback.agent_id} #${feedback.message_id}` : '';
  return h('aside', { class: `feedback ${kind}`, dataset: { index: String(feedback.index) } },
    h('header', {}, h('strong', {}, label), target,
      h('time', { datetime: feedback.created_at }, formatDate(feedback.created_at))),
    feedback.comment ? h('p', {}, feedback.comment) : null);
}

export class Timeline {
  constructor(container) {
    this.container = container;
    this.token = 0;
  }

  async open(detail) {
    const token = ++this.token;
    for (const url of objectUrls) URL.revokeObjectURL(url);
    objectUrls.clear();
    this.sessionId = detail.session_id;
    this.agentIds = detail.agents.map((a) => a.agent_id);
    this.shown = 0;
    this.list = h('div', { class: 'timeline' });
    this.more = h('button', { type: 'button', class: 'more', onclick: () => this.next() }, 'Load more');
    this.status = h('p', { class: 'muted timeline-status' });
    clear(this.container).append(this.list, this.status, this.more);
    this.cursor = null;
    await this.next(token);
  }

  async next(token = this.token) {
    this.more.disabled = true;
    const params = this.cursor ? [['cursor', this.cursor]] : [];
    const page = await get(sessionPath(this.sessionId, '/timeline'), params);
    if (token !== this.token) return; // another session was opened meanwhile
    for (const item of page.items) {
      this.list.append(item.kind === 'feedback' ? feedbackItem(item) : messageItem(item, this.agentIds));
    }
    this.shown += page.items.length;
    this.cursor = page.next_cursor;
    this.status.textContent = `${num(this.shown)} of ${num(page.total)} items`;
    this.more.hidden = !this.cursor;
    this.more.disabled = false;
    this.more.textContent = `Load more (${num(page.total - this.shown)} left)`;
  }
}
