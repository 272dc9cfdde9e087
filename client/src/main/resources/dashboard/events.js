// The Event types page: the catalog with an example payload each, and sending one as a test event.
import { api, el, start, link, notice } from './common.js';

function pretty(json) {
  try { return JSON.stringify(JSON.parse(json), null, 2); } catch (e) { return json; }
}

function card(t) {
  const result = el('div', { class: 'result' });
  const button = el('button', { type: 'button', class: 'primary send-test', onclick: async () => {
    button.disabled = true;
    try {
      const r = await api('POST', link('/api/test-events'), { type: t.name });
      result.replaceChildren(el('div', { class: 'notice ok' }, 'Sent ' + r.event.eventId + ' to ' + r.deliveriesCreated
        + ' webhook' + (r.deliveriesCreated === 1 ? '' : 's') + '. ', el('a', { href: link('/live') }, 'Watch it live')));
    } catch (e) {
      notice(result, 'error', e.message);
    } finally {
      button.disabled = false;
    }
  } }, 'Send test event');
  return el('section', { class: 'card', dataset: { type: t.name } },
    el('div', { class: 'toolbar' }, el('h2', {}, t.name), button),
    el('p', { class: 'muted' }, t.description),
    el('pre', {}, pretty(t.example)), result);
}

async function main() {
  await start('events');
  const types = (await api('GET', '/api/event-types')).eventTypes;
  document.getElementById('types').replaceChildren(...types.map(card));
}

main().catch((e) => notice(document.getElementById('page-error'), 'error', e.message));
