// Small DOM helpers. Data is only ever put into the page as text (textContent, attribute values), never as HTML.

/**
 * el('td', {class: 'num', dataset: {test: 'x'}}, 'text', child, ...): an element with attributes, event handlers
 * (on: {click: fn}) and children (strings become text nodes; null and false are skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) {
        node.addEventListener(event, handler);
      }
    } else if (name === 'class') {
      node.className = value;
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A table: columns [{title, value: row => text or Node, class?}], one row per item, rowAttrs(item) on each tr. */
export function table(columns, items, { rowAttrs = () => ({}), empty = 'nothing', test } = {}) {
  const head = el('tr', {}, columns.map(c => el('th', { class: c.class }, c.title)));
  const rows = items.length
    ? items.map(item => el('tr', rowAttrs(item), columns.map(c => el('td', { class: c.class }, c.value(item)))))
    : [el('tr', {}, el('td', { colspan: columns.length, class: 'empty' }, empty))];
  return el('table', { dataset: test ? { test } : undefined }, el('thead', {}, head), el('tbody', {}, rows));
}

/** A time from the API (ISO-8601 or epoch ms) as "2026-11-28 09:01:02.345Z"; empty when absent. */
export function time(value) {
  if (value === undefined || value === null || value === '') {
    return '';
  }
  const date = new Date(typeof value === 'number' ? value : String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ');
}

/** A value shown as text: objects as compact JSON. */
export function text(value) {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** An object's facts as "key=value  key=value" (a stage's or an audit entry's detail). */
export function facts(detail) {
  if (detail === undefined || detail === null) {
    return '';
  }
  if (typeof detail !== 'object' || Array.isArray(detail)) {
    return text(detail);
  }
  return Object.entries(detail).map(([k, v]) => `${k}=${text(v)}`).join('  ');
}

/** A status word as a coloured badge (UP, DOWN, RUNNING, NEW, ...). */
export function badge(value, test) {
  const word = value === undefined || value === null ? 'UNKNOWN' : String(value);
  return el('span', { class: `badge badge-${word.toLowerCase().replace(/[^a-z_]/g, '')}`,
    dataset: test ? { test } : undefined }, word);
}

/** Replaces the children of a node. */
export function show(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** An error line (of an ApiError or anything thrown). */
export function errorLine(error) {
  return el('p', { class: 'message error', role: 'alert', dataset: { test: 'error' } }, String(error?.message ?? error));
}

/** Asks for a confirmation in the page's dialog; resolves to true only when the operator confirms. */
export function confirmDialog(title, message) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = message;
  dialog.returnValue = 'cancel';
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

/** The values of a form's named fields, trimmed. */
export function formValues(form) {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v).trim()]));
}
