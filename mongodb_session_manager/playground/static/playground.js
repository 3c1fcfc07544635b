// The chat playground: stream answers (Server-Sent Events over fetch), restore the
// conversation on load, feedback per answer, and the session's figures in the side panel.
//
// Safety: model and user text reach the page only through textContent, or through
// the shared renderer (/shared/render.js: marked + DOMPurify) for Markdown. Never
// innerHTML with raw text.

import { renderInto } from '/shared/render.js';

const TOKEN_KEY = 'msm-playground-token';
const SESSION_KEY = 'msm-playground-session';
const RECENT_KEY = 'msm-playground-recent';
const RECENT_MAX = 10;
const $ = (selector) => document.querySelector(selector);

const state = { config: null, sessionId: null, busy: false };

// ------------------------------------------------------------------ safe rendering

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ------------------------------------------------------------------ API

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

function adoptTokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const given = fragment.get('token');
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    // Drop it from the address bar (and from anything copied from there).
    history.replaceState(history.state, '', window.location.pathname + window.location.search);
  }
}

class AuthError extends Error {}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: {
      Authorization: `Bearer ${token()}`,
      Accept: options.accept || 'application/json',
      ...(options.body ? { 'Content-Type': 'application/json' } : {}),
    },
  });
  if (response.status === 401) throw new AuthError('The access token was refused.');
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (typeof body.detail === 'string') detail = body.detail;
    } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return response;
}

function askForToken(reason) {
  $('#login-reason').textContent = reason;
  $('#token').value = '';
  $('#login').showModal();
}

// ------------------------------------------------------------------ session id

function newSessionId() {
  const random = crypto.getRandomValues(new Uint8Array(6));
  const hex = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
  return `pg-${Date.now().toString(36)}-${hex}`;
}

/** Show session ``id``; ``push`` adds a history entry (Back returns to the previous chat). */
function chooseSession(id, { push = false } = {}) {
  state.sessionId = id;
  localStorage.setItem(SESSION_KEY, id);
  const url = new URL(window.location.href);
  url.searchParams.set('session', id);
  const target = url.pathname + url.search;
  if (push) history.pushState({ session: id }, '', target);
  else history.replaceState({ session: id }, '', target);
  $('#session-id').textContent = id;
  showRecent();
}

// ------------------------------------------------------------------ recent sessions

function recentSessions() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]');
    return Array.isArray(list) ? list.filter((r) => r && typeof r.id === 'string') : [];
  } catch {
    return [];
  }
}

/** Remember a session that has messages, most recent first, with its first words. */
function rememberSession(id, title) {
  const others = recentSessions().filter((r) => r.id !== id);
  const previous = recentSessions().find((r) => r.id === id);
  const entry = { id, title: (previous && previous.title) || title || id, at: new Date().toISOString() };
  localStorage.setItem(RECENT_KEY, JSON.stringify([entry, ...others].slice(0, RECENT_MAX)));
  showRecent();
}

function showRecent() {
  const list = $('#recent');
  if (!list) return;
  list.replaceChildren();
  for (const recent of recentSessions()) {
    const item = el('li');
    const button = el('button', 'recent-session', truncate(recent.title, 48));
    button.type = 'button';
    button.title = `Reopen session ${recent.id}`;
    button.dataset.sessionId = recent.id;
    if (recent.id === state.sessionId) button.setAttribute('aria-current', 'true');
    button.addEventListener('click', () => openSession(recent.id, { push: true }));
    item.append(button);
    list.append(item);
  }
  $('#recent-empty').hidden = list.children.length > 0;
}

async function openSession(id, { push = false } = {}) {
  if (state.busy || id === state.sessionId) return;
  chooseSession(id, { push });
  notice('');
  try {
    await loadHistory();
  } catch (error) {
    handleError(error);
  }
}

function initialSession() {
  return new URLSearchParams(window.location.search).get('session')
    || localStorage.getItem(SESSION_KEY)
    || newSessionId();
}

// ------------------------------------------------------------------ side panel

