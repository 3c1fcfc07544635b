// The filter form: fixed fields plus one typed control per discovered metadata field.
// The form reads to, and fills from, the API's own query parameters, which are also
// what the page URL carries (deep links).

import { $, $$, clear, h } from './dom.js';

const FIXED = ['session_id', 'application_name', 'model', 'rating', 'guardrail'];
const DATES = ['created_from', 'created_to', 'updated_from', 'updated_to'];

// Local calendar days <-> ISO instants: "to" dates include the whole day.
export function dayToIso(day, endOfDay) {
  if (!day) return '';
  const date = new Date(`${day}T${endOfDay ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

export function isoToDay(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function option(value, label, selected) {
  return h('option', { value, selected: selected || false }, label);
}

function control(field) {
  const name = `meta.${field.name}`;
  const box = h('div', { class: 'meta-field', dataset: { field: field.name, type: field.type } },
    h('span', { class: 'label' }, field.name, ' ', h('span', { class: `type type-${field.type}` }, field.type),
      field.indexed ? h('span', { class: 'type indexed', title: 'indexed' }, 'idx') : null));
  if (field.type === 'enum' || field.type === 'boolean') {
    const values = field.type === 'boolean' ? ['true', 'false'] : field.values || [];
    box.append(h('select', { dataset: { param: name }, 'aria-label': field.name },
      option('', 'any'), values.map((v) => option(v, v))));
  } else if (field.type === 'string') {
    box.append(h('div', { class: 'pair' },
      h('select', { class: 'op', dataset: { opFor: name }, 'aria-label': `${field.name} match` },
        option('prefix', 'starts with'), option('eq', 'equals')),
      h('input', { type: 'search', dataset: { param: name }, maxlength: 1024, 'aria-label': field.name })));
  } else if (field.type === 'number') {
    box.append(h('div', { class: 'pair' },
      h('input', { type: 'number', step: 'any', placeholder: 'min', dataset: { param: `${name}:gte` }, 'aria-label': `${field.name} min` }),
      h('input', { type: 'number', step: 'any', placeholder: 'max', dataset: { param: `${name}:lte` }, 'aria-label': `${field.name} max` })));
  } else if (field.type === 'date') {
    box.append(h('div', { class: 'pair' },
      h('input', { type: 'date', dataset: { param: `${name}:gte`, day: 'start' }, 'aria-label': `${field.name} from` }),
      h('input', { type: 'date', dataset: { param: `${name}:lte`, day: 'end' }, 'aria-label': `${field.name} to` })));
  }
  return box;
}

export class FilterForm {
  constructor(form, onSearch) {
    this.form = form;
    this.fields = [];
    this.extra = []; // deep-link parameters for fields this page does not show
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      onSearch(this.params());
    });
    form.addEventListener('reset', () => {
      setTimeout(() => { this.extra = []; onSearch(this.params()); }, 0);
    });
  }

  setFields(catalog) {
    this.fields = catalog.fields || [];
    const box = $('#meta-fields', this.form);
    clear(box);
    if (!this.fields.length) box.append(h('p', { class: 'hint' }, 'No metadata fields found yet.'));
    for (const field of this.fields) box.append(control(field));
    const fill = (id, values) => clear($(id)).append(...values.map((v) => h('option', { value: v })));
    fill('#application-names', catalog.application_names || []);
    fill('#model-names', catalog.models || []);
  }

  /** The form as API query parameters ([name, value] pairs). */
  params() {
    const out = [];
    const data = new FormData(this.form);
    for (const name of FIXED) {
      const value = String(data.get(name) || '').trim();
      if (value) out.push([name, value]);
    }
    for (const name of DATES) {
      const iso = dayToIso(String(data.get(name) || ''), name.endsWith('_to'));
      if (iso) out.push([name, iso]);
    }
    for (const input of $$('[data-param]', this.form)) {
      let value = input.value.trim();
      if (!value) continue;
      let param = input.dataset.param;
      const op = $(`[data-op-for="${CSS.escape(param)}"]`, this.form);
      if (op && op.value === 'prefix') param = `${param}:prefix`;
      if (input.type === 'date') value = dayToIso(value, input.dataset.day === 'end');
      if (value) out.push([param, value]);
    }
    return out.concat(this.extra);
  }

  /** Show the given API parameters in the form. */
  fill(params) {
    // Not form.reset(): that fires the reset event, which searches.
    for (const element of this.form.elements) {
      if (element.tagName === 'SELECT') element.selectedIndex = 0;
      else if (element.tagName === 'INPUT') element.value = '';
    }
    this.extra = [];
    for (const [name, value] of params) {
      if (FIXED.includes(name)) {
        this.form.elements[name].value = value;
      } else if (DATES.includes(name)) {
        this.form.elements[name].value = isoToDay(value);
      } else if (name.startsWith('meta.')) {
        if (!this.fillMeta(name, value)) this.extra.push([name, value]);
      }
    }
  }

  fillMeta(name, value) {
    const prefix = name.endsWith(':prefix');
    const base = prefix ? name.slice(0, -':prefix'.length) : name;
    const input = $(`[data-param="${CSS.escape(base)}"]`, this.form);
    if (!input) return false;
    input.value = input.type === 'date' ? isoToDay(value) : value;
    const op = $(`[data-op-for="${CSS.escape(base)}"]`, this.form);
    if (op) op.value = prefix ? 'prefix' : 'eq';
    else if (prefix) return false;
    return true;
  }
}
