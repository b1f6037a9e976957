import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import type { Video } from '../types.js';
import { detailsFields } from '../upload/details-form.js';
import { formError } from './form-field.js';

/** Edit title, description, tags and visibility in a modal; resolves with the saved video or null. */
export function editVideoDialog(video: Video): Promise<Video | null> {
  return new Promise((resolve) => {
    const fields = detailsFields(video, `edit-${video.id}`);
    const error = formError();
    const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
    const form = h('form', { method: 'dialog', class: 'dialog-form' }, fields.elements, error.element, h('div', { class: 'dialog-actions' }, cancel, save));
    const dialog = h('dialog', { class: 'dialog dialog-wide', 'aria-labelledby': 'edit-title' }, h('h2', { id: 'edit-title', class: 'dialog-title' }, 'Edit video'), form);
    let saved: Video | null = null;
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.show(fields.problem());
      if (fields.problem()) return;
      save.disabled = true;
      try {
        saved = await api.updateVideo(video.id, fields.read());
        dialog.close();
      } catch (err) {
        error.show((err as ApiError).message);
      } finally {
        save.disabled = false;
      }
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(saved);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    fields.title.focus();
  });
}
