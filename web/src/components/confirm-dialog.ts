import { h } from '../dom.js';

/**
 * A modal confirmation built on <dialog> (focus trapping, Esc to cancel and the backdrop come
 * from the browser). Resolves true only when the person presses the confirm button.
 */
export function confirmDialog(opts: { title: string; body: string; confirmLabel: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', value: 'cancel' }, 'Cancel');
    const confirm = h('button', { type: 'button', class: `btn ${opts.danger ? 'btn-danger' : 'btn-primary'}`, value: 'confirm' }, opts.confirmLabel);
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' },
      h('h2', { id: 'confirm-title', class: 'dialog-title' }, opts.title),
      h('p', { id: 'confirm-body' }, opts.body),
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    let confirmed = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      confirmed = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(confirmed);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
