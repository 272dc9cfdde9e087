// A webhook's page: its settings and edit form, and its delivery history, paged, filtered and live.
import { api, el, start, link, showErrors, clearErrors, notice, fmtTime, word, liveDeliveries, liveIndicator } from './common.js';
import { eventChecks, showSecret } from './forms.js';
import { deliveryRow, upsert } from './deliveries.js';

const PAGE_SIZE = 25;
const id = decodeURIComponent(location.pathname.split('/').pop());
let pages = ['']; // page tokens of the pages seen, the current one last
let next = '';

function showSettings(w) {
  document.getElementById('title').textContent = w.name;
  const rows = [
    ['ID', el('code', {}, w.webhookId)],
    ['URL', el('code', {}, w.url)],
    ['Events', w.events.join(', ')],
    ['Enabled', w.enabled ? 'yes' : 'no'],
    ['Signing secret', el('span', {}, '…' + w.secretHint + ' ', el('button', { type: 'button', id: 'rotate', onclick: () => rotate(w) }, 'Rotate'))],
    ['Retries', (w.retryPolicy && w.retryPolicy.maxAttempts > 1) ? w.retryPolicy.maxAttempts + ' attempts' : 'none (one attempt)'],
    ['Created', fmtTime(w.createTime)],
    ['Updated', fmtTime(w.updateTime)],
  ];
  document.getElementById('settings').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

async function rotate(w) {
  if (!confirm('Rotate the signing secret? The old secret keeps signing beside the new one for 24 hours.')) return;
  try {
    const r = await api('POST', link('/api/webhooks/' + w.webhookId + '/rotate-secret'));
    showSecret(document.getElementById('secret'), 'New signing secret for ' + w.name, r.signingSecret);
    showSettings(r.webhook);
  } catch (e) {
    notice(document.getElementById('page-error'), 'error', e.message);
  }
}

function fillForm(w, types) {
  document.getElementById('name').value = w.name;
  document.getElementById('url').value = w.url;
  document.getElementById('enabled').checked = w.enabled;
  eventChecks(document.getElementById('event-checks'), types, w.events);
}

function filters() {
  const status = document.getElementById('filter-status').value;
  const type = document.getElementById('filter-type').value;
  return { status, type, matches: (d) => (!status || word(d.status) === status) && (!type || d.eventType === type) };
}

async function loadDeliveries() {
  const f = filters();
  const q = { webhook: id, pageSize: PAGE_SIZE, pageToken: pages[pages.length - 1] };
  if (f.status) q.status = f.status;
  if (f.type) q.type = f.type;
  const data = await api('GET', link('/api/deliveries', q));
  next = data.nextPageToken || '';
  const body = document.querySelector('#deliveries tbody');
  const list = data.deliveries || [];
  body.replaceChildren(...(list.length ? list.map((d) => deliveryRow(d))
    : [el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'No deliveries yet. Publish an event this webhook subscribes to.'))]));
  document.getElementById('older').disabled = !next;
  document.getElementById('newest').disabled = pages.length === 1;
}

async function main() {
  await start('webhooks');
  document.getElementById('back').href = link('/');
  const [w, types] = await Promise.all([api('GET', link('/api/webhooks/' + encodeURIComponent(id))),
    api('GET', '/api/event-types').then((r) => r.eventTypes)]);
  showSettings(w);
  fillForm(w, types);
  const typeSelect = document.getElementById('filter-type');
  types.forEach((t) => typeSelect.append(el('option', { value: t.name }, t.name)));

  const form = document.getElementById('edit-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    document.getElementById('saved').textContent = '';
    try {
      const r = await api('POST', link('/api/webhooks/' + encodeURIComponent(id)), {
        webhook: { name: document.getElementById('name').value.trim(), url: document.getElementById('url').value.trim(),
          events: [...form.querySelectorAll('input[name=events]:checked')].map((c) => c.value),
          enabled: document.getElementById('enabled').checked },
        updateMask: 'name,url,events,enabled' });
      showSettings(r.webhook);
      document.getElementById('saved').textContent = 'Saved.' + (r.warnings && r.warnings.length ? ' ' + r.warnings.join(' ') : '');
    } catch (e) {
      showErrors(form, e);
    }
  });

  const reload = () => { pages = ['']; return loadDeliveries(); };
  document.getElementById('filter-status').addEventListener('change', reload);
  typeSelect.addEventListener('change', reload);
  document.getElementById('newest').addEventListener('click', reload);
  document.getElementById('older').addEventListener('click', () => { pages.push(next); loadDeliveries(); });

  const indicator = liveIndicator();
  document.getElementById('live').append(indicator);
  let loaded = false;
  liveDeliveries({ webhook: id }, (d) => {
    const f = filters();
    upsert(document.querySelector('#deliveries tbody'), d, { onFirstPage: pages.length === 1, matches: f.matches, pageSize: PAGE_SIZE });
  }, (state, text) => {
    indicator.set(state, state === 'live' ? 'live' : text || state);
    // The list is read once the stream is open, so a change in between is in the list or in the stream.
    if (state === 'live' && !loaded) { loaded = true; loadDeliveries(); }
  });
}

main().catch((e) => notice(document.getElementById('page-error'), 'error', e.message));
