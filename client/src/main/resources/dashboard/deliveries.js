// A table of deliveries that pages, filters and updates live; used by a webhook's page.
import { el, statusBadge, fmtDuration, fmtTime, word, link } from './common.js';

/** A delivery's row; with webhook names, a column naming its webhook (the Live page's). */
export function deliveryRow(d, names) {
  return el('tr', { class: 'clickable' + (word(d.status) === 'failed' ? ' row-failed' : ''), dataset: { id: d.deliveryId },
    onclick: () => { location.href = link('/deliveries/' + d.deliveryId); } },
    el('td', {}, statusBadge(d.status)),
    el('td', { class: 'code' }, d.responseCode ? String(d.responseCode) : '-'),
    el('td', {}, word(d.status) === 'pending' && !d.attemptCount ? '-' : fmtDuration(d.duration)),
    el('td', {}, el('span', { class: 'event' }, d.eventType)),
    names ? el('td', {}, names.get(d.webhookId) || d.webhookId) : null,
    el('td', {}, fmtTime(d.createTime)),
    el('td', {}, el('code', {}, d.deliveryId)));
}

/** Puts a changed delivery into the table: in place when shown, on top when new and on the first page. */
export function upsert(tbody, d, { onFirstPage, matches, pageSize }) {
  const existing = tbody.querySelector('tr[data-id="' + CSS.escape(d.deliveryId) + '"]');
  const row = deliveryRow(d);
  row.classList.add('flash');
  if (existing) {
    existing.replaceWith(row);
    return;
  }
  if (!onFirstPage || !matches(d)) return;
  const empty = tbody.querySelector('.empty');
  if (empty) empty.parentElement.remove();
  tbody.prepend(row);
  while (tbody.children.length > pageSize) tbody.lastElementChild.remove();
}
