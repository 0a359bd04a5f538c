// Audit log: every change an operator made (replay, discard, topic replay, cancel): who, what, when, how many.

import { get } from '../api.js';
import { el, errorLine, facts, show, table, text, time } from '../dom.js';

const REFRESH_MS = 5000;

export function render(view, _route, ctx) {
  const list = el('div', { id: 'audit', dataset: { test: 'audit' } }, 'loading…');
  const status = el('p', { class: 'note' });
  view.append(el('h1', {}, 'Audit log'), status, list);

  async function load() {
    try {
      const page = await get('/api/v1/audit', { limit: 100 });
      if (!ctx.alive()) {
        return;
      }
      status.textContent = `the latest ${page.items.length} changes, newest first; updated ${time(Date.now())}`;
      show(list, table([
        { title: 'at', class: 'nowrap', value: a => time(a.at) },
        { title: 'operator', class: 'nowrap', value: a => el('span', { dataset: { test: 'audit-actor' } }, a.actor) },
        { title: 'action', class: 'nowrap', value: a => el('span', { dataset: { test: 'audit-action' } }, a.action) },
        { title: 'target', class: 'wrap', value: target },
        { title: 'count', class: 'num', value: a => text(a.count) },
        { title: 'detail', class: 'wrap', value: a => el('code', {}, facts(a.detail)) },
      ], page.items, { test: 'audit-table', empty: 'no change recorded yet',
        rowAttrs: a => ({ dataset: { test: 'audit-row', action: a.action ?? '' } }) }));
    } catch (error) {
      if (ctx.alive()) {
        show(list, errorLine(error));
      }
    }
  }
  load();
  ctx.every(REFRESH_MS, load);
}

/** What a change was made on: a dead letter's id links to it. */
function target(entry) {
  if ((entry.action === 'replay' || entry.action === 'discard') && /^\d+$/.test(entry.target ?? '')) {
    return el('a', { href: `#/dead-letters/${entry.target}` }, `dead letter ${entry.target}`);
  }
  return text(entry.target);
}
