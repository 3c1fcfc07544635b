// The Memory view: the memory collection's namespaces, and a namespace's entries
// (newest first, by user and text, a page at a time). Entry text and metadata are
// written by a model: they go in as text nodes only (dom.js), never as markup.

import { ApiError, get } from './api.js';
import { $, clear, formatDate, h, num, relative } from './dom.js';
import { metadataTable } from './detail.js';

function entryItem(entry) {
  return h('li', { class: 'entry', dataset: { entryId: entry.id } },
    h('header', {},
      h('span', { class: 'chip' }, entry.user_id === null ? 'shared' : `user ${entry.user_id}`),
      h('code', { class: 'muted', title: 'entry id' }, entry.id.slice(0, 12)),
      h('time', { datetime: entry.created_at || '', title: formatDate(entry.created_at) }, relative(entry.created_at))),
    h('p', { class: 'text' }, entry.text),
    Object.keys(entry.metadata || {}).length ? metadataTable(entry.metadata) : null);
}

export class MemoryView {
  constructor(config) {
    this.config = config;
    this.namespace = null;
    this.page = 1;
    this.loaded = false;
    this.token = 0;
    $('#memory-filters').addEventListener('submit', (event) => {
      event.preventDefault();
      this.page = 1;
      this.load().catch((error) => this.fail(error));
    });
    $('#memory-prev').addEventListener('click', () => { this.page -= 1; this.load().catch((e) => this.fail(e)); });
    $('#memory-next').addEventListener('click', () => { this.page += 1; this.load().catch((e) => this.fail(e)); });
  }

  fail(error) {
    if (!(error instanceof ApiError)) throw error;
    const box = $('#memory-error');
    box.hidden = false;
    box.textContent = error.message;
  }

  async show() {
    if (this.loaded) return;
    this.loaded = true;
    $('#memory-where').textContent = `${this.config.database}.${this.config.memory_collection}`;
    let body;
    try {
      body = await get('/api/v1/memory/namespaces');
    } catch (error) {
      this.loaded = false;
      this.fail(error);
      return;
    }
    const list = clear($('#memory-namespaces'));
    for (const row of body.items) {
      list.append(h('li', {}, h('button', {
        type: 'button',
        class: 'row',
        dataset: { namespace: row.namespace },
        onclick: () => this.open(row.namespace).catch((error) => this.fail(error)),
      },
      h('div', { class: 'row-top' }, h('code', { class: 'sid' }, row.namespace),
        h('time', { datetime: row.latest_at || '', title: formatDate(row.latest_at) }, relative(row.latest_at))),
      h('div', { class: 'chips' },
        h('span', { class: 'chip' }, `${num(row.entries)} entr${row.entries === 1 ? 'y' : 'ies'}`),
        h('span', { class: 'chip' }, `${num(row.users)} user${row.users === 1 ? '' : 's'}`)))));
    }
    if (!body.items.length) list.append(h('li', { class: 'empty' }, 'No memory entries in this collection.'));
    if (body.truncated) list.append(h('li', { class: 'muted' }, 'Only the first namespaces by name are listed.'));
    this.pager(null);
  }

  async open(namespace) {
    this.namespace = namespace;
    this.page = 1;
    for (const row of document.querySelectorAll('#memory-namespaces .row')) {
      if (row.dataset.namespace === namespace) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
    }
    await this.load();
  }

  async load() {
    if (this.namespace === null) return;
    const token = ++this.token;
    const form = $('#memory-filters');
    const params = [['namespace', this.namespace], ['page', String(this.page)], ['page_size', String(this.config.page_size)]];
    const userId = form.elements.user_id.value.trim();
    const q = form.elements.q.value.trim();
    if (userId) params.push(['user_id', userId]);
    if (q) params.push(['q', q]);
    const page = await get('/api/v1/memory/entries', params);
    if (token !== this.token) return;
    $('#memory-error').hidden = true;
    const list = clear($('#memory-entries'));
    for (const entry of page.items) list.append(entryItem(entry));
    if (!page.items.length) list.append(h('li', { class: 'empty' }, 'No entry matches.'));
    $('#memory-count').textContent = `${num(page.total)} entr${page.total === 1 ? 'y' : 'ies'} in ${page.namespace}`;
    this.pager(page);
  }

  pager(page) {
    const pages = page ? Math.max(1, Math.ceil(page.total / page.page_size)) : 0;
    $('#memory-page').textContent = page ? `page ${num(page.page)} of ${num(pages)}` : '';
    $('#memory-prev').disabled = !page || page.page <= 1;
    $('#memory-next').disabled = !page || page.page >= pages;
  }
}
