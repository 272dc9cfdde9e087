// The Live page: every delivery of the account as it changes, filtered, pausable without losing updates,
// failures highlighted, and counts per status per minute over the last 15 minutes.
import { api, el, start, link, notice, word, STATUS_WORDS, liveDeliveries, liveIndicator } from './common.js';
import { deliveryRow } from './deliveries.js';

const MINUTES = 15;
const SHOWN = 200;
let names = new Map(); // webhook id -> name
const latest = new Map(); // delivery id -> latest version, the newest created last
let paused = false;
let queue = [];

function checked(id) {
  return new Set([...document.querySelectorAll('#' + id + ' input:checked')].map((c) => c.value));
}

function visible(d) {
  const w = checked('filter-webhooks'), t = checked('filter-types'), s = checked('filter-statuses');
  return (!w.size || w.has(d.webhookId)) && (!t.size || t.has(d.eventType)) && (!s.size || s.has(word(d.status)));
}

function renderTable() {
  const rows = [...latest.values()].sort((a, b) => (a.createTime < b.createTime ? 1 : -1)).filter(visible).slice(0, SHOWN);
  document.querySelector('#deliveries tbody').replaceChildren(...(rows.length ? rows.map((d) => deliveryRow(d, names))
    : [el('tr', {}, el('td', { colspan: 7, class: 'empty' }, 'Waiting for deliveries…'))]));
}

function renderChart() {
  const now = Date.now();
  const buckets = Array.from({ length: MINUTES }, () => ({ delivered: 0, failed: 0, pending: 0 }));
  const totals = { delivered: 0, failed: 0, pending: 0 };
  for (const d of latest.values()) {
    const age = Math.floor((now - new Date(d.createTime).getTime()) / 60000);
    if (age < 0 || age >= MINUTES || !visible(d)) continue;
    const w = word(d.status);
    buckets[MINUTES - 1 - age][w]++;
    totals[w]++;
  }
  const max = Math.max(1, ...buckets.map((b) => b.delivered + b.failed + b.pending));
  document.getElementById('chart').replaceChildren(...buckets.map((b, i) => {
    const bar = el('div', { class: 'bar', title: (MINUTES - 1 - i) + ' min ago: ' + b.delivered + ' delivered, ' + b.failed + ' failed, ' + b.pending + ' pending' });
    for (const w of STATUS_WORDS) {
      const part = el('div', { class: w });
      part.style.height = (80 * b[w] / max) + 'px';
      bar.append(part);
    }
    return bar;
  }));
  for (const w of STATUS_WORDS) document.getElementById('count-' + w).textContent = totals[w];
}

function apply(d) {
  latest.delete(d.deliveryId);
  latest.set(d.deliveryId, d);
  while (latest.size > 5000) latest.delete(latest.keys().next().value);
}

function render() {
  renderTable();
  renderChart();
}

function checkboxes(id, values, label = (v) => v) {
  document.getElementById(id).replaceChildren(...values.map((v) =>
    el('label', {}, el('input', { type: 'checkbox', value: v, onchange: render }), ' ', label(v))));
}

async function main() {
  await start('live');
  const [hooks, types] = await Promise.all([api('GET', link('/api/webhooks')), api('GET', '/api/event-types')]);
  names = new Map(hooks.webhooks.map((i) => [i.webhook.webhookId, i.webhook.name]));
  checkboxes('filter-webhooks', [...names.keys()], (id) => names.get(id));
  checkboxes('filter-types', types.eventTypes.map((t) => t.name));
  checkboxes('filter-statuses', STATUS_WORDS);
  const indicator = liveIndicator();
  document.getElementById('live').append(indicator);
  const pause = document.getElementById('pause');
  const queued = document.getElementById('queued');
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    indicator.set(paused ? 'paused' : 'live', paused ? 'paused' : 'live');
    if (!paused) {
      queue.forEach(apply);
      queue = [];
      queued.textContent = '';
      render();
    }
  });
  let loaded = false;
  liveDeliveries({}, (d) => {
    if (paused) {
      queue.push(d);
      queued.textContent = queue.length + ' updates waiting';
      return;
    }
    apply(d);
    render();
  }, async (state, text) => {
    if (!paused) indicator.set(state, text);
    if (state === 'live' && !loaded) {
      loaded = true;
      const recent = await api('GET', link('/api/deliveries', { minutes: MINUTES }));
      // The stream may already have newer versions of some: keep those.
      recent.deliveries.reverse().forEach((d) => { if (!latest.has(d.deliveryId)) apply(d); });
      render();
    }
  });
  render();
  setInterval(renderChart, 30000);
}

main().catch((e) => notice(document.getElementById('page-error'), 'error', e.message));
