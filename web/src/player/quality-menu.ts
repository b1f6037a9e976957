import { h, icon } from '../dom.js';
import type { QualitySource } from './quality.js';

/**
 * The quality button and its menu: "Auto (720p)" plus each rung. A menu of radio items with
 * arrow-key navigation, Escape to close and focus returned to the button (WAI-ARIA menu button).
 */
export function qualityMenu(source: QualitySource, signal: AbortSignal): HTMLElement {
  const label = h('span', { class: 'quality-label' });
  const button = h('button', { type: 'button', class: 'ctl ctl-quality', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': 'quality-menu' }, icon('settings'), label);
  const menu = h('ul', { class: 'menu', role: 'menu', id: 'quality-menu', 'aria-label': 'Quality', hidden: true });
  const wrap = h('div', { class: 'quality' }, menu, button);

  const currentText = () => {
    const playing = source.playingLabel();
    if (source.isAuto()) return playing ? `Auto (${playing})` : 'Auto';
    return source.levels().find((l) => l.index === source.selectedIndex())?.label ?? playing ?? 'Auto';
  };

  function renderButton(): void {
    const text = currentText();
    label.textContent = text;
    button.setAttribute('aria-label', `Quality: ${text}`);
    button.hidden = source.levels().length === 0 && !source.playingLabel();
    if (!menu.hidden) renderItems();
  }

  function renderItems(): void {
    const entries = [{ index: -1, label: 'Auto' }, ...source.levels()];
    menu.replaceChildren(...entries.map((entry) => {
      const checked = entry.index === source.selectedIndex();
      const item = h('li', { role: 'menuitemradio', tabindex: -1, 'aria-checked': String(checked), 'data-level': entry.index, class: 'menu-item' },
        entry.index === -1 && source.isAuto() && source.playingLabel() ? `Auto (${source.playingLabel()})` : entry.label);
      item.addEventListener('click', () => choose(entry.index));
      return item;
    }));
  }

  function open(): void {
    renderItems();
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    (menu.querySelector<HTMLElement>('[aria-checked="true"]') ?? menu.querySelector<HTMLElement>('li'))?.focus();
  }

  function close(returnFocus = true): void {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (returnFocus) button.focus();
  }

  function choose(index: number): void {
    source.select(index);
    close();
    renderButton();
  }

  button.addEventListener('click', () => (menu.hidden ? open() : close()));
  menu.addEventListener('keydown', (e) => {
    const items = [...menu.querySelectorAll<HTMLElement>('li')];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => items[(to + items.length) % items.length]?.focus();
    switch (e.key) {
      case 'ArrowDown': move(at + 1); break;
      case 'ArrowUp': move(at - 1); break;
      case 'Home': move(0); break;
      case 'End': move(items.length - 1); break;
      case 'Enter':
      case ' ': if (at >= 0) choose(Number(items[at]!.dataset.level)); break;
      case 'Escape': close(); break;
      case 'Tab': close(false); return;
      default: return;
    }
    e.preventDefault();
    e.stopPropagation();
  });
  document.addEventListener('pointerdown', (e) => !wrap.contains(e.target as Node) && close(false), { signal });
  source.onChange(renderButton);
  renderButton();
  return wrap;
}
