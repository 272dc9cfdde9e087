// Shared by every page: API calls with the CSRF token, safe DOM building, formatting, the header, live updates.
const csrf = document.querySelector('meta[name="csrf-token"]').content;

export class ApiError extends Error {
  constructor(status, data) {
    super(data.message || data.title || ('HTTP ' + status));
    this.status = status;
    this.data = data;
  }
}

/** Calls the dashboard's JSON API; rejects with an ApiError carrying the server's code, reason and fields. */
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRF-Token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const text = await res.text();
  let data;
  try { data = text ? JSON.parse(text) : {}; } catch (e) { data = { message: text }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Builds an element; text children become text nodes, never HTML. */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export const STATUS_WORDS = ['pending', 'delivered', 'failed'];

/** "DELIVERY_STATUS_FAILED" -> "failed". */
export function word(status) {
  return (status || '').replace('DELIVERY_STATUS_', '').toLowerCase();
}

export function statusBadge(status) {
  const w = word(status);
  return el('span', { class: 'badge status status-' + w, dataset: { status: w } }, w || '-');
}

export function fmtTime(iso) {
  if (!iso) return '-';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "0.123s" -> "123 ms". */
export function fmtDuration(d) {
  if (!d) return '-';
  const s = parseFloat(d);
  return s < 1 ? Math.round(s * 1000) + ' ms' : s.toFixed(2) + ' s';
}

const params = new URLSearchParams(location.search);
let context = { admin: false, account: '' };

/** The account the page shows: ?account=..., else the dashboard's default. */
export function account() {
  return params.get('account') || context.account;
}

export function isAdmin() {
  return context.admin;
}

/** A dashboard URL that keeps the chosen account. */
export function link(path, extra = {}) {
  const q = new URLSearchParams(extra);
  if (account()) q.set('account', account());
  const s = q.toString();
  return path + (s ? (path.includes('?') ? '&' : '?') + s : '');
}

/** Loads who the dashboard is for and draws the header; resolves once the page may call the API. */
export async function start(active) {
  context = await api('GET', '/api/context');
  const nav = el('nav', {},
    el('a', { href: link('/'), class: active === 'webhooks' ? 'active' : '' }, 'Webhooks'),
    el('a', { href: link('/live'), class: active === 'live' ? 'active' : '' }, 'Live'),
    el('a', { href: link('/event-types'), class: active === 'events' ? 'active' : '' }, 'Event types'));
  let who;
  if (context.admin) {
    const input = el('input', { type: 'text', name: 'account', placeholder: 'account id', value: account() || '' });
    who = el('form', { class: 'account', id: 'account-picker', onsubmit: (ev) => {
      ev.preventDefault();
      location.href = '/?account=' + encodeURIComponent(input.value.trim());
    } }, el('span', {}, 'Account (admin)'), input, el('button', { type: 'submit' }, 'Open'));
  } else {
    who = el('div', { class: 'account' }, 'Account ', el('strong', {}, account()));
  }
  document.body.prepend(el('header', { class: 'top' }, el('span', { class: 'brand' }, 'APIndicators Webhooks'), nav, who));
}

/** Clears a form's error messages. */
export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
  const general = form.querySelector('.form-error');
  if (general) { general.textContent = ''; general.className = 'form-error'; }
}

/**
 * Shows an API error on a form: each BadRequest field violation next to its field (the element with
 * data-field naming it, "webhook." prefix and list index ignored), anything else in the form's .form-error.
 */
export function showErrors(form, err) {
  clearErrors(form);
  const general = form.querySelector('.form-error');
  const fields = (err.data && err.data.fields) || [];
  let placed = 0;
  for (const v of fields) {
    const name = v.field.replace(/^webhook\./, '').replace(/\[\d+\]$/, '').replace(/\.\d+$/, '').split('.')[0];
    const holder = form.querySelector('[data-field="' + name + '"]');
    if (!holder) continue;
    const input = holder.querySelector('input[type=text], input[type=url], select');
    if (input) input.classList.add('invalid');
    holder.append(el('div', { class: 'field-error', dataset: { for: name } }, v.description));
    placed++;
  }
  if (placed < fields.length || fields.length === 0) {
    general.textContent = err.message;
    if (err.data && err.data.reason === 'PLAN_LIMIT_REACHED') general.className = 'form-error notice limit';
  }
}

/** A notice line in a container: kind is ok, error or limit. */
export function notice(container, kind, text) {
  container.replaceChildren(el('div', { class: 'notice ' + kind }, text));
}

/**
 * Live delivery changes over Server-Sent Events. The browser reconnects by itself and sends the last event id,
 * the watch's resume token, so nothing is lost across a reconnect.
 */
export function liveDeliveries(query, onDelivery, onState) {
  const q = new URLSearchParams(query);
  if (account()) q.set('account', account());
  const source = new EventSource('/api/stream?' + q.toString());
  source.addEventListener('open', () => onState && onState('live'));
  source.addEventListener('error', () => onState && onState('reconnecting'));
  source.addEventListener('delivery', (ev) => onDelivery(JSON.parse(ev.data)));
  source.addEventListener('failure', (ev) => { source.close(); onState && onState('failed', ev.data); });
  // Leaving the page ends the stream now, rather than when the dashboard next finds the tab gone.
  window.addEventListener('pagehide', () => source.close());
  return source;
}

/** A status word's badge text for the live indicator. */
export function liveIndicator() {
  const dot = el('span', { class: 'live-dot' });
  const label = el('span', { class: 'muted', id: 'live-state' }, 'connecting');
  const box = el('span', {}, dot, label);
  box.set = (state, text) => {
    dot.className = 'live-dot' + (state === 'live' ? '' : state === 'paused' ? ' paused' : ' down');
    label.textContent = text || state;
    box.dataset.state = state;
  };
  return box;
}

export function copyButton(text) {
  return el('button', { type: 'button', onclick: async (ev) => {
    try { await navigator.clipboard.writeText(text); ev.target.textContent = 'Copied'; } catch (e) { ev.target.textContent = 'Select and copy'; }
  } }, 'Copy');
}
