import { formField, textInput } from '../components/form-field.js';
import { VISIBILITY_HELP } from '../components/status-badge.js';
import { h } from '../dom.js';
import type { Visibility } from '../types.js';

export interface VideoDetails {
  title: string;
  description: string;
  visibility: Visibility;
}

export interface DetailsFields {
  elements: HTMLElement[];
  read(): VideoDetails;
  title: HTMLInputElement;
}

/** Title, description and visibility: used by the upload page and the "Edit" dialog of My videos. */
export function detailsFields(initial: Partial<VideoDetails> = {}, idPrefix = 'video'): DetailsFields {
  const title = textInput({ id: `${idPrefix}-title`, name: 'title', required: true, maxlength: 200, value: initial.title ?? '' });
  const description = h('textarea', { id: `${idPrefix}-description`, name: 'description', class: 'input', rows: 4, maxlength: 5000 });
  description.value = initial.description ?? '';
  const current = initial.visibility ?? 'public';
  const options = (['public', 'unlisted', 'private'] as const).map((v) =>
    h('label', { class: 'radio-option' },
      h('input', { type: 'radio', name: `${idPrefix}-visibility`, value: v, checked: v === current }),
      h('span', { class: 'radio-text' }, h('strong', {}, v[0]!.toUpperCase() + v.slice(1)), h('span', { class: 'muted' }, VISIBILITY_HELP[v])),
    ),
  );
  const visibility = h('fieldset', { class: 'field radio-group' }, h('legend', { class: 'field-label' }, 'Visibility'), options);
  return {
    elements: [formField('Title', title), formField('Description', description, 'Optional'), visibility],
    title,
    read() {
      const checked = visibility.querySelector<HTMLInputElement>('input:checked');
      return { title: title.value.trim(), description: description.value, visibility: (checked?.value ?? 'public') as Visibility };
    },
  };
}
