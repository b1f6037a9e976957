import { formField, textInput } from '../components/form-field.js';
import { VISIBILITY_HELP } from '../components/status-badge.js';
import { h } from '../dom.js';
import type { Visibility } from '../types.js';
import { MAX_TAGS, parseTags, tagsProblem } from './tags.js';

export interface VideoDetails {
  title: string;
  description: string;
  tags: string[];
  visibility: Visibility;
}

export interface DetailsFields {
  elements: HTMLElement[];
  read(): VideoDetails;
  /** What the person must fix before saving (too many or too long tags), or null. */
  problem(): string | null;
  title: HTMLInputElement;
}

/** Title, description, tags and visibility: used by the upload page and the "Edit" dialog of My videos. */
export function detailsFields(initial: Partial<VideoDetails> = {}, idPrefix = 'video'): DetailsFields {
  const title = textInput({ id: `${idPrefix}-title`, name: 'title', required: true, maxlength: 200, value: initial.title ?? '' });
  const description = h('textarea', { id: `${idPrefix}-description`, name: 'description', class: 'input', rows: 4, maxlength: 5000 });
  description.value = initial.description ?? '';
  const tags = textInput({ id: `${idPrefix}-tags`, name: 'tags', value: (initial.tags ?? []).join(', '), placeholder: 'e.g. harbour, timelapse, sea', autocomplete: 'off', spellcheck: 'false' });
  const current = initial.visibility ?? 'public';
  const options = (['public', 'unlisted', 'private'] as const).map((v) =>
    h('label', { class: 'radio-option' },
      h('input', { type: 'radio', name: `${idPrefix}-visibility`, value: v, checked: v === current }),
      h('span', { class: 'radio-text' }, h('strong', {}, v[0]!.toUpperCase() + v.slice(1)), h('span', { class: 'muted' }, VISIBILITY_HELP[v])),
    ),
  );
  const visibility = h('fieldset', { class: 'field radio-group' }, h('legend', { class: 'field-label' }, 'Visibility'), options);
  return {
    elements: [formField('Title', title), formField('Description', description, 'Optional'), formField('Tags', tags, `Optional. Separate with commas, up to ${MAX_TAGS}; people find your video by them.`), visibility],
    title,
    read() {
      const checked = visibility.querySelector<HTMLInputElement>('input:checked');
      return { title: title.value.trim(), description: description.value, tags: parseTags(tags.value), visibility: (checked?.value ?? 'public') as Visibility };
    },
    problem() {
      return tagsProblem(parseTags(tags.value));
    },
  };
}
