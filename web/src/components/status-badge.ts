import { h } from '../dom.js';
import type { VideoStatus, Visibility } from '../types.js';

const STATUS_TEXT: Record<VideoStatus, string> = {
  awaiting_upload: 'Waiting for file',
  uploaded: 'Queued',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

/** A coloured pill for a video's processing state (text, not colour alone, carries the meaning). */
export function statusBadge(status: VideoStatus, progress?: number): HTMLElement {
  const text = status === 'processing' && progress !== undefined ? `${STATUS_TEXT[status]} ${Math.floor(progress)}%` : STATUS_TEXT[status];
  return h('span', { class: `badge badge-${status}`, 'data-status': status }, text);
}

const VISIBILITY_TEXT: Record<Visibility, string> = { public: 'Public', unlisted: 'Unlisted', private: 'Private' };

export function visibilityBadge(visibility: Visibility): HTMLElement {
  return h('span', { class: `badge badge-visibility badge-${visibility}` }, VISIBILITY_TEXT[visibility]);
}

export const VISIBILITY_HELP: Record<Visibility, string> = {
  public: 'Anyone can find and watch it',
  unlisted: 'Anyone with the link can watch it',
  private: 'Only you can watch it',
};
