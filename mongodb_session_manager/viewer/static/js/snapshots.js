// The Snapshots view: Strands' SnapshotSessionManager sessions, newest first; one
// session's agents and checkpoints; and time travel: a checkpoint (slider or list)
// shows the conversation as it was then, with the timeline's own message bubbles.
// What the view shows lives in the URL (snapshot, scope, at), like the sessions view.

import { ApiError, del, downloadFrom, get } from './api.js';
import { $, append, clear, formatDate, h, json, num, relative } from './dom.js';
import { messageItem } from './timeline.js';

const BASE = '/api/v1/snapshot-sessions';
const LATEST = 'latest';
const path = (...parts) => [BASE, ...parts.map((p) => encodeURIComponent(p))].join('/');

function fact(label, value) {
  return h('div', { class: 'fact' }, h('span', { class: 'label' }, label), h('span', {}, value));
}

function sizeLabel(bytes) {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${num(bytes)} B`;
}

/** The points a scope can be seen at: its checkpoints, oldest first, then its latest. */
function points(scope) {
  const list = scope.checkpoints.map((c, i) => ({ id: c.snapshot_id, label: `#${i + 1}`, at: c.created_at }));
  if (scope.latest) list.push({ id: LATEST, label: 'latest', at: scope.latest.updated_at });
  return list;
}

export class SnapshotsView {
  constructor(config, navigate) {
    this.config = config;
    this.navigate = navigate;
    this.listed = false;
    this.before = null;
    this.nextBefore = null;
    this.sessionId = null;
    this.detail = null;
    this.shown = null;
    this.at = null;
    this.token = 0;
    const fail = (error) => this.fail(error);
    $('#snapshot-filter').addEventListener('submit', (event) => {
      event.preventDefault();
      this.list(null).catch(fail);
    });
    $('#snapshot-older').addEventListener('click', () => this.list(this.nextBefore).catch(fail));
    $('#snapshot-first').addEventListener('click', () => this.list(null).catch(fail));
  }

  fail(error) {
    if (!(error instanceof ApiError)) throw error;
    const box = $('#snapshot-error');
    box.hidden = false;
    box.textContent = error.message;
  }

  async show(view) {
    $('#snapshot-where').textContent = `${this.config.database}.${this.config.storage_collection}`;
    try {
      if (!this.listed) {
        this.listed = true;
        await this.list(null);
      }
      if (!view.snapshot) {
        this.close();
        return;
      }
      if (view.snapshot !== this.sessionId) await this.open(view.snapshot);
      if (!this.detail || !this.detail.scopes.length) return;
      const scope = this.detail.scopes.find((s) => s.scope_id === view.scope) || this.detail.scopes[0];
      const known = points(scope);
      const at = known.some((p) => p.id === view.at) ? view.at : known[known.length - 1].id;
      await this.travel(scope, at);
    } catch (error) {
      this.fail(error);
    }
  }

  async list(before) {
    const form = $('#snapshot-filter');
    const params = [['limit', String(this.config.page_size)]];
    const prefix = form.elements.prefix.value.trim();
    if (prefix) params.push(['prefix', prefix]);
    if (before) params.push(['before', before]);
    const page = await get(BASE, params);
    $('#snapshot-error').hidden = true;
    this.before = before;
    this.nextBefore = page.next_before;
    const list = clear($('#snapshot-sessions'));
    for (const row of page.items) {
      list.append(h('li', {}, h('button', {
        type: 'button',
        class: 'row',
        dataset: { snapshotSession: row.session_id },
        'aria-current': row.session_id === this.sessionId ? 'true' : false,
        onclick: () => this.navigate({ snapshot: row.session_id, scope: null, at: null }),
      },
      h('div', { class: 'row-top' }, h('code', { class: 'sid' }, row.session_id),
        h('time', { datetime: row.updated_at, title: formatDate(row.updated_at) }, relative(row.updated_at))),
      h('div', { class: 'chips' },
        h('span', { class: 'chip' }, `${num(row.scopes)} agent${row.scopes === 1 ? '' : 's'}`),
        h('span', { class: 'chip' }, sizeLabel(row.size_bytes))))));
    }
    if (!page.items.length) list.append(h('li', { class: 'empty' }, 'No snapshot session here.'));
    $('#snapshot-older').disabled = !page.next_before;
    $('#snapshot-first').disabled = !before;
  }

