// Overview: each app's health and readiness, throughput, consumer lag, gateways, dead letters by reason over time.
// Refreshed every few seconds while it is open.

import { get } from '../api.js';
import { badge, el, errorLine, show, table, time, text } from '../dom.js';
import { deadLetterChart } from '../chart.js';

const REFRESH_MS = 5000;

export function render(view, _route, ctx) {
  const status = el('p', { class: 'note', dataset: { test: 'overview-updated' } }, 'loading…');
  const body = el('div', { id: 'overview', dataset: { test: 'overview' } });
  view.append(el('h1', {}, 'Pipeline overview'), status, body);

  async function refresh() {
    try {
      const o = await get('/api/v1/overview');
      if (!ctx.alive()) {
        return;
      }
      const open = body.querySelector('details')?.open;
      show(body, ...sections(o));
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

function sections(o) {
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
