// Form parts shared by the Webhooks page and a webhook's page.
import { el, copyButton } from './common.js';

export function eventChecks(container, types, checked = []) {
  container.replaceChildren(...types.map((t) => el('label', {},
    el('input', { type: 'checkbox', name: 'events', value: t.name, checked: checked.includes(t.name) }), ' ', t.name)));
}

export function checkedEvents(form) {
  return [...form.querySelectorAll('input[name=events]:checked')].map((c) => c.value);
}

/** Shows a signing secret once, with a copy button and the warning that it is not shown again. */
export function showSecret(container, title, secret) {
  container.replaceChildren(el('div', { class: 'secret', id: 'secret-box' },
    el('strong', {}, title),
    el('div', { class: 'box' }, el('code', { id: 'signing-secret' }, secret), copyButton(secret)),
    el('div', {}, 'Copy it now: this is the only time it is shown. Lost it? Rotate the secret to get a new one.')));
}