  async open(sessionId) {
    this.sessionId = sessionId;
    this.detail = null;
    this.shown = null;
    for (const row of document.querySelectorAll('#snapshot-sessions .row')) {
      if (row.dataset.snapshotSession === sessionId) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
    }
    $('#snapshot-empty').hidden = true;
    $('#snapshot-detail').hidden = false;
    const head = clear($('#snapshot-head'));
    for (const id of ['#snapshot-travel', '#snapshot-at', '#snapshot-timeline']) clear($(id));
    head.append(h('p', { class: 'muted' }, 'Loading…'));
    let detail;
    try {
      detail = await get(path(sessionId));
    } catch (error) {
      clear(head).append(h('p', { class: 'error', role: 'alert' }, error.message));
      throw error;
    }
    if (this.sessionId !== sessionId) return;
    this.detail = detail;
    const checkpoints = detail.scopes.reduce((n, s) => n + s.checkpoints.length, 0);
    append(clear(head), [
      h('div', { class: 'title' },
        h('h2', {}, h('code', { class: 'sid' }, detail.session_id)),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', onclick: () => this.download('json').catch((e) => this.fail(e)) }, 'JSON'),
          h('button', { type: 'button', title: 'The conversation at the checkpoint shown', onclick: () => this.download('markdown').catch((e) => this.fail(e)) }, 'Markdown'),
          this.config.allow_delete
            ? h('button', { type: 'button', class: 'danger', onclick: () => this.remove(detail.session_id) }, 'Delete')
            : null)),
      h('div', { class: 'facts' },
        fact('updated', formatDate(detail.updated_at)),
        fact('agents', num(detail.scopes.length)),
        fact('checkpoints', num(checkpoints)),
        fact('stored', sizeLabel(detail.total_bytes)),
        fact('stash values', num(detail.stash_keys)))]);
  }

  /** JSON: every checkpoint; Markdown: the conversation at the checkpoint shown. */
  async download(format) {
    const params = [['format', format]];
    if (format === 'markdown' && this.at && this.at !== LATEST) params.push(['checkpoint', this.at]);
    await downloadFrom(path(this.sessionId, 'export'), params, `snapshots.${format === 'json' ? 'json' : 'md'}`);
  }

  async travel(scope, at) {
    this.at = at;
    const key = `${scope.kind}\u0000${scope.scope_id}\u0000${at}`;
    if (this.shown === key) return;
    this.shown = key;
    const token = ++this.token;
    this.renderControls(scope, at);
    const params = [['kind', scope.kind]];
    const conversation = await get(path(this.sessionId, 'scopes', scope.scope_id, 'snapshots', at), params);
    if (token !== this.token) return;
    this.renderConversation(scope, at, conversation);
  }

  renderControls(scope, at) {
    const known = points(scope);
    const index = known.findIndex((p) => p.id === at);
    const go = (id) => this.navigate({ scope: scope.scope_id, at: id });
    const picker = this.detail.scopes.length > 1
      ? h('label', { class: 'scope-pick' }, 'Agent',
        h('select', {
          id: 'snapshot-scope',
          onchange: (event) => this.navigate({ scope: event.target.value, at: null }),
        }, this.detail.scopes.map((s) => h('option', {
          value: s.scope_id,
          selected: s.scope_id === scope.scope_id,
        }, s.kind === 'agent' ? s.scope_id : `${s.scope_id} (orchestrator)`))))
      : h('p', { class: 'scope-pick' }, `${scope.kind === 'agent' ? 'Agent' : 'Orchestrator'} `, h('code', {}, scope.scope_id));
    const slider = known.length > 1 ? h('input', {
      id: 'snapshot-slider',
      type: 'range',
      min: '0',
      max: String(known.length - 1),
      step: '1',
      value: String(index),
      'aria-label': 'Checkpoint',
      'aria-valuetext': known[index] ? known[index].label : '',
      onchange: (event) => go(known[Number(event.target.value)].id),
    }) : null;
    const list = h('ol', { class: 'checkpoints', 'aria-label': 'Checkpoints' }, known.map((p) => h('li', {},
      h('button', {
        type: 'button',
        dataset: { snapshotId: p.id },
        'aria-current': p.id === at ? 'true' : false,
        title: formatDate(p.at),
        onclick: () => go(p.id),
      }, p.label))));
    append(clear($('#snapshot-travel')), [picker, slider, list]);
  }

  renderConversation(scope, at, c) {
    const known = points(scope);
    const where = at === LATEST ? 'latest snapshot'
      : `checkpoint ${known.findIndex((p) => p.id === at) + 1} of ${scope.checkpoints.length}`;
    append(clear($('#snapshot-at')), [
      h('div', { class: 'facts' },
        fact('showing', where),
        fact('taken', formatDate(c.created_at)),
        fact('messages', num(c.message_count))),
      c.system_prompt ? h('details', {}, h('summary', {}, 'System prompt'), h('pre', { class: 'prompt' }, c.system_prompt)) : null,
      h('details', { class: 'snapshot-state' }, h('summary', {}, scope.kind === 'agent' ? 'Agent state' : 'Orchestrator state'), json(c.state)),
      scope.kind === 'agent'
        ? h('details', {}, h('summary', {}, 'Conversation manager state'), json(c.conversation_manager_state)) : null]);
    const list = h('div', { class: 'timeline' });
    const status = h('p', { class: 'muted timeline-status' });
    const more = h('button', { type: 'button', class: 'more' }, 'Load more');
    const agentIds = [scope.scope_id];
    let shown = 0;
    const add = (page) => {
      for (const item of page.items) list.append(messageItem(item, agentIds));
      shown += page.items.length;
      status.textContent = page.message_count ? `${num(shown)} of ${num(page.message_count)} messages` : 'No messages.';
      more.hidden = page.next_offset === null;
      more.onclick = async () => {
        more.disabled = true;
        const params = [['kind', scope.kind], ['offset', String(page.next_offset)]];
        add(await get(path(this.sessionId, 'scopes', scope.scope_id, 'snapshots', at), params));
        more.disabled = false;
      };
    };
    add(c);
    clear($('#snapshot-timeline')).append(list, status, more);
  }

  async remove(sessionId) {
    if (!window.confirm(`Delete snapshot session ${sessionId} and all its checkpoints? This cannot be undone.`)) return;
    await del(path(sessionId));
    this.sessionId = null;
    this.listed = false;
    this.navigate({ snapshot: null, scope: null, at: null });
  }

  close() {
    this.sessionId = null;
    this.detail = null;
    this.shown = null;
    $('#snapshot-detail').hidden = true;
    $('#snapshot-empty').hidden = false;
  }
}
