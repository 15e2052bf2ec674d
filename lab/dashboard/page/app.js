// The dashboard page: renders each snapshot the server pushes over /events.
// Text only through textContent (log lines come from the nodes and may hold anything).
import { drawChart } from './chart.js';
import { LABELS, startLanguage } from './i18n.js';

const $ = (id) => document.getElementById(id);
let lang = startLanguage(readStored(), navigator.language);
let snap = null;
let offline = false;

function readStored() {
  try {
    return localStorage.getItem('crawl-lab.lang');
  } catch {
    return null; // storage can be disabled; the browser language decides then
  }
}

function t(key, vars = {}) {
  const text = LABELS[lang][key] ?? LABELS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

function fmt(n) {
  return Number(n).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
}

function setNumber(id, value) {
  const node = $(id);
  node.dataset.value = String(value);
  node.textContent = fmt(value);
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.append(td);
  return td;
}

function serviceText(s) {
  return s.state === 'exited'
    ? `${s.name}: ${t('svc.exited', { code: s.code })}`
    : `${s.name}: ${t(`svc.${s.state}`)}`;
}

function renderNodes(nodes) {
  const body = $('nodes').tBodies[0];
  body.replaceChildren(
    ...nodes.map((n) => {
      const row = document.createElement('tr');
      row.dataset.node = n.name;
      cell(row, n.name);
      cell(row, n.ip ?? '-');
      cell(row, n.role ? t(`role.${n.role}`) : '-');
      const services = cell(row, '');
      if (!n.reachable) services.append(badge(t('node.unreachable'), 'bad'));
      for (const s of n.services) {
        const ok = s.state === 'running' || (s.state === 'exited' && s.code === 0);
        const b = badge(serviceText(s), ok ? (s.state === 'running' ? 'run' : 'done') : 'bad');
        b.dataset.service = s.name;
        b.dataset.state = s.state === 'exited' ? `exited ${s.code}` : s.state;
        services.append(b);
      }
      cell(row, fmt(n.pages), 'num');
      cell(row, n.rate.toFixed(1), 'num');
      return row;
    }),
  );
}

function badge(text, cls) {
  const span = document.createElement('span');
  span.className = `svc ${cls}`;
  span.textContent = text;
  return span;
}

function renderWorkers(workers) {
  $('workers').tBodies[0].replaceChildren(
    ...workers.map((w) => {
      const row = document.createElement('tr');
      row.dataset.worker = w.id;
      cell(row, w.id);
      cell(row, w.node ?? '-');
      cell(row, w.alive ? t('alive') : t('gone'), w.alive ? 'ok' : 'dim');
      cell(row, fmt(w.pages), 'num');
      cell(row, fmt(w.items), 'num');
      cell(row, w.rate.toFixed(1), 'num');
      cell(row, fmt(w.leases), 'num');
      return row;
    }),
  );
}

function renderStatus() {
  const status = offline ? 'offline' : snap ? snap.status : 'connecting';
  const el = $('status');
  el.dataset.status = status;
  el.dataset.i18n = `status.${status}`;
  el.textContent = t(`status.${status}`);
}

function render() {
  renderStatus();
  if (!snap) return;
  $('spider').textContent = snap.spider;
  $('redis').textContent = snap.redis;
  const error = $('error');
  error.hidden = !snap.error;
  error.textContent = snap.error ?? '';
  const totals = snap.totals;
  for (const key of ['pages', 'items', 'queue', 'fingerprints', 'duplicates', 'retries', 'errors'])
    setNumber(`total-${key}`, totals[key]);
  $('rate').dataset.value = String(snap.rate);
  $('rate').textContent = snap.rate.toFixed(1);
  renderNodes(snap.nodes);
  renderWorkers(snap.workers);
  drawChart($('chart'), snap.history, t('chart.empty'));
  $('logs').textContent = snap.logs.length > 0 ? snap.logs.join('\n') : t('logs.none');
  $('updated').textContent = new Date(snap.at).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB');
}

function applyLanguage() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('lang').textContent = t('lang');
  render();
}

$('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  try {
    localStorage.setItem('crawl-lab.lang', lang);
  } catch {
    // not remembered across visits, still switched now
  }
  applyLanguage();
});

const events = new EventSource('/events');
events.addEventListener('message', (e) => {
  snap = JSON.parse(e.data);
  offline = false;
  render();
});
// EventSource reconnects by itself; until then say so instead of showing stale figures as live
events.addEventListener('error', () => {
  offline = true;
  renderStatus();
});
events.addEventListener('open', () => {
  offline = false;
  renderStatus();
});

applyLanguage();
