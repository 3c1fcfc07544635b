// The metrics tab: per-agent totals and two uPlot charts (tokens and latency per model
// call, in conversation order, one series per agent).

import uPlot from '/static/vendor/uplot/uPlot.esm.js';
import { get, sessionPath } from './api.js';
import { clear, h, num } from './dom.js';

const COLORS = ['#13624a', '#c2410c', '#1d4ed8', '#a21caf', '#0e7490', '#b45309', '#4d7c0f', '#be123c'];

function table(metrics) {
  const head = ['agent', 'model', 'calls', 'input tok', 'output tok', 'cache read', 'latency (sum)', 'latency (avg)', 'TTFB (avg)'];
  const rows = metrics.agents.map((a) => {
    const t = a.totals;
    const calls = t.model_calls || 0;
    return [a.agent_id, a.model || '—', num(calls), num(t.input_tokens), num(t.output_tokens), num(t.cache_read_tokens),
      `${num(t.latency_ms)} ms`, calls ? `${num(Math.round(t.latency_ms / calls))} ms` : '—',
      calls ? `${num(Math.round(t.time_to_first_byte_ms / calls))} ms` : '—'];
  });
  const t = metrics.totals;
  rows.push(['all agents', '', num(t.model_calls), num(t.input_tokens), num(t.output_tokens), num(t.cache_read_tokens),
    `${num(t.latency_ms)} ms`, t.model_calls ? `${num(Math.round(t.latency_ms / t.model_calls))} ms` : '—',
    t.model_calls ? `${num(Math.round(t.time_to_first_byte_ms / t.model_calls))} ms` : '—']);
  return h('table', { class: 'grid metrics-table' },
    h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((r, i) => h('tr', { class: i === rows.length - 1 ? 'total' : '' }, r.map((c) => h('td', {}, c))))));
}

function chart(target, title, metrics, agents, value, unit) {
  const xs = metrics.calls.map((c) => c.seq + 1);
  const series = agents.map((id) => metrics.calls.map((c) => (c.agent_id === id ? value(c) : null)));
  const width = Math.max(320, target.clientWidth - 8);
  const box = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  target.append(box);
  return new uPlot({
    width,
    height: 220,
    scales: { x: { time: false } },
    axes: [
      { label: 'model call #', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : '')) },
      { label: unit, size: 60 },
    ],
    series: [{ label: 'call' }, ...agents.map((id, i) => ({
      label: id, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true,
      points: { show: true, size: 6 },
    }))],
  }, [xs, ...series], box);
}

/** agentOrder: agent ids in the order (and so the colours) the timeline uses. */
function toolsTable(tools) {
  const rows = Object.values(tools || {}).sort((a, b) => b.calls - a.calls);
  if (!rows.length) return null;
  return h('table', { class: 'grid tools-table' },
    h('thead', {}, h('tr', {}, ['tool', 'calls', 'successes', 'errors', 'time (sum)', 'time (avg)'].map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((t) => h('tr', {},
      h('td', {}, h('code', {}, t.name || '?')),
      h('td', {}, num(t.calls)),
      h('td', {}, num(t.successes)),
      h('td', { class: t.errors ? 'error' : '' }, num(t.errors)),
      h('td', {}, `${num(Math.round(t.time_ms))} ms`),
      h('td', {}, t.calls ? `${num(Math.round(t.time_ms / t.calls))} ms` : '—')))));
}

export async function renderMetrics(container, sessionId, agentOrder) {
  clear(container).append(h('p', { class: 'muted' }, 'Loading…'));
  const metrics = await get(sessionPath(sessionId, '/metrics'));
  clear(container);
  container.append(h('h3', {}, 'Per agent'), table(metrics));
  const tools = toolsTable(metrics.totals.tools);
  if (tools) container.append(h('h3', {}, 'Tools'), tools);
  if (!metrics.calls.length) {
    container.append(h('p', { class: 'muted' }, 'No model calls recorded.'));
    return;
  }
  const charts = h('div', { class: 'charts' });
  container.append(charts);
  const known = metrics.agents.map((a) => a.agent_id);
  const agents = [...agentOrder.filter((id) => known.includes(id)), ...known.filter((id) => !agentOrder.includes(id))];
  chart(charts, 'Tokens per model call (input + output)', metrics, agents, (c) => c.usage.inputTokens + c.usage.outputTokens, 'tokens');
  chart(charts, 'Latency per model call', metrics, agents, (c) => c.metrics.latencyMs, 'ms');
}
