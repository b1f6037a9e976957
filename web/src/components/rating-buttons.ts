import { api, type ApiError } from '../api.js';
import { h, icon } from '../dom.js';
import { currentPath, navigate } from '../navigation.js';
import { loadSession } from '../session.js';
import type { Rating, Video } from '../types.js';
import { showToast } from './toast.js';

const count = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/**
 * Like and dislike, YouTube's way: the like count is shown, the dislike count never is (dislikes
 * feed ranking only). A press shows at once and is undone if the server refuses; pressing the
 * lit button again takes the rating back. Signed-out viewers are sent to log in first.
 */
export function ratingButtons(video: Video): HTMLElement {
  let likeCount = video.likeCount ?? 0;
  let mine: Rating | null = video.myRating ?? null;
  let busy = false;
  const likeLabel = h('span', { class: 'rating-count' });
  const like = h('button', { type: 'button', class: 'rating-btn rating-like', 'data-testid': 'like' }, icon('like'), likeLabel);
  const dislike = h('button', { type: 'button', class: 'rating-btn rating-dislike', 'aria-label': 'Dislike', title: 'Dislike', 'data-testid': 'dislike' }, icon('dislike'));

  function paint(): void {
    likeLabel.textContent = likeCount > 0 ? count.format(likeCount) : 'Like';
    like.setAttribute('aria-pressed', String(mine === 'like'));
    like.setAttribute('aria-label', `Like (${likeCount === 1 ? '1 like' : `${likeCount} likes`})`);
    like.title = mine === 'like' ? 'Remove your like' : 'I like this';
    dislike.setAttribute('aria-pressed', String(mine === 'dislike'));
  }

  async function press(value: Rating): Promise<void> {
    // The session may still be loading on a fresh page: wait for it rather than guess.
    if (!(await loadSession())) {
      showToast('Log in to rate videos.');
      navigate(`/login?next=${encodeURIComponent(currentPath())}`);
      return;
    }
    if (busy) return;
    busy = true;
    const before = { likeCount, mine };
    const next = mine === value ? null : value;
    // Shown at once; the server's answer (its count) replaces the guess.
    likeCount += (next === 'like' ? 1 : 0) - (mine === 'like' ? 1 : 0);
    mine = next;
    paint();
    try {
      const answer = next ? await api.rate(video.id, next) : await api.unrate(video.id);
      likeCount = answer.likeCount;
      mine = answer.myRating;
    } catch (err) {
      ({ likeCount, mine } = before);
      showToast((err as ApiError).message, 'error');
    } finally {
      busy = false;
      paint();
    }
  }

  like.addEventListener('click', () => void press('like'));
  dislike.addEventListener('click', () => void press('dislike'));
  paint();
  return h('div', { class: 'rating', role: 'group', 'aria-label': 'Rate this video' }, like, h('span', { class: 'rating-divider', 'aria-hidden': 'true' }), dislike);
}
