// Dead letters: filter and page through them, inspect one (decoded headers, key, value), replay or discard one or
// every match of the filter, each after a confirmation. #/dead-letters?filter... lists, #/dead-letters/{id} inspects.

import { filled, get, post } from '../api.js';
import { badge, confirmDialog, el, errorLine, formValues, show, table, text, time } from '../dom.js';

// The filter of the list, the summary and the bulk operations, in the API's names.
const FILTERS = [
  ['message_id', 'message id'], ['from_user_id', 'from user'], ['conversation_id', 'conversation'],
  ['key', 'key'], ['original_topic', 'original topic'], ['stage', 'stage'], ['reason', 'reason'],
  ['exception_contains', 'exception contains'], ['from', 'failed from (ISO-8601)'], ['to', 'failed before'],
];
const STATUSES = ['', 'NEW', 'REPLAYED', 'DISCARDED'];
const PAGE = 50;

export function render(view, { args, params }, ctx) {
  if (args[0]) {
    renderOne(view, args[0], ctx);
  } else {
    renderList(view, params, ctx);
  }
}

function filterOf(params) {
  return filled(Object.fromEntries([...FILTERS.map(([name]) => name), 'status'].map(n => [n, params.get(n)])));
}

// ---------------------------------------------------------------------------------------------------- the list

function renderList(view, params, ctx) {
  const filter = filterOf(params);
  const form = el('form', { id: 'dl-filter', class: 'filter', dataset: { test: 'dl-filter' } },
    FILTERS.map(([name, label]) => el('label', {}, label,
      el('input', { name, value: filter[name] ?? '', dataset: { test: `dl-filter-${name}` } }))),
    el('label', {}, 'status',
      el('select', { name: 'status', dataset: { test: 'dl-filter-status' } },
        STATUSES.map(s => el('option', { value: s, selected: (filter.status ?? '') === s }, s || 'any')))),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', dataset: { test: 'dl-filter-submit' } }, 'Search'),
      el('button', { type: 'button', class: 'danger', dataset: { test: 'dl-bulk-replay' },
        on: { click: () => bulk('replay', filter, ctx, message) } }, 'Replay all matching…'),
      el('button', { type: 'button', class: 'danger', dataset: { test: 'dl-bulk-discard' },
        on: { click: () => bulk('discard', filter, ctx, message) } }, 'Discard all matching…')));
  const message = el('div', { dataset: { test: 'dl-message' } });
  const counts = el('p', { class: 'note', dataset: { test: 'dl-counts' } });
  const list = el('div', { dataset: { test: 'dl-list' } });
  view.append(el('h1', {}, 'Dead letters'), form, message, counts, list);

  form.addEventListener('submit', event => {
    event.preventDefault();
    const hash = `#/dead-letters?${new URLSearchParams(filled(formValues(form)))}`;
    if (window.location.hash === hash) {
      load();
    } else {
      window.location.hash = hash; // the route renders the page anew
    }
  });

  async function load() {
    show(message);
    show(list, 'loading…');
    try {
      const [page, summary] = await Promise.all([
        get('/api/v1/dead-letters', { ...filter, limit: PAGE }),
        get('/api/v1/dead-letters/summary', filter),
      ]);
      if (!ctx.alive()) {
        return;
      }
      const sum = totals(summary.items);
      counts.textContent = `${sum.total} match: ${sum.new_count} new, ${sum.replayed} replayed, `
        + `${sum.discarded} discarded`;
      show(list, rows(page.items));
      list.dataset.query = new URLSearchParams(filter).toString(); // what the rows shown match
      more(page.next_cursor);
    } catch (error) {
      if (ctx.alive()) {
        show(list, errorLine(error));
      }
    }
  }

  function more(cursor) {
    if (!cursor) {
      return;
    }
    const button = el('button', { type: 'button', dataset: { test: 'dl-more' }, on: { click: async () => {
      button.disabled = true;
      try {
        const page = await get('/api/v1/dead-letters', { ...filter, limit: PAGE, cursor });
        button.remove();
        if (page.items.length) {
          list.querySelector('tbody').append(...rows(page.items).querySelectorAll('tbody tr'));
        }
        more(page.next_cursor);
      } catch (error) {
        button.replaceWith(errorLine(error));
      }
    } } }, 'More');
    list.append(button);
  }

  ctx.reload = load;
  load();
}

