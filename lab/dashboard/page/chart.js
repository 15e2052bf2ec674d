// A hand-written SVG line chart: queue length and fingerprints on one shared scale.
const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 220;
const PAD = { left: 48, right: 10, top: 10, bottom: 24 };

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten. */
function niceMax(n) {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export function drawChart(svg, history, emptyText) {
  // keep the <title> (the chart's accessible name, translated with the page)
  const title = svg.querySelector('title');
  svg.replaceChildren(...(title ? [title] : []));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  svg.append(el('rect', { x: PAD.left, y: PAD.top, width: innerW, height: innerH, class: 'plot' }));
  if (history.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, emptyText));
    return;
  }
  const t0 = history[0].t;
  const span = Math.max(1, history[history.length - 1].t - t0);
  const top = niceMax(Math.max(...history.map((p) => Math.max(p.queue, p.fingerprints))));
  const x = (t) => PAD.left + ((t - t0) / span) * innerW;
  const y = (v) => PAD.top + innerH - (v / top) * innerH;
  for (const v of [0, top / 2, top]) {
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, String(v)));
  }
  svg.append(
    el(
      'text',
      { x: W - PAD.right, y: H - 6, 'text-anchor': 'end', class: 'axis' },
      `${Math.round(span / 1000)} s`,
    ),
  );
  for (const series of ['queue', 'fingerprints']) {
    const points = history.map((p) => `${x(p.t).toFixed(1)},${y(p[series]).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { points, class: `line ${series}`, 'data-series': series }));
  }
}
