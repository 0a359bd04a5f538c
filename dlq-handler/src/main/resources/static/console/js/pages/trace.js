// Trace search: where is message X? Every stage that handled it, in order, for one sender or for each sender of
// that message id. Refreshed every few seconds while open, so new stages (a replay, say) show up.

import { filled, get } from '../api.js';
import { el, errorLine, facts, formValues, show, table, time } from '../dom.js';

const REFRESH_MS = 3000;

export function render(view, { params }, ctx) {
  const messageId = params.get('message_id') ?? '';
  const fromUserId = params.get('from_user_id') ?? '';
  const form = el('form', { id: 'trace-form', class: 'filter', dataset: { test: 'trace-form' } },
    el('label', {}, 'message id', el('input', { name: 'message_id', required: true, value: messageId,
      dataset: { test: 'trace-message-id' } })),
    el('label', {}, 'from user (optional: every sender otherwise)', el('input', { name: 'from_user_id',
      value: fromUserId, dataset: { test: 'trace-from-user-id' } })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', dataset: { test: 'trace-submit' } }, 'Trace')));
  const result = el('div', { id: 'trace-result', dataset: { test: 'trace-result' } });
  const gaps = el('div', { dataset: { test: 'trace-gaps' } });
  view.append(el('h1', {}, 'Message trace'), gaps, form, result);
  warnOfGaps(gaps, ctx);
  form.addEventListener('submit', event => {
    event.preventDefault();
    const hash = `#/trace?${new URLSearchParams(filled(formValues(form)))}`;
    if (window.location.hash === hash) {
      window.dispatchEvent(new HashChangeEvent('hashchange')); // the same search again: render anew
    } else {
      window.location.hash = hash;
    }
  });
  if (!messageId) {
    return;
  }

  // The query form takes any id, a '/' included (a path would refuse its %2F).
  const path = fromUserId
    ? `/api/v1/trace?message_id=${encodeURIComponent(messageId)}&from_user_id=${encodeURIComponent(fromUserId)}`
    : `/api/v1/trace?message_id=${encodeURIComponent(messageId)}`;
  async function load() {
    try {
      const trace = await get(path);
      if (!ctx.alive()) {
        return;
      }
      const senders = fromUserId ? [trace] : trace.senders ?? [];
      show(result, el('p', { class: 'note' }, `updated ${time(Date.now())}`),
        ...senders.flatMap(s => [
          el('h2', {}, `from ${s.from_user_id}, message ${messageId}`),
          stages(s.stages ?? []),
        ]));
    } catch (error) {
      if (!ctx.alive()) {
        return;
      }
      show(result, error.status === 404
        ? el('p', { class: 'message', dataset: { test: 'trace-none' } },
          `nothing known about message ${messageId}${fromUserId ? ` from ${fromUserId}` : ''} (yet)`)
        : errorLine(error));
    }
  }
  load();
  ctx.every(REFRESH_MS, load);
}

// A trace misses the stages of an app whose trace writing is paused or off: said above the search, so that a
// missing stage is not taken for a message that stopped there.
async function warnOfGaps(node, ctx) {
  try {
    const writers = await get('/api/v1/trace-writers');
    const silent = writers.filter(w => w.writing === false);
    if (ctx.alive() && silent.length) {
      show(node, el('p', { class: 'message', role: 'status', dataset: { test: 'trace-writing-paused' } },
        `Trace writing is ${silent.map(w => `${w.enabled ? 'paused' : 'off'} on ${w.app}`).join(', ')}: `
        + 'the stages those apps handle meanwhile are not recorded (Overview: Message trace writing).'));
    }
  } catch (error) {
    // The search works without it; the overview says why the apps could not be asked.
  }
}

function stages(items) {
  return table([
    { title: 'at', class: 'nowrap', value: s => time(s.at) },
    { title: 'stage', class: 'nowrap', value: s => el('span', { class: `stage stage-${String(s.stage).replace(/[^a-z_]/g, '')}` },
      s.stage) },
    { title: 'app', class: 'nowrap', value: s => s.app },
    { title: 'detail', class: 'wrap', value: s => el('code', {}, facts(s.detail)) },
  ], items, { test: 'trace-stages', empty: 'no stage recorded',
    rowAttrs: s => ({ dataset: { test: 'trace-stage', stage: s.stage } }) });
}