function rows(items) {
  return table([
    { title: 'id', class: 'num', value: d => el('a', { href: `#/dead-letters/${d.id}`, dataset: { test: 'dl-open' } },
      String(d.id)) },
    { title: 'failed at', class: 'nowrap', value: d => time(d.failed_at) },
    { title: 'original topic', value: d => d.original_topic },
    { title: 'stage', value: d => d.stage },
    { title: 'reason', value: d => d.reason },
    { title: 'message id', value: d => d.message_id },
    { title: 'from user', value: d => d.from_user_id },
    { title: 'key', class: 'wrap', value: d => d.key ?? (d.key_base64 ? `base64:${d.key_base64}` : '') },
    { title: 'status', value: d => badge(d.status, 'dl-row-status') },
    { title: 'replays', class: 'num', value: d => d.replay_count },
  ], items, { test: 'dl-table', empty: 'no dead letter matches',
    rowAttrs: d => ({ dataset: { test: 'dl-row', id: d.id, messageId: d.message_id ?? '' } }) });
}

function totals(items) {
  return items.reduce((t, i) => ({
    total: t.total + i.total, new_count: t.new_count + i.new_count,
    replayed: t.replayed + i.replayed, discarded: t.discarded + i.discarded,
  }), { total: 0, new_count: 0, replayed: 0, discarded: 0 });
}

/** Replay or discard every match: count first (summary with the same filter), confirm, then send the filter. */
async function bulk(action, filter, ctx, message) {
  try {
    const sum = totals((await get('/api/v1/dead-letters/summary', filter)).items);
    // Replay by filter takes NEW ones unless a status is given; discard takes every one not yet discarded.
    const count = action === 'replay'
      ? (filter.status === 'REPLAYED' ? sum.replayed : sum.new_count)
      : sum.new_count + sum.replayed;
    const what = Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(', ') || 'no filter: every dead letter';
    if (action === 'discard' && !Object.keys(filter).length) {
      throw new Error('a discard by filter needs at least one criterion');
    }
    if (!count) {
      throw new Error(`nothing to ${action}: no ${action === 'replay' ? 'NEW ' : ''}dead letter matches`);
    }
    const verb = action === 'replay' ? 'Replay' : 'Discard';
    if (!await confirmDialog(`${verb} ${count} dead letter${count === 1 ? '' : 's'}?`,
      `${verb} every ${action === 'replay' && !filter.status ? 'NEW ' : ''}dead letter matching ${what}`
      + (action === 'replay' ? ' to its original topic.' : '. They stay stored, marked DISCARDED.'))) {
      return;
    }
    const result = await post(`/api/v1/dead-letters/${action}`, filter);
    if (!ctx.alive()) {
      return;
    }
    const done = action === 'replay'
      ? `replayed ${result.replayed}, failed ${result.failed}, refused ${result.refused} (not a replay target)`
      : `discarded ${result.discarded}`;
    ctx.reload();
    show(message, el('p', { class: 'message ok', dataset: { test: 'dl-bulk-result' } }, done));
  } catch (error) {
    if (ctx.alive()) {
      show(message, errorLine(error));
    }
  }
}

// ---------------------------------------------------------------------------------------------------- one of them

async function renderOne(view, id, ctx) {
  view.append(el('p', {}, el('a', { href: '#/dead-letters' }, '← dead letters')));
  const box = el('div', { id: 'dl-detail', dataset: { test: 'dl-detail' } }, 'loading…');
  view.append(box);
  try {
    const d = await get(`/api/v1/dead-letters/${encodeURIComponent(id)}`);
    if (ctx.alive()) {
      show(box, ...detail(d, box, ctx));
    }
  } catch (error) {
    if (ctx.alive()) {
      show(box, errorLine(error));
    }
  }
}

