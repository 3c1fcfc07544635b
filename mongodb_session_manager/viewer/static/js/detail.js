// The detail panel: header (ids, dates, totals, downloads), and the tabs.

import { del, download, get, sessionPath } from './api.js';
import { $, $$, append, clear, formatDate, h, json, num } from './dom.js';
import { renderMetrics } from './metrics.js';
import { Timeline } from './timeline.js';

function fact(label, value) {
  return h('div', { class: 'fact' }, h('span', { class: 'label' }, label), h('span', {}, value));
}

export function metadataTable(metadata) {
  const entries = Object.entries(metadata || {});
  if (!entries.length) return h('p', { class: 'muted' }, 'No metadata.');
  return h('table', { class: 'grid kv' }, h('tbody', {}, entries.map(([key, value]) => h('tr', {},
    h('th', {}, key),
    h('td', {}, value !== null && typeof value === 'object' ? json(value) : String(value))))));
}

function agentCard(agent) {
  return h('section', { class: 'agent-card', dataset: { agent: agent.agent_id } },
    h('h3', {}, agent.agent_id, ' ', h('span', { class: 'chip' }, agent.model || 'model unknown')),
    h('div', { class: 'facts' },
      fact('messages', num(agent.message_count)),
      fact('model calls', num(agent.totals.model_calls)),
      fact('tokens', `${num(agent.totals.input_tokens)} in / ${num(agent.totals.output_tokens)} out`),
      fact('created', formatDate(agent.created_at)),
      fact('updated', formatDate(agent.updated_at))),
    h('h4', {}, 'System prompt'),
    agent.system_prompt ? h('pre', { class: 'prompt' }, agent.system_prompt) : h('p', { class: 'muted' }, 'none stored'),
    agent.prompt_metadata ? [h('h4', {}, 'Prompt metadata'), json(agent.prompt_metadata)] : null,
    h('details', {}, h('summary', {}, 'Agent state'), json(agent.state)),
    h('details', {}, h('summary', {}, 'Conversation manager state'), json(agent.conversation_manager_state)));
}

export class Detail {
  constructor(config, { onDeleted, onTab }) {
    this.config = config;
    this.onDeleted = onDeleted;
    this.onTab = onTab;
    this.timeline = new Timeline($('#tab-timeline'));
    this.tab = 'timeline';
    for (const button of $$('.tabs [data-tab]')) {
      button.addEventListener('click', () => this.show(button.dataset.tab, true));
    }
  }

  async open(sessionId, tab = 'timeline') {
    this.sessionId = sessionId;
    $('#detail-empty').hidden = true;
    $('#detail').hidden = false;
    const head = clear($('#detail-head'));
    head.append(h('p', { class: 'muted' }, 'Loading…'));
    let detail;
    try {
      detail = await get(sessionPath(sessionId));
    } catch (error) {
      clear(head).append(h('p', { class: 'error', role: 'alert' }, error.message));
      for (const name of ['timeline', 'metrics', 'metadata', 'agents']) clear($(`#tab-${name}`));
      throw error;
    }
    if (this.sessionId !== sessionId) return;
    this.detail = detail;
    this.renderHead(detail);
    clear($('#tab-metadata')).append(metadataTable(detail.metadata));
    append(clear($('#tab-agents')), detail.agents.length ? detail.agents.map(agentCard) : h('p', { class: 'muted' }, 'No agents.'));
    this.metricsFor = null;
    await Promise.all([this.timeline.open(detail), this.show(tab, false)]);
  }

  renderHead(d) {
    const head = clear($('#detail-head'));
    const up = d.feedbacks.filter((f) => f.rating === 'up').length;
    const down = d.feedbacks.filter((f) => f.rating === 'down').length;
    append(head, [
      h('div', { class: 'title' },
        h('h2', {}, h('code', { class: 'sid' }, d.session_id)),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', onclick: () => download(d.session_id, 'json') }, 'JSON'),
          h('button', { type: 'button', onclick: () => download(d.session_id, 'markdown') }, 'Markdown'),
          this.config.allow_delete ? h('button', { type: 'button', class: 'danger', onclick: () => this.remove(d.session_id) }, 'Delete') : null)),
      d.schema_current ? null : h('p', { class: 'warning' }, `Stored with schema version ${d.schema_version}; run "msm migrate up" to upgrade it.`),
      h('div', { class: 'facts' },
        fact('application', d.application_name || '—'),
        fact('created', formatDate(d.created_at)),
        fact('updated', formatDate(d.updated_at)),
        fact('agents', num(d.agents.length)),
        fact('messages', num(d.totals.messages)),
        fact('tokens', `${num(d.totals.input_tokens)} in / ${num(d.totals.output_tokens)} out`),
        fact('total latency', `${num(d.totals.latency_ms)} ms`),
        fact('average latency', d.totals.model_calls
          ? `${num(Math.round(d.totals.latency_ms / d.totals.model_calls))} ms per model call` : '—'),
        fact('feedback', `${up} up · ${down} down · ${d.feedbacks.length} total`),
        fact('guardrail events', num(d.guardrail_count || 0)))]);
  }

  async show(tab, user) {
    this.tab = tab;
    for (const button of $$('.tabs [data-tab]')) button.setAttribute('aria-selected', String(button.dataset.tab === tab));
    for (const name of ['timeline', 'metrics', 'metadata', 'agents']) $(`#tab-${name}`).hidden = name !== tab;
    if (user) this.onTab(tab);
    if (tab === 'metrics' && this.metricsFor !== this.sessionId) {
      this.metricsFor = this.sessionId;
      await renderMetrics($('#tab-metrics'), this.sessionId, this.detail.agents.map((a) => a.agent_id));
    }
  }

  async remove(sessionId) {
    if (!window.confirm(`Delete session ${sessionId}? This cannot be undone.`)) return;
    await del(sessionPath(sessionId));
    this.close();
    this.onDeleted(sessionId);
  }

  close() {
    this.sessionId = null;
    $('#detail').hidden = true;
    $('#detail-empty').hidden = false;
  }
}