function formatMs(value) { return value ? `${value.toLocaleString()} ms` : '–'; }

function showStats(stats) {
  if (!stats) return;
  $('#stat-messages').textContent = stats.message_count.toLocaleString();
  $('#stat-calls').textContent = stats.model_calls.toLocaleString();
  $('#stat-tokens').textContent = `${stats.input_tokens.toLocaleString()} / ${stats.output_tokens.toLocaleString()}`;
  $('#stat-latency').textContent = formatMs(stats.average_latency_ms);
  $('#stat-latency-total').textContent = formatMs(stats.total_latency_ms);
  $('#stat-ttfb').textContent = formatMs(stats.average_ttfb_ms);
  $('#stat-tools').textContent = stats.tool_calls.toLocaleString();
  $('#stat-feedback').textContent = stats.feedbacks.toLocaleString();
  showMetadata(stats.metadata);
}

function showMetadata(metadata) {
  $('#metadata').textContent = JSON.stringify(metadata || {}, null, 2);
}

function showViewerLink(url) {
  const link = $('#viewer-link');
  link.hidden = !url;
  if (url) link.href = url;
}

function resetPanel() {
  showStats({
    message_count: 0, model_calls: 0, input_tokens: 0, output_tokens: 0,
    average_latency_ms: 0, average_ttfb_ms: 0, tool_calls: 0, feedbacks: 0, metadata: {},
  });
}

// ------------------------------------------------------------------ bubbles

function scrollDown() {
  const box = $('#messages');
  box.scrollTop = box.scrollHeight;
}

function addUserBubble(text, redacted) {
  $('#empty').hidden = true;
  const bubble = el('article', 'msg user', text);
  if (redacted) bubble.append(el('small', 'redacted', 'redacted by a guardrail'));
  $('#messages').append(bubble);
  scrollDown();
  return bubble;
}

/** An assistant answer: ordered segments (Markdown text, tool chips), figures, feedback. */
class Answer {
  constructor() {
    $('#empty').hidden = true;
    this.bubble = el('article', 'msg assistant');
    this.body = el('div', 'answer-body');
    this.bubble.append(this.body);
    this.segment = null; // the Markdown block text is streaming into
    this.dirty = new Set();
    this.tools = new Map();
    this.figures = { input_tokens: 0, output_tokens: 0, latency_ms: 0 };
    this.messageId = null;
    $('#messages').append(this.bubble);
  }

  set streaming(on) { this.bubble.classList.toggle('streaming', on); }

  appendText(chunk) {
    if (!this.segment) {
      this.segment = { element: el('div', 'md'), value: '' };
      this.body.append(this.segment.element);
    }
    this.segment.value += chunk;
    this.dirty.add(this.segment);
    this.scheduleRender();
  }

