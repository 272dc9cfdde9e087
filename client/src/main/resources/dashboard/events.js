// The Event types page: the catalog with an example payload each, and sending one as a test event.
import { api, el, start, link, notice } from './common.js';

/** The POST body a test event of this type carries, with the data exactly as sent (JSON.parse would respell 2.0 as 2). */
function body(t) {
  return '{"event":"' + t.name + '","timestamp":"2026-04-03T14:30:00Z","data":' + t.example + '}';
}

function card(t, webhooks) {
  const result = el('div', { class: 'result' });
  const subscribed = webhooks.filter((w) => w.events.includes(t.name));
  const target = el('select', { class: 'test-target', 'aria-label': 'Send to' },
    el('option', { value: '' }, 'every subscribed webhook (' + subscribed.length + ')'),
    ...subscribed.map((w) => el('option', { value: w.webhookId }, w.name + ' (' + w.webhookId + ')')));
  const button = el('button', { type: 'button', class: 'primary send-test', onclick: async () => {
    button.disabled = true;
    try {
      const r = await api('POST', link('/api/test-events'),
        { type: t.name, webhookIds: target.value ? [target.value] : [] });
      result.replaceChildren(el('div', { class: 'notice ok' }, 'Sent ' + r.event.eventId + ' to ' + r.deliveriesCreated
        + ' webhook' + (r.deliveriesCreated === 1 ? '' : 's') + '. ', el('a', { href: link('/live') }, 'Watch it live')));
    } catch (e) {
      notice(result, 'error', e.message);
    } finally {
      button.disabled = false;
    }
  } }, 'Send test event');
  return el('section', { class: 'card', dataset: { type: t.name } },
    el('div', { class: 'toolbar' }, el('h2', {}, t.name), target, button),
    el('p', { class: 'muted' }, t.description),
    el('pre', {}, body(t)), result);
}

async function main() {
  await start('events');
  const types = (await api('GET', '/api/event-types')).eventTypes;
  const webhooks = (await api('GET', link('/api/webhooks'))).webhooks.map((item) => item.webhook);
  document.getElementById('types').replaceChildren(...types.map((t) => card(t, webhooks)));
}

main().catch((e) => notice(document.getElementById('page-error'), 'error', e.message));
