import { api } from '../api.js';
import { h, icon, replaceChildren } from '../dom.js';
import { navigate } from '../navigation.js';
import { highlighted } from '../search/highlight.js';

/** Wait this long after the last keystroke before asking: one request per pause, not per key. */
const DEBOUNCE_MS = 150;

/**
 * The header's search: an ARIA 1.2 combobox (input + listbox popup) with suggestions as a person
 * types. Requests are debounced and the one in flight is aborted by the next keystroke, so a
 * late answer never replaces a newer one. Keys: Down/Up move through the suggestions (the input
 * shows the one chosen), Enter searches for it (or for what was typed), Escape closes the list
 * and, pressed again, clears the box. Submitting goes to /search?q=.
 */
export function createSearchBox(): { element: HTMLElement; setQuery(q: string): void } {
  const listId = 'search-suggestions';
  const input = h('input', {
    type: 'search', name: 'q', class: 'search-input', placeholder: 'Search', autocomplete: 'off', spellcheck: 'false', maxlength: 200,
    role: 'combobox', 'aria-label': 'Search videos', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId, 'enterkeyhint': 'search',
  });
  const list = h('ul', { id: listId, class: 'search-suggestions', role: 'listbox', 'aria-label': 'Suggestions', hidden: true });
  const submit = h('button', { type: 'submit', class: 'search-submit', 'aria-label': 'Search' }, icon('search'));
  const form = h('form', { class: 'search-box', role: 'search', action: '/search', method: 'get' }, input, submit, list);

  let items: string[] = [];
  let active = -1;
  /** What the person typed (the input shows a suggestion while arrowing through them). */
  let typed = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;

  function open(next: string[]): void {
    items = next;
    active = -1;
    replaceChildren(list, items.map((text, i) =>
      h('li', { id: `${listId}-${i}`, role: 'option', class: 'search-option', 'aria-selected': 'false', 'data-value': text }, highlighted(text, typed)),
    ));
    const isOpen = items.length > 0;
    list.hidden = !isOpen;
    input.setAttribute('aria-expanded', String(isOpen));
    input.removeAttribute('aria-activedescendant');
  }

  function close(): void {
    clearTimeout(timer);
    inFlight?.abort();
    open([]);
  }

  function highlight(index: number): void {
    active = index;
    list.querySelectorAll('[role="option"]').forEach((el, i) => el.setAttribute('aria-selected', String(i === index)));
    if (index < 0) {
      input.removeAttribute('aria-activedescendant');
      input.value = typed;
      return;
    }
    const option = list.children[index] as HTMLElement;
    input.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
    input.value = items[index]!;
  }

  async function fetchSuggestions(text: string): Promise<void> {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    try {
      const { items: next } = await api.suggestions(text, controller.signal);
      if (!controller.signal.aborted && document.activeElement === input) open(next);
    } catch {
      // Suggestions are a convenience: aborted, offline or failed, the box still searches on Enter.
    }
  }

  function go(q: string): void {
    const query = q.trim();
    close();
    if (!query) return input.focus();
    input.value = query;
    typed = query;
    navigate(`/search?q=${encodeURIComponent(query)}`);
  }

  input.addEventListener('input', () => {
    typed = input.value;
    clearTimeout(timer);
    if (!typed.trim()) return close();
    timer = setTimeout(() => void fetchSuggestions(typed), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    const isOpen = !list.hidden;
    switch (event.key) {
      case 'ArrowDown':
        if (!isOpen) {
          if (input.value.trim()) void fetchSuggestions(input.value);
          return;
        }
        event.preventDefault();
        highlight(active + 1 >= items.length ? -1 : active + 1);
        return;
      case 'ArrowUp':
        if (!isOpen) return;
        event.preventDefault();
        highlight(active - 1 < -1 ? items.length - 1 : active - 1);
        return;
      case 'Escape':
        event.preventDefault();
        if (isOpen) {
          input.value = typed;
          close();
        } else {
          input.value = typed = '';
        }
        return;
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go(active >= 0 ? items[active]! : input.value);
  });

  // Pointer: keep focus in the input while pressing an option, then search for it.
  list.addEventListener('mousedown', (event) => event.preventDefault());
  list.addEventListener('click', (event) => {
    const option = (event.target as Element).closest<HTMLElement>('[role="option"]');
    if (option?.dataset.value) go(option.dataset.value);
  });
  input.addEventListener('blur', () => close());

  return {
    element: form,
    setQuery(q: string) {
      if (document.activeElement === input) return;
      input.value = typed = q;
    },
  };
}
