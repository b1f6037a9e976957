import { h, type Attrs } from '../dom.js';

let nextId = 0;

/** A labelled input with an optional hint and an error slot wired up with aria-describedby. */
export function formField(label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string): HTMLElement {
  const id = input.id || `field-${++nextId}`;
  input.id = id;
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id, class: 'field-label' }, label), input, hintEl);
}

export function textInput(attrs: Attrs): HTMLInputElement {
  return h('input', { class: 'input', type: 'text', ...attrs });
}

/** A form-level error line (role=alert so it is announced when it appears). */
export function formError(): { element: HTMLElement; show(message: string | null): void } {
  const element = h('p', { class: 'form-error', role: 'alert', hidden: true });
  return {
    element,
    show(message) {
      element.hidden = !message;
      element.textContent = message ?? '';
    },
  };
}