  /** Replace the open text block with the stored text (if a block is open). */
  settleText(text) {
    if (!this.segment) return;
    this.segment.value = text;
    this.dirty.add(this.segment);
    this.scheduleRender();
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      for (const segment of this.dirty) renderInto(segment.element, segment.value);
      this.dirty.clear();
      scrollDown();
    });
  }

  endText() { this.segment = null; }

  tool(id, name) {
    let chip = this.tools.get(id);
    if (!chip) {
      const details = el('details', 'tool pending');
      const summary = el('summary', '', `tool ${name}`);
      const pre = el('pre');
      details.append(summary, pre);
      chip = { details, summary, pre, name, input: null };
      this.tools.set(id, chip);
      this.endText();
      this.body.append(details);
      scrollDown();
    }
    return chip;
  }

  toolCall(block) {
    const chip = this.tool(block.id, block.name);
    chip.input = block.input;
    chip.summary.textContent = `tool ${block.name}(${compact(block.input)})`;
    chip.pre.textContent = `input: ${JSON.stringify(block.input, null, 2)}`;
  }

  toolResult(block) {
    const chip = this.tool(block.id, 'tool');
    chip.details.classList.remove('pending');
    chip.details.classList.toggle('failed', block.status === 'error');
    const arrow = block.status === 'error' ? '✗' : '→';
    chip.summary.textContent = `tool ${chip.name}(${compact(chip.input)}) ${arrow} ${truncate(block.text, 80)}`;
    chip.pre.textContent = `${chip.pre.textContent}\n${block.status}: ${block.text}`.trim();
  }

  addFigures(figures) {
    this.figures.input_tokens += figures.input_tokens || 0;
    this.figures.output_tokens += figures.output_tokens || 0;
    this.figures.latency_ms += figures.latency_ms || 0;
  }

  error(message) {
    this.bubble.classList.add('error');
    this.body.append(el('p', 'error-text', message));
  }

  finish(messageId, rating) {
    this.streaming = false;
    this.messageId = messageId;
    if (messageId === null || messageId === undefined) return;
    this.bubble.dataset.messageId = String(messageId);
    const footer = el('footer', 'answer-footer');
    const tokens = this.figures.input_tokens + this.figures.output_tokens;
    footer.append(el('span', 'figures', `${tokens.toLocaleString()} tokens · ${formatMs(this.figures.latency_ms)}`));
    // Words, not emoji: they read the same with or without an emoji font.
    for (const [value, label, text] of [['up', 'Good answer', 'Good'], ['down', 'Bad answer', 'Bad']]) {
      const button = el('button', `fb ${value}`, text);
      button.type = 'button';
      button.title = label;
      button.setAttribute('aria-label', label);
      button.setAttribute('aria-pressed', String(rating === value));
      button.addEventListener('click', () => this.rate(value, footer));
      footer.append(button);
    }
    this.bubble.append(footer);
  }

  async rate(value, footer) {
    const up = footer.querySelector('.fb.up');
    const down = footer.querySelector('.fb.down');
    const current = up.getAttribute('aria-pressed') === 'true' ? 'up'
      : down.getAttribute('aria-pressed') === 'true' ? 'down' : null;
    const rating = current === value ? null : value;
    try {
      const response = await api(`/api/sessions/${encodeURIComponent(state.sessionId)}/feedback`, {
        method: 'POST',
        body: JSON.stringify({ message_id: this.messageId, rating }),
      });
      const result = await response.json();
      up.setAttribute('aria-pressed', String(rating === 'up'));
      down.setAttribute('aria-pressed', String(rating === 'down'));
      this.bubble.dataset.feedback = rating || 'none';
      showStats(result.stats);
    } catch (error) {
      handleError(error);
    }
  }
}

function compact(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && !Array.isArray(value)) {
    return truncate(Object.entries(value).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', '), 60);
  }
  return truncate(JSON.stringify(value), 60);
}

function truncate(text, length) {
  const flat = String(text).replace(/\s+/g, ' ');
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

// ------------------------------------------------------------------ history

function renderHistory(data) {
  const box = $('#messages');
  for (const node of box.querySelectorAll('.msg')) node.remove();
  $('#empty').hidden = data.messages.length > 0;
  let answer = null;
  let lastAssistant = null;
  const close = () => {
    if (answer) answer.finish(lastAssistant?.message_id, lastAssistant?.feedback);
    answer = null;
    lastAssistant = null;
  };
  for (const message of data.messages) {
    const texts = message.blocks.filter((b) => b.type === 'text');
    if (message.role === 'user' && texts.length) {
      close();
      addUserBubble(texts.map((b) => b.text).join('\n'), message.redacted);
      continue;
    }
    if (!answer) answer = new Answer();
    for (const block of message.blocks) {
      if (block.type === 'text') { answer.appendText(block.text); answer.endText(); }
      else if (block.type === 'tool_use') answer.toolCall(block);
      else if (block.type === 'tool_result') answer.toolResult(block);
    }
    if (message.role === 'assistant') {
      answer.addFigures(message);
      lastAssistant = message;
    }
  }
  close();
  if (data.stats) showStats(data.stats); else resetPanel();
  showViewerLink(data.viewer_url);
  scrollDown();
}

async function loadHistory() {
  const response = await api(`/api/sessions/${encodeURIComponent(state.sessionId)}`);
  const history = await response.json();
  renderHistory(history);
  const first = (history.messages || []).find((m) => m.role === 'user');
  if (history.exists) rememberSession(state.sessionId, first && firstText(first));
}

function firstText(message) {
  const block = (message.blocks || []).find((b) => b.type === 'text' && b.text);
  return block ? block.text : '';
}

// ------------------------------------------------------------------ sending

async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of raw.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield [name, JSON.parse(data.join('\n'))];
    }
  }
}

