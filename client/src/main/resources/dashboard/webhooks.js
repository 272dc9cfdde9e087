// The Webhooks page: the plan and its use, creating webhooks (secret shown once), the list with each one's health.
import { api, el, start, account, isAdmin, link, showErrors, clearErrors, notice, statusBadge, liveDeliveries } from './common.js';
import { eventChecks, checkedEvents, showSecret } from './forms.js';

const PLANS = ['free', 'starter', 'pro', 'business'];

async function loadPlan() {
  const a = await api('GET', link('/api/account'));
  const used = a.webhookCount;
  const limitText = a.unlimited ? 'unlimited' : a.webhookLimit;
  const plan = (a.plan || 'PLAN_FREE').replace('PLAN_', '').toLowerCase();
  const box = document.getElementById('plan');
  const meter = el('div', { class: 'meter' }, el('div'));
  meter.firstChild.style.width = a.unlimited ? '5%' : (a.webhookLimit ? Math.min(100, 100 * used / a.webhookLimit) : 100) + '%';
  const parts = [
    el('div', {}, el('div', { class: 'muted' }, 'Plan'), el('strong', { id: 'plan-name' }, plan[0].toUpperCase() + plan.slice(1))),
    el('div', {}, el('div', { class: 'muted' }, 'Webhooks'),
      el('strong', { id: 'plan-usage' }, a.unlimited ? used + ' webhooks (unlimited)' : used + ' of ' + limitText + ' webhooks used'), meter),
  ];
  if (isAdmin()) {
    const select = el('select', { id: 'plan-select' }, PLANS.map((p) => el('option', { value: p, selected: p === plan }, p)));
    parts.push(el('form', { class: 'row', id: 'plan-form', onsubmit: async (ev) => {
      ev.preventDefault();
      await api('POST', link('/api/account/plan'), { plan: 'PLAN_' + select.value.toUpperCase() });
      await refresh();
    } }, el('div', { class: 'muted' }, 'Change plan (admin)'), select, el('button', { type: 'submit' }, 'Set plan')));
  } else {
    parts.push(el('div', { class: 'muted' }, 'Need more webhooks? Ask your administrator to upgrade your plan.'));
  }
  box.replaceChildren(...parts);
}

function rate(item) {
  if (!item.completed) return el('span', { class: 'muted' }, '-');
  return Math.round(100 * item.delivered / item.completed) + '% of ' + item.completed;
}

async function loadList() {
  const data = await api('GET', link('/api/webhooks'));
  const body = document.querySelector('#webhooks tbody');
  if (!data.webhooks.length) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'empty' }, 'No webhooks yet: create one above.')));
    return;
  }
  body.replaceChildren(...data.webhooks.map((item) => {
    const w = item.webhook;
    return el('tr', { dataset: { id: w.webhookId } },
      el('td', {}, el('a', { href: link('/webhooks/' + w.webhookId), class: 'name' }, w.name)),
      el('td', {}, el('code', {}, w.url), w.url.startsWith('http://') ? el('span', { class: 'badge http', title: 'Plain HTTP: use HTTPS so events and signatures cannot be read or replayed on the way' }, 'HTTP') : null),
      el('td', {}, w.events.map((e) => el('span', { class: 'event' }, e))),
      el('td', {}, w.enabled ? el('span', { class: 'badge status-delivered' }, 'enabled') : el('span', { class: 'badge off' }, 'disabled')),
      el('td', { class: 'last-status' }, item.lastStatus ? statusBadge(item.lastStatus) : el('span', { class: 'muted' }, 'none yet')),
      el('td', { class: 'rate' }, rate(item)),
      el('td', {}, el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'toggle', onclick: () => toggle(w) }, w.enabled ? 'Disable' : 'Enable'),
        el('a', { class: 'button', href: link('/webhooks/' + w.webhookId) + '#edit' }, 'Edit'),
        el('button', { type: 'button', class: 'rotate', onclick: () => rotate(w) }, 'Rotate secret'),
        el('button', { type: 'button', class: 'danger delete', onclick: () => remove(w) }, 'Delete'))));
  }));
}

async function act(fn) {
  const box = document.getElementById('list-message');
  box.replaceChildren();
  try { await fn(); } catch (e) { notice(box, 'error', e.message); }
}

function toggle(w) {
  return act(async () => {
    await api('POST', link('/api/webhooks/' + w.webhookId), { webhook: { enabled: !w.enabled }, updateMask: 'enabled' });
    await refresh();
  });
}

function rotate(w) {
  if (!confirm('Rotate the signing secret of "' + w.name + '"? The old secret keeps signing beside the new one for 24 hours.')) return;
  return act(async () => {
    const r = await api('POST', link('/api/webhooks/' + w.webhookId + '/rotate-secret'));
    showSecret(document.getElementById('secret'), 'New signing secret for ' + w.name, r.signingSecret);
  });
}

function remove(w) {
  if (!confirm('Delete webhook "' + w.name + '"? Deliveries to it stop at once. This cannot be undone.')) return;
  return act(async () => {
    await api('DELETE', link('/api/webhooks/' + w.webhookId));
    await refresh();
  });
}

async function refresh() {
  await Promise.all([loadPlan(), loadList()]);
}

async function main() {
  await start('webhooks');
  if (!account()) {
    notice(document.getElementById('page-error'), 'limit', 'Pick an account in the header to see its webhooks.');
    document.querySelectorAll('section').forEach((s) => { s.hidden = true; });
    return;
  }
  const types = (await api('GET', '/api/event-types')).eventTypes;
  eventChecks(document.getElementById('event-checks'), types);
  const form = document.getElementById('create-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const button = document.getElementById('create');
    button.disabled = true;
    try {
      const r = await api('POST', link('/api/webhooks'), {
        name: document.getElementById('name').value.trim(), url: document.getElementById('url').value.trim(), events: checkedEvents(form) });
      showSecret(document.getElementById('secret'), 'Signing secret for ' + r.webhook.name, r.signingSecret);
      if (r.warnings && r.warnings.length) {
        document.getElementById('secret-box').append(el('div', { class: 'notice limit' }, r.warnings.join(' ')));
      }
      form.reset();
      await refresh();
    } catch (e) {
      showErrors(form, e);
    } finally {
      button.disabled = false;
    }
  });
  await refresh();
  // Last status and success rates follow deliveries live: one reload of the list at most every 2 s.
  let reloading = null;
  liveDeliveries({}, () => {
    reloading = reloading || setTimeout(() => { reloading = null; loadList().catch(() => {}); }, 2000);
  });
}

main().catch((e) => notice(document.getElementById('page-error'), 'error', e.message));
