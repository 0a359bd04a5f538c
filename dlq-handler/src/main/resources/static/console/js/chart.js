// Dead letters by reason over time as a stacked bar chart in inline SVG (no library). Every text is a text node.

import { time } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#c0392b', '#2980b9', '#27ae60', '#8e44ad', '#d35400', '#16a085', '#7f8c8d', '#f1c40f'];

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    node.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** points: [{reason, bucket_start, count}] -> an <svg> with one stacked bar per bucket and a legend. */
export function deadLetterChart(points) {
  const buckets = [...new Set(points.map(p => p.bucket_start))].sort();
  const reasons = [...new Set(points.map(p => p.reason ?? 'UNKNOWN'))].sort();
  const colour = reason => COLOURS[reasons.indexOf(reason) % COLOURS.length];
  const width = 640;
  const height = 180;
  const left = 40;
  const bottom = 24;
  const plotHeight = height - bottom - 8;
  const totals = buckets.map(b => points.filter(p => p.bucket_start === b).reduce((s, p) => s + p.count, 0));
  const max = Math.max(1, ...totals);
  // Bars stand at their time: a bucket without dead letters (absent from the answer) leaves a gap.
  const parsed = buckets.map(b => new Date(b).getTime());
  const times = parsed.some(Number.isNaN) ? buckets.map((_, i) => i) : parsed;
  const gaps = times.slice(1).map((t, i) => t - times[i]).filter(d => d > 0);
  const step = gaps.length ? Math.min(...gaps) : 1;
  const slots = Math.round((times[times.length - 1] - times[0]) / step) + 1;
  const slot = (width - left) / slots;
  const column = i => Math.round((times[i] - times[0]) / step);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height + 16 * Math.ceil(reasons.length / 4)}`,
    class: 'chart', role: 'img', 'data-test': 'dead-letter-chart' });
  root.append(svg('title', {}, 'dead letters by reason over time'));
  root.append(svg('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: 'axis' }));
  root.append(svg('text', { x: left - 4, y: 12, 'text-anchor': 'end', class: 'tick' }, String(max)));
  root.append(svg('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end', class: 'tick' }, '0'));
  buckets.forEach((bucket, i) => {
    let y = height - bottom;
    for (const reason of reasons) {
      const count = points.filter(p => p.bucket_start === bucket && (p.reason ?? 'UNKNOWN') === reason)
        .reduce((s, p) => s + p.count, 0);
      if (!count) {
        continue;
      }
      const h = (count / max) * plotHeight;
      y -= h;
      const bar = svg('rect', { x: left + column(i) * slot + 2, y, width: Math.max(1, slot - 4), height: h,
        fill: colour(reason) });
      bar.append(svg('title', {}, `${time(bucket)} ${reason}: ${count}`));
      root.append(bar);
    }
    if (i === 0 || i === buckets.length - 1) {
      root.append(svg('text', { x: left + column(i) * slot + slot / 2, y: height - 8, 'text-anchor': 'middle',
        class: 'tick' }, time(bucket).slice(11, 16)));
    }
  });
  reasons.forEach((reason, i) => {
    const x = left + (i % 4) * 150;
    const y = height + 4 + 16 * Math.floor(i / 4);
    root.append(svg('rect', { x, y, width: 10, height: 10, fill: colour(reason) }));
    root.append(svg('text', { x: x + 14, y: y + 9, class: 'legend' }, reason));
  });
  return root;
}
