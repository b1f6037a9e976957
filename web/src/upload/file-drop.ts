import { h, icon } from '../dom.js';
import { formatBytes } from '../format.js';

/**
 * The drop zone: a real file input (keyboard and screen readers use it as is) inside a big
 * target that also accepts drag-and-drop.
 */
export function fileDrop(onFile: (file: File) => void): HTMLElement {
  const input = h('input', { type: 'file', id: 'upload-file', name: 'file', accept: 'video/*,.mkv,.mov,.mp4,.webm,.avi,.m4v', class: 'visually-hidden' });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) onFile(file);
  });
  const zone = h('div', { class: 'drop-zone' },
    h('span', { class: 'drop-icon', 'aria-hidden': 'true' }, icon('upload')),
    h('p', { class: 'drop-title' }, 'Drag and drop a video file here'),
    h('p', { class: 'muted' }, 'MP4, MOV, MKV or WebM. Large files are fine: uploads resume if the connection drops.'),
    input,
    h('label', { for: 'upload-file', class: 'btn btn-primary' }, 'Choose a file'),
  );
  // A <label for> is not focusable by itself: forward keyboard activation to the input.
  const label = zone.querySelector('label')!;
  label.tabIndex = 0;
  label.setAttribute('role', 'button');
  label.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.click();
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) onFile(file);
  });
  return zone;
}

/** "holiday.mp4 · 120 MB" with a change button. */
export function chosenFile(file: File, onChange: () => void): HTMLElement {
  return h('div', { class: 'chosen-file' },
    h('span', { class: 'chosen-name' }, file.name),
    h('span', { class: 'muted' }, formatBytes(file.size)),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: onChange }, 'Change file'),
  );
}

/** File name without its extension, tidied into a title: "my_trip-2024.mp4" → "my trip 2024". */
export function titleFromFileName(name: string): string {
  const base = name.replace(/\.[^.]+$/, '').replace(/[_]+/g, ' ').trim();
  return (base || name).slice(0, 200);
}