function detail(d, box, ctx) {
  const act = async (action) => {
    const verb = action === 'replay' ? 'Replay' : 'Discard';
    const what = action === 'replay' ? `to ${d.original_topic}` : '(it stays stored, marked DISCARDED)';
    if (!await confirmDialog(`${verb} dead letter ${d.id}?`, `${verb} dead letter ${d.id} `
      + `(message ${d.message_id ?? 'unknown'}, ${d.reason}) ${what}.`)) {
      return;
    }
    try {
      const updated = await post(`/api/v1/dead-letters/${d.id}/${action}`);
      if (ctx.alive()) {
        show(box, el('p', { class: 'message ok', dataset: { test: 'dl-action-result' } },
          action === 'replay' ? `replayed to ${updated.original_topic}` : 'discarded'), ...detail(updated, box, ctx));
      }
    } catch (error) {
      if (ctx.alive()) {
        box.prepend(errorLine(error));
      }
    }
  };
  const fields = [
    ['status', badge(d.status, 'dl-status')],
    ['message id', d.message_id, 'dl-message-id'], ['from user', d.from_user_id], ['conversation', d.conversation_id],
    ['original topic', d.original_topic && `${d.original_topic} / ${text(d.original_partition)} @ ${text(d.original_offset)}`],
    ['original timestamp', time(d.original_timestamp)],
    ['stage', d.stage, 'dl-stage'], ['reason', d.reason, 'dl-reason'],
    ['exception', d.exception_class, 'dl-exception-class'], ['exception message', d.exception_message],
    ['failed at', time(d.failed_at)], ['captured at', time(d.captured_at)],
    ['dead-letter record', `${d.dlq_topic} / ${d.dlq_partition} @ ${d.dlq_offset}`],
    ['replays', `${d.replay_count}${d.last_replayed_at ? `, last ${time(d.last_replayed_at)}` : ''}`],
    ['status changed', time(d.status_changed_at)], ['capture error', d.capture_error],
  ];
  const trace = d.message_id
    ? el('a', { class: 'button', dataset: { test: 'dl-trace' }, href: `#/trace?${new URLSearchParams(filled({
      message_id: d.message_id, from_user_id: d.from_user_id }))}` }, 'Trace this message')
    : null;
  return [
    el('h1', {}, `Dead letter ${d.id}`),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'danger', dataset: { test: 'dl-replay' },
        disabled: d.status === 'DISCARDED' || !d.original_topic, on: { click: () => act('replay') } }, 'Replay…'),
      el('button', { type: 'button', class: 'danger', dataset: { test: 'dl-discard' },
        disabled: d.status === 'DISCARDED', on: { click: () => act('discard') } }, 'Discard…'),
      trace),
    el('dl', { class: 'fields' }, fields.filter(([, v]) => v !== null && v !== undefined && v !== '')
      .flatMap(([name, value, test]) => [el('dt', {}, name), el('dd', { dataset: test ? { test } : undefined }, value)])),
    el('h2', {}, 'Key'),
    el('pre', { dataset: { test: 'dl-key' } }, d.key ?? (d.key_base64 ? `base64: ${d.key_base64}` : '(none)')),
    el('h2', {}, 'Value'),
    el('pre', { dataset: { test: 'dl-value' } }, d.value !== null && d.value !== undefined ? pretty(d.value)
      : (d.value_base64 ? `base64: ${d.value_base64}` : '(none)')),
    el('h2', {}, `Headers (${d.headers.length})`),
    table([
      { title: 'name', class: 'wrap', value: h => h.name_base64 ? `${h.name} (exact name, base64: ${h.name_base64})` : h.name },
      { title: 'value', class: 'wrap', value: h => h.base64 ? `base64: ${h.base64}` : text(h.value) },
    ], d.headers, { test: 'dl-headers', rowAttrs: h => ({ dataset: { test: 'dl-header', name: h.name } }) }),
  ];
}

function pretty(value) {
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}
