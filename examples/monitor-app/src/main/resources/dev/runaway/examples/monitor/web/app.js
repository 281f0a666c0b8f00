// The status page: fetches /api/status and draws each service with hand-written SVG. No library,
// nothing loaded from elsewhere. Every chart keeps the values it drew in data-* attributes, exactly
// as /api/status gave them, so a test can compare the two.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';

window.addEventListener('error', () => {
  document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
});

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function num(s) {
  return s === null || s === undefined ? null : Number(s);
}

function money(s) {
  if (s === null || s === undefined) return 'n/a';
  const n = Number(s);
  return '$' + (n >= 1 ? n.toFixed(2) : n.toPrecision(3));
}

function perHour(s) {
  return s === null || s === undefined ? 'n/a' : money(s) + '/h';
}

function chart(service, history) {
  const w = 540, h = 180, left = 48, right = 8, top = 8, bottom = 22;
  const box = svg('svg', {viewBox: `0 0 ${w} ${h}`, class: 'chart', role: 'img',
    'aria-label': `Burn rate of ${service} over the last 24 hours`});
  box.dataset.service = service;
  box.dataset.times = history.map(p => p.time).join(' ');
  box.dataset.rate = history.map(p => p.costPerHour).join(' ');
  box.dataset.baseline = history.map(p => p.baselineCostPerHour === null ? '-' : p.baselineCostPerHour).join(' ');
  box.dataset.threshold = history.map(p => p.spikeThreshold === null ? '-' : p.spikeThreshold).join(' ');
  const series = {rate: history.map(p => num(p.costPerHour)), baseline: history.map(p => num(p.baselineCostPerHour)),
    threshold: history.map(p => num(p.spikeThreshold))};
  const all = [].concat(series.rate, series.baseline, series.threshold).filter(v => v !== null && isFinite(v));
  const max = Math.max(0.000001, ...all) * 1.1;
  const end = history.length ? Date.parse(history[history.length - 1].time) : Date.now();
  const start = end - 24 * 3600 * 1000;
  const x = t => left + (w - left - right) * (Date.parse(t) - start) / (end - start || 1);
  const y = v => top + (h - top - bottom) * (1 - v / max);
  box.appendChild(svg('line', {x1: left, y1: h - bottom, x2: w - right, y2: h - bottom, stroke: '#c9ced8'}));
  box.appendChild(svg('line', {x1: left, y1: top, x2: left, y2: h - bottom, stroke: '#c9ced8'}));
  const top_label = svg('text', {x: 4, y: top + 10});
  top_label.textContent = money(String(max)) + '/h';
  box.appendChild(top_label);
  const zero = svg('text', {x: 4, y: h - bottom});
  zero.textContent = '$0/h';
  box.appendChild(zero);
  const ago = svg('text', {x: left, y: h - 6});
  ago.textContent = '24 h ago';
  box.appendChild(ago);
  const now = svg('text', {x: w - right - 24, y: h - 6});
  now.textContent = 'now';
  box.appendChild(now);
  for (const name of ['threshold', 'baseline', 'rate']) {
    const pts = [];
    history.forEach((p, i) => {
      const v = series[name][i];
      if (v !== null && isFinite(v)) pts.push(`${x(p.time).toFixed(1)},${y(v).toFixed(1)}`);
    });
    if (pts.length) box.appendChild(svg('polyline', {points: pts.join(' '), class: name}));
  }
  return box;
}

function gauge(win) {
  const g = el('div', 'gauge');
  const f = win.fraction === null ? 0 : win.fraction;
  g.dataset.budget = win.budget;
  g.dataset.fraction = String(win.fraction);
  g.appendChild(el('div', '', `${win.budget}: ${money(win.spent)} of ${money(win.limit)} (${(f * 100).toFixed(1)}%)`));
  const bar = el('div', 'bar');
  const fill = el('div', 'fill' + (f >= 1 ? ' full' : f >= 0.8 ? ' warn' : ''));
  fill.style.width = Math.min(100, f * 100).toFixed(1) + '%';
  bar.appendChild(fill);
  g.appendChild(bar);
  return g;
}

function card(s, status) {
  const c = el('section', 'card');
  c.dataset.service = s.name;
  const title = el('h2', '', s.name);
  // One class token: 'NOT MONITORED' gave the classes NOT and MONITORED, unstyled, so the default green.
  const state = s.snapshot ? s.snapshot.breakerState : 'NOT_MONITORED';
  const badge = el('span', 'badge ' + state, state.replace('_', ' '));
  badge.dataset.breaker = state;
  title.appendChild(badge);
  title.appendChild(el('span', 'health', `${s.type} · ${s.health}`));
  c.appendChild(title);
  if (s.emergencyStop) {
    const stop = el('p', 'stopped', `Emergency-stopped since ${s.emergencyStop.since}: `
      + `${s.emergencyStop.actions.join('; ')}. Undo: ${s.emergencyStop.undo}`);
    stop.dataset.stopped = 'true';
    c.appendChild(stop);
  }
  if (!s.snapshot) {
    c.appendChild(el('p', 'figures', s.lastError || 'not monitored'));
    return c;
  }
  const snap = s.snapshot;
  const ratio = snap.rateRatio === null ? 'baseline warming up' : `${snap.rateRatio.toFixed(2)}x baseline`;
  c.appendChild(el('p', 'figures',
    `Burn rate ${perHour(snap.costPerHour)} · baseline ${perHour(snap.baselineCostPerHour)} · ${ratio}`));
  const legend = el('div', 'legend');
  legend.appendChild(el('span', 'k-rate', '— burn rate'));
  legend.appendChild(el('span', 'k-baseline', '— baseline'));
  legend.appendChild(el('span', 'k-threshold', `- - spike threshold (${status.spikeMultiplier}x)`));
  c.appendChild(legend);
  c.appendChild(chart(s.name, s.history));
  for (const w of snap.windows) c.appendChild(gauge(w));
  return c;
}

function render(status) {
  const main = document.getElementById('services');
  main.replaceChildren(...status.services.map(s => card(s, status)));
  const list = document.getElementById('alerts');
  if (status.alerts.length === 0) {
    list.replaceChildren(el('li', 'empty', 'No alerts yet.'));
  } else {
    list.replaceChildren(...status.alerts.map(a => {
      const li = el('li', a.severity, `${a.time} · ${a.kind} · ${a.service} · ${a.title}`);
      li.dataset.kind = a.kind;
      return li;
    }));
  }
  document.getElementById('updated').textContent = 'Updated ' + status.time;
}

async function refresh() {
  try {
    const r = await fetch('/api/status', {cache: 'no-store'});
    if (!r.ok) throw new Error('HTTP ' + r.status);
    render(await r.json());
    document.body.dataset.ready = '1';
  } catch (e) {
    document.getElementById('updated').textContent = 'Cannot load the status: ' + e.message;
    document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
  }
}

refresh();
setInterval(refresh, 30000);
