// The result list: one row per session (counts, totals, preview), and the pager.

import { $, clear, h, num, relative, formatDate } from './dom.js';

function chips(row) {
  const list = [];
  if (row.application_name) list.push(h('span', { class: 'chip app' }, row.application_name));
  list.push(h('span', { class: 'chip' }, `${row.agent_count} agent${row.agent_count === 1 ? '' : 's'}`));
  list.push(h('span', { class: 'chip' }, `${num(row.message_count)} msgs`));
  list.push(h('span', { class: 'chip', title: 'total tokens' }, `${num(row.totals.total_tokens)} tok`));
  if (row.feedback_up) list.push(h('span', { class: 'chip up', title: 'thumbs up' }, `${row.feedback_up} up`));
  if (row.feedback_down) list.push(h('span', { class: 'chip down', title: 'thumbs down' }, `${row.feedback_down} down`));
  if (row.guardrail_count) list.push(h('span', { class: 'chip guardrail', title: 'guardrail events' }, `${row.guardrail_count} guardrail`));
  const other = row.feedback_count - row.feedback_up - row.feedback_down;
  if (other > 0) list.push(h('span', { class: 'chip', title: 'feedback without a rating' }, `${other} other`));
  for (const [key, value] of Object.entries(row.metadata || {}).slice(0, 3)) {
    if (value === null || typeof value === 'object') continue;
    list.push(h('span', { class: 'chip meta', title: `metadata ${key}` }, `${key}: ${String(value).slice(0, 40)}`));
  }
  return list;
}

export function renderResults(page, selectedId, onOpen) {
  const list = clear($('#results'));
  for (const row of page.items) {
    const button = h('button', {
      type: 'button',
      class: 'row',
      dataset: { sessionId: row.session_id },
      'aria-current': row.session_id === selectedId ? 'true' : false,
      onclick: () => onOpen(row.session_id),
    },
    h('div', { class: 'row-top' },
      h('code', { class: 'sid' }, row.session_id),
      h('time', { datetime: row.updated_at || '', title: formatDate(row.updated_at) }, relative(row.updated_at))),
    h('div', { class: `preview${row.preview_redacted ? ' redacted' : ''}` },
      row.preview_redacted ? h('span', { class: 'badge redacted' }, 'redacted') : null,
      row.preview || h('span', { class: 'muted' }, '(no messages)')),
    h('div', { class: 'chips' }, chips(row)));
    list.append(h('li', {}, button));
  }
  if (!page.items.length) list.append(h('li', { class: 'empty' }, 'No session matches these filters.'));
  const first = page.total ? page.offset + 1 : 0;
  const last = page.offset + page.items.length;
  $('#result-count').textContent = `${num(page.total)} session${page.total === 1 ? '' : 's'}`;
  $('#page-info').textContent = page.total ? `${num(first)}–${num(last)} of ${num(page.total)}` : '';
  $('#prev').disabled = page.offset <= 0;
  $('#next').disabled = last >= page.total;
}

export function markSelected(id) {
  for (const row of document.querySelectorAll('#results .row')) {
    if (row.dataset.sessionId === id) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
}
