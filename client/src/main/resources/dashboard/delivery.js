// A delivery's page: what was sent, every attempt with its response, and Redeliver; refreshed live.
import { api, el, start, link, notice, statusBadge, fmtTime, fmtDuration, liveDeliveries, liveIndicator } from './common.js';

const id = decodeURIComponent(location.pathname.split('/').pop());

function render(data) {
  const d = data.delivery;
  document.getElementById('title').textContent = 'Delivery ' + d.deliveryId;
  document.getElementById('status').replaceChildren(statusBadge(d.status));
  document.getElementById('back').href = link('/webhooks/' + d.webhookId);
  const rows = [
    ['Event', el('span', {}, el('span', { class: 'event' }, d.eventType), ' ', el('code', {}, d.eventId))],
    ['Webhook', el('a', { href: link('/webhooks/' + d.webhookId) }, d.webhookId)],
    ['URL', el('code', {}, d.url)],
    ['Response code', el('span', { id: 'response-code' }, d.responseCode ? String(d.responseCode) : '-')],
    ['Duration', fmtDuration(d.duration)],
    ['Attempts', String(d.attemptCount)],
    ['Created', fmtTime(d.createTime)],
    ['Completed', fmtTime(d.completeTime)],
  ];
  if (d.nextAttemptTime) rows.push(['Next attempt', fmtTime(d.nextAttemptTime)]);
  if (d.error) rows.push(['Error', el('span', { class: 'field-error' }, d.error)]);
  document.getElementById('summary').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  document.querySelector('#headers tbody').replaceChildren(...data.requestHeaders.map((h) =>
    el('tr', {}, el('td', {}, el('code', {}, h.name)), el('td', {}, el('code', {}, h.value)))));
  document.getElementById('request-body').textContent = data.requestBody
    || '(not found among the account\'s latest events of this type)';
  const attempts = data.attempts.length ? data.attempts.map((a) => el('div', { class: 'card attempt', dataset: { attempt: a.attempt } },
    el('div', { class: 'toolbar' }, el('strong', {}, 'Attempt ' + a.attempt), el('span', { class: 'muted' }, fmtTime(a.startTime)),
      a.responseCode ? el('span', { class: 'badge ' + (a.responseCode >= 200 && a.responseCode < 300 ? 'status-delivered' : 'status-failed') },
        'HTTP ' + a.responseCode) : el('span', { class: 'badge status-failed' }, 'no response'),
      el('span', { class: 'muted' }, fmtDuration(a.duration))),
    a.error ? el('div', { class: 'field-error' }, a.error) : null,
    el('div', { class: 'muted' }, 'Response body (as stored, at most 16 KiB)'),
    el('pre', { class: 'response-body' }, a.responseBody || '(empty)'))).reverse()
    : [el('div', { class: 'empty' }, 'Not attempted yet.')];
  document.getElementById('attempts').replaceChildren(...attempts);
}

async function load() {
  const data = await api('GET', link('/api/deliveries/' + encodeURIComponent(id)));
  render(data);
  return data;
}

async function main() {
  await start('webhooks');
  const data = await load();
  const button = document.getElementById('redeliver');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('POST', link('/api/deliveries/' + encodeURIComponent(id) + '/redeliver'));
      await load();
    } catch (e) {
      notice(document.getElementById('page-error'), 'error', e.message);
    } finally {
      button.disabled = false;
    }
  });
  const indicator = liveIndicator();
  document.getElementById('live').append(indicator);
  liveDeliveries({ webhook: data.delivery.webhookId }, (d) => {
    if (d.deliveryId === id) load();
  }, (state, text) => {
    indicator.set(state, text);
    if (state === 'live') load();
  });
}

main().catch((e) => notice(document.getElementById('page-error'), 'error', e.message));