function setBusy(busy) {
  state.busy = busy;
  $('#send').disabled = busy;
  $('#input').disabled = busy;
  if (!busy) $('#input').focus();
}

function notice(text) {
  const box = $('#notice');
  box.hidden = !text;
  box.textContent = text || '';
}

async function send(text) {
  setBusy(true);
  notice('');
  const userBubble = addUserBubble(text, false);
  const answer = new Answer();
  answer.streaming = true;
  let finalId = null;
  try {
    const response = await api(`/api/sessions/${encodeURIComponent(state.sessionId)}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text }),
      accept: 'text/event-stream',
    });
    for await (const [name, data] of sseEvents(response)) {
      if (name === 'user') userBubble.dataset.messageId = String(data.message_id);
      else if (name === 'token') answer.appendText(data.text);
      else if (name === 'tool_start') answer.tool(data.id, data.name);
      else if (name === 'tool_call') answer.toolCall(data);
      else if (name === 'tool_result') answer.toolResult(data);
      else if (name === 'metadata') showMetadata(data.metadata);
      else if (name === 'assistant') {
        const texts = data.blocks.filter((b) => b.type === 'text').map((b) => b.text);
        if (texts.length) answer.settleText(texts.join('\n'));
        answer.endText();
        answer.addFigures(data);
        finalId = data.message_id;
      } else if (name === 'done') {
        rememberSession(state.sessionId, text);
        showStats(data.stats);
        showViewerLink(data.viewer_url);
      } else if (name === 'error') answer.error(data.message);
    }
  } catch (error) {
    answer.error(error.message);
    handleError(error);
  } finally {
    answer.finish(finalId, null);
    setBusy(false);
  }
}

function handleError(error) {
  if (error instanceof AuthError) askForToken('Your access token was refused; enter it again.');
  else notice(error.message);
}

// ------------------------------------------------------------------ start

async function start() {
  const response = await api('/api/config');
  state.config = await response.json();
  $('#model').textContent = state.config.offline ? 'offline scripted model' : state.config.model;
  // A zero-width space after the dot: long names wrap between database and collection.
  $('#stat-database').textContent = state.config.database.replace('.', '.\u200b');
  $('#input').maxLength = state.config.max_message_chars;
  await loadHistory();
}

async function boot() {
  try {
    await start();
    document.body.dataset.ready = 'true';
  } catch (error) {
    if (error instanceof AuthError) askForToken('The playground needs the access token msm playground printed.');
    else notice(`Could not load the session: ${error.message}`);
  }
}

function wire() {
  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('#input').value.trim();
    if (!text || state.busy) return;
    $('#input').value = '';
    send(text);
  });
  $('#input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('#composer').requestSubmit();
    }
  });
  $('#new-chat').addEventListener('click', () => {
    if (state.busy) return;
    chooseSession(newSessionId(), { push: true });
    renderHistory({ messages: [], stats: null, viewer_url: null });
    notice('');
    $('#input').focus();
  });
  // Back / Forward between chats: the URL names the session.
  window.addEventListener('popstate', () => {
    const id = new URLSearchParams(window.location.search).get('session');
    if (id && id !== state.sessionId) {
      state.sessionId = null; // let openSession switch even while the id matches nothing
      openSession(id);
    }
  });
  $('#login-form').addEventListener('submit', () => {
    const given = $('#token').value.trim();
    if (!given) return;
    sessionStorage.setItem(TOKEN_KEY, given);
    boot();
  });
}

adoptTokenFromFragment();
chooseSession(initialSession());
wire();
boot();
