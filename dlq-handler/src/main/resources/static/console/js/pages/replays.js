// Topic replay jobs: copy an offset or time range of a topic into another (start), follow the progress, cancel.

import { filled, get, post } from '../api.js';
import { badge, confirmDialog, el, errorLine, formValues, show, table, text, time } from '../dom.js';

const REFRESH_MS = 2000;

export function render(view, _route, ctx) {
  const input = (name, label, attrs = {}) => el('label', {}, label,
    el('input', { name, dataset: { test: `replay-${name.replaceAll('_', '-')}` }, ...attrs }));
  const form = el('form', { id: 'replay-form', class: 'filter', dataset: { test: 'replay-form' } },
    input('source_topic', 'source topic', { required: true, placeholder: 'im-upstream-topic-dlq' }),
    input('target_topic', 'target topic', { required: true, placeholder: 'im-upstream-topic' }),
    input('partitions', 'partitions (all when empty)', { placeholder: '0, 2' }),
    input('from_offset', 'from offset (inclusive)', { inputmode: 'numeric' }),
    input('to_offset', 'to offset (exclusive)', { inputmode: 'numeric' }),
    input('from_timestamp', 'or from time (ISO-8601)', { placeholder: '2026-11-28T08:00:00Z' }),
    input('to_timestamp', 'to time (exclusive)'),
    input('rate_per_second', 'records per second', { inputmode: 'decimal', placeholder: 'default' }),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', class: 'danger', dataset: { test: 'replay-start' } }, 'Start…')));
  const message = el('div', { dataset: { test: 'replay-message' } });
  const list = el('div', { id: 'replays', dataset: { test: 'replays' } }, 'loading…');
  view.append(el('h1', {}, 'Topic replay jobs'), el('h2', {}, 'Start a replay'), form, message,
    el('h2', {}, 'Recent jobs'), list);

  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const request = replayRequest(formValues(form));
      const range = request.from_timestamp || request.to_timestamp
        ? `records from ${request.from_timestamp ?? 'the start'} to ${request.to_timestamp ?? 'now'}`
        : `offsets ${request.from_offset ?? 'start'} to ${request.to_offset ?? 'end'}`;
      const partitions = request.partitions ? `partitions ${request.partitions.join(', ')}` : 'all partitions';
      if (!await confirmDialog('Start a topic replay?', `Copy ${range} of ${request.source_topic} (${partitions}) `
        + `into ${request.target_topic}${request.rate_per_second ? ` at ${request.rate_per_second}/s` : ''}.`)) {
        return;
      }
      const job = await post('/api/v1/replays', request);
      show(message, el('p', { class: 'message ok', dataset: { test: 'replay-started' } },
        `started ${job.id}: ${job.planned} records planned`));
      load();
    } catch (error) {
      show(message, errorLine(error));
    }
  });

  async function load() {
    try {
      const jobs = await get('/api/v1/replays', { limit: 20 });
      if (ctx.alive()) {
        show(list, jobsTable(jobs, cancel));
      }
    } catch (error) {
      if (ctx.alive()) {
        show(list, errorLine(error));
      }
    }
  }

  async function cancel(job) {
    if (!await confirmDialog('Cancel this topic replay?', `Stop copying ${job.source_topic} into `
      + `${job.target_topic} (job ${job.id}, ${job.copied} of ${job.planned} copied so far).`)) {
      return;
    }
    try {
      await post(`/api/v1/replays/${encodeURIComponent(job.id)}/cancel`);
      load();
    } catch (error) {
      show(message, errorLine(error));
    }
  }

  load();
  ctx.every(REFRESH_MS, load);
}

/** The form's filled-in fields as the API's request: numbers as numbers, partitions as a list. */
function replayRequest(values) {
  const request = filled(values);
  for (const name of ['from_offset', 'to_offset', 'rate_per_second']) {
    if (request[name] !== undefined) {
      const n = Number(request[name]);
      if (!Number.isFinite(n)) {
        throw new Error(`${name} must be a number`);
      }
      request[name] = n;
    }
  }
  if (request.partitions !== undefined) {
    request.partitions = request.partitions.split(/[\s,]+/).filter(Boolean).map(p => {
      if (!/^\d+$/.test(p)) {
        throw new Error(`partitions: ${p} is not a partition number`);
      }
      return Number(p);
    });
  }
  return request;
}

function jobsTable(jobs, cancel) {
  return table([
    { title: 'created', class: 'nowrap', value: j => time(j.created_at) },
    { title: 'source → target', value: j => `${j.source_topic} → ${j.target_topic}` },
    { title: 'range', value: j => j.from_timestamp || j.to_timestamp
      ? `${time(j.from_timestamp)} … ${time(j.to_timestamp)}`
      : `${text(j.from_offset ?? 'start')} … ${text(j.to_offset ?? 'end')}` },
    { title: 'status', value: j => badge(j.status, 'replay-status') },
    { title: 'progress', value: j => el('span', {},
      el('progress', { max: Math.max(1, j.planned), value: Math.min(j.scanned, Math.max(1, j.planned)) }),
      ` ${j.copied} copied, ${j.scanned} scanned of ${j.planned}`) },
    { title: 'rate/s', class: 'num', value: j => text(j.rate_per_second) },
    { title: '', value: j => j.status === 'RUNNING'
      ? el('button', { type: 'button', class: 'danger', disabled: j.cancel_requested,
        dataset: { test: 'replay-cancel' }, on: { click: () => cancel(j) } },
      j.cancel_requested ? 'cancelling' : 'Cancel…')
      : (j.error ? el('span', { class: 'error' }, j.error) : '') },
  ], jobs, { test: 'replays-table', empty: 'no topic replay yet',
    rowAttrs: j => ({ dataset: { test: 'replay-row', id: j.id, status: j.status } }) });
}
