// Overview: each app's health and readiness, message trace writing (paused and resumed here), throughput, consumer
// lag, gateways, dead letters by reason over time. Refreshed every few seconds while it is open.

import { call, get } from '../api.js';
import { badge, confirmDialog, el, errorLine, show, table, time, text } from '../dom.js';
import { deadLetterChart } from '../chart.js';

const REFRESH_MS = 5000;

export function render(view, _route, ctx) {
  const status = el('p', { class: 'note', dataset: { test: 'overview-updated' } }, 'loading…');
  const body = el('div', { id: 'overview', dataset: { test: 'overview' } });
  view.append(el('h1', {}, 'Pipeline overview'), status, body);

  async function refresh() {
    try {
      const [o, writers] = await Promise.all([get('/api/v1/overview'),
        get('/api/v1/trace-writers').catch(error => ({ error }))]);
      if (!ctx.alive()) {
        return;
      }
      const open = body.querySelector('details')?.open;
      show(body, ...sections(o, traceWriting(writers, refresh)));
      body.querySelector('details').open = !!open;
      status.textContent = `measured ${time(o.measured_at ?? Date.now())}, refreshed every ${REFRESH_MS / 1000} s`;
    } catch (error) {
      if (ctx.alive()) {
        show(status, errorLine(error));
      }
    }
  }
  refresh();
  ctx.every(REFRESH_MS, refresh);
}

// Each app that writes trace events: writing, paused (by an operator, at run time) or off (im.trace.enabled=false at
// its start); pausing and resuming ask for a confirmation and are written to the audit log.
function traceWriting(writers, refresh) {
  const title = el('h2', {}, 'Message trace writing');
  if (writers.error) {
    return [title, errorLine(writers.error)];
  }
  const state = w => w.writing === null || w.writing === undefined ? 'UNKNOWN'
    : w.writing ? 'WRITING' : w.enabled ? 'PAUSED' : 'OFF';
  const message = el('div', { dataset: { test: 'trace-writing-message' } });
  async function change(w, writing) {
    const what = writing ? 'Resume' : 'Pause';
    if (!await confirmDialog(`${what} message trace writing on ${w.app}?`, writing
      ? `${w.app} writes trace events again from now; what it did while paused stays missing from traces.`
      : `${w.app} stops writing trace events until resumed or restarted: traces miss its stages meanwhile. `
        + 'Messages are handled as before.')) {
      return;
    }
    try {
      await call('PUT', `/api/v1/trace-writers/${encodeURIComponent(w.app)}`, { body: { writing } });
      await refresh();
    } catch (error) {
      show(message, errorLine(error));
    }
  }
  return [title,
    table([
      { title: 'app', value: w => w.app },
      { title: 'trace writing', value: w => badge(state(w), 'trace-writing-state') },
      { title: 'detail', class: 'wrap', value: w => w.detail ?? '' },
      { title: '', value: w => state(w) === 'WRITING' || state(w) === 'PAUSED'
        ? el('button', { type: 'button', dataset: { test: 'trace-writing-switch' },
          on: { click: () => change(w, state(w) === 'PAUSED') } }, state(w) === 'PAUSED' ? 'Resume' : 'Pause')
        : '' },
    ], writers, { test: 'trace-writers', empty: 'no app writes trace events',
      rowAttrs: w => ({ dataset: { test: 'trace-writer-row', app: w.app } }) }),
    message];
}

function sections(o, writing) {
  const lag = o.lag ?? [];
  const byGroup = Object.values(lag.reduce((groups, l) => {
    const g = groups[l.group] ??= { group: l.group, topics: new Set(), partitions: 0, lag: 0 };
    g.topics.add(l.topic);
    g.partitions += 1;
    g.lag += l.lag ?? 0;
    return groups;
  }, {}));
  const throughput = o.throughput ?? [];
  const busy = throughput.filter(t => t.records_per_second > 0);
  const idle = throughput.filter(t => !(t.records_per_second > 0));
  return [
    // A part the dlq-handler could not measure is empty, and said so here.
    (o.errors ?? []).map(e => el('p', { class: 'message error', dataset: { test: 'overview-error' } },
      `${e.part}: ${e.detail}`)),
    el('h2', {}, 'Apps'),
    table([
      { title: 'app', value: a => a.name },
      { title: 'health', value: a => badge(a.health, 'app-health') },
      { title: 'readiness', value: a => badge(a.readiness, 'app-readiness') },
      { title: 'url', value: a => a.url },
      { title: 'detail', class: 'wrap', value: a => a.detail },
    ], o.apps ?? [], { test: 'apps', rowAttrs: a => ({ dataset: { test: 'app-row', app: a.name } }) }),

    writing,

    el('h2', {}, 'Throughput'),
    table([
      { title: 'topic', value: t => t.topic },
      { title: 'records/s', class: 'num', value: t => Number(t.records_per_second).toFixed(1) },
    ], busy, { test: 'throughput', empty: 'no records written since the last sample' }),
    idle.length ? el('p', { class: 'note' }, `idle: ${idle.map(t => t.topic).join(', ')}`) : null,

    el('h2', {}, 'Gateways'),
    table([
      { title: 'gateway', value: g => g.gateway_id },
      { title: 'status', value: g => badge(g.status, 'gateway-status') },
      { title: 'last heartbeat', class: 'nowrap', value: g => time(g.last_heartbeat) },
    ], o.gateways ?? [], { test: 'gateways', rowAttrs: g => ({ dataset: { test: 'gateway-row' } }) }),

    el('h2', {}, 'Consumer lag'),
    table([
      { title: 'group', value: g => g.group },
      { title: 'topics', value: g => [...g.topics].join(', ') },
      { title: 'partitions', class: 'num', value: g => g.partitions },
      { title: 'lag', class: 'num', value: g => g.lag },
    ], byGroup, { test: 'lag-by-group' }),
    el('details', {},
      el('summary', {}, `per partition (${lag.length})`),
      table([
        { title: 'group', value: l => l.group },
        { title: 'topic', value: l => l.topic },
        { title: 'partition', class: 'num', value: l => l.partition },
        { title: 'committed', class: 'num', value: l => text(l.committed_offset) },
        { title: 'end', class: 'num', value: l => text(l.end_offset) },
        { title: 'lag', class: 'num', value: l => text(l.lag) },
      ], lag, { test: 'lag' })),

    el('h2', {}, 'Dead letters by reason'),
    (o.dead_letters_by_reason ?? []).length
      ? deadLetterChart(o.dead_letters_by_reason)
      : el('p', { class: 'note' }, 'no dead letters in the period shown'),
  ];
}
