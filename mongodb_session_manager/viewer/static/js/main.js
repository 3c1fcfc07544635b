// Entry point: login, filters, results, detail, and the URL as the single source of
// truth for what is shown (deep links: filters, page, sort, open session and tab).

import { adoptTokenFromFragment, ApiError, AuthError, clearToken, get, getToken, setToken } from './api.js';
import { $, $$ } from './dom.js';
import { Detail } from './detail.js';
import { FilterForm } from './filters.js';
import { startHealth } from './health.js';
import { MemoryView } from './memory.js';
import { markSelected, renderResults } from './results.js';
import { SnapshotsView } from './snapshots.js';
import { initSplitters } from './split.js';

const VIEW_KEYS = ['session', 'tab', 'sort', 'offset', 'view', 'snapshot', 'scope', 'at'];
const VIEWS = ['sessions', 'snapshots', 'memory'];
const state = { config: null, filters: null, detail: null, memory: null, snapshots: null, lastSearch: '' };

// ---------------------------------------------------------------- URL state

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const filters = [...params].filter(([k]) => !VIEW_KEYS.includes(k));
  return {
    filters,
    view: VIEWS.includes(params.get('view')) ? params.get('view') : 'sessions',
    session: params.get('session'),
    snapshot: params.get('snapshot'),
    scope: params.get('scope'),
    at: params.get('at'),
    tab: params.get('tab') || 'timeline',
    sort: params.get('sort') || '-updated_at',
    offset: Math.max(0, Number.parseInt(params.get('offset') || '0', 10) || 0),
  };
}

function writeUrl(view, push) {
  const params = new URLSearchParams(view.filters);
  if (view.view && view.view !== 'sessions') params.set('view', view.view);
  if (view.view === 'snapshots') {
    for (const key of ['snapshot', 'scope', 'at']) if (view[key]) params.set(key, view[key]);
  }
  if (view.sort && view.sort !== '-updated_at') params.set('sort', view.sort);
  if (view.offset) params.set('offset', String(view.offset));
  if (view.session) params.set('session', view.session);
  if (view.session && view.tab && view.tab !== 'timeline') params.set('tab', view.tab);
  const query = params.toString();
  const url = `${window.location.pathname}${query ? `?${query}` : ''}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

function update(changes, push = true) {
  const view = { ...readUrl(), ...changes };
  writeUrl(view, push);
  return render(view);
}

// ---------------------------------------------------------------- rendering

function showError(error) {
  const box = $('#filter-error');
  box.hidden = !error;
  box.textContent = error ? error.message : '';
}

async function search(view) {
  const params = [...view.filters, ['sort', view.sort], ['offset', String(view.offset)], ['limit', String(state.config.page_size)]];
  const key = JSON.stringify(params);
  if (key === state.lastSearch) {
    markSelected(view.session);
    return;
  }
  state.lastSearch = key;
  try {
    const page = await get('/api/v1/sessions', params);
    showError(null);
    renderResults(page, view.session, (id) => update({ session: id, tab: 'timeline' }));
    $('#prev').onclick = () => update({ offset: Math.max(0, page.offset - page.limit) });
    $('#next').onclick = () => update({ offset: page.offset + page.limit });
  } catch (error) {
    state.lastSearch = '';
    if (error instanceof ApiError) showError(error);
    else throw error;
  }
}

function showView(which) {
  $('#panels').hidden = which !== 'sessions';
  $('#memory-view').hidden = which !== 'memory';
  $('#snapshots-view').hidden = which !== 'snapshots';
  for (const button of $$('#views [data-view]')) {
    button.setAttribute('aria-current', String(button.dataset.view === which));
  }
}

async function render(view) {
  const scope = state.config.session_scope;
  const which = scope ? 'sessions' : view.view;
  showView(which);
  if (which === 'memory') return state.memory.show();
  if (which === 'snapshots') return state.snapshots.show(view);
  if (scope) view = { ...view, session: scope }; // a session password opens that one only
  state.filters.fill(view.filters);
  $('#sort').value = view.sort;
  const jobs = scope ? [] : [search(view)];
  if (view.session && view.session !== state.detail.sessionId) {
    jobs.push(state.detail.open(view.session, view.tab).catch((error) => {
      if (!(error instanceof ApiError)) throw error;
    }));
  } else if (view.session) {
    jobs.push(state.detail.show(view.tab, false));
  } else {
    state.detail.close();
  }
  await Promise.all(jobs);
}

// ---------------------------------------------------------------- login

function askForToken(message) {
  const dialog = $('#login');
  const error = $('#login-error');
  error.hidden = !message;
  error.textContent = message || '';
  $('#token').value = '';
  if (!dialog.open) dialog.showModal();
  $('#token').focus();
}

async function start() {
  try {
    state.config = await get('/api/v1/config');
  } catch (error) {
    if (error instanceof AuthError) {
      clearToken();
      askForToken('That token was refused.');
      return;
    }
    throw error;
  }
  $('#where').textContent = `${state.config.database}.${state.config.collection}`;
  $('#logout').hidden = !state.config.auth;
  if (!state.filters) {
    state.filters = new FilterForm($('#filters'), (filters) => update({ filters, offset: 0 }));
    state.detail = new Detail(state.config, {
      onDeleted: () => { state.lastSearch = ''; update({ session: null }); },
      onTab: (tab) => update({ tab }, false),
    });
    state.memory = new MemoryView(state.config);
    state.snapshots = new SnapshotsView(state.config, (changes) => update({ view: 'snapshots', ...changes }).catch(handle));
    for (const button of $$('#views [data-view]')) {
      button.addEventListener('click', () => update({ view: button.dataset.view }).catch(handle));
    }
    $('#sort').addEventListener('change', (event) => update({ sort: event.target.value, offset: 0 }));
    window.addEventListener('popstate', () => render(readUrl()).catch(handle));
  }
  if (state.config.session_scope) document.body.dataset.scope = 'session';
  else state.filters.setFields(await get('/api/v1/metadata-fields'));
  await render(readUrl());
  document.body.dataset.ready = 'true';
}

function handle(error) {
  if (error instanceof AuthError) {
    clearToken();
    askForToken('Your access token was refused; sign in again.');
    return;
  }
  console.error(error);
  showError(error);
}

function boot() {
  adoptTokenFromFragment();
  startHealth();
  initSplitters($('#panels'));
  $('#login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = $('#token').value.trim();
    if (!token) return;
    setToken(token);
    $('#login').close();
    start().catch(handle);
  });
  $('#login').addEventListener('cancel', (event) => event.preventDefault()); // no way around it
  $('#logout').addEventListener('click', () => {
    clearToken();
    window.location.reload();
  });
  if (!getToken()) askForToken(null);
  else start().catch(handle);
}

boot();
