import { h, icon } from '../dom.js';
import { formatDuration } from '../format.js';

/**
 * "Resume from 3:12 / Start over" over the first frame, for a signed-in viewer coming back to a
 * video they left between 5 % and 90 % (the server decides, `resumeAtSec` in the play answer).
 * Playback waits for the choice (Netflix's and Jellyfin's way), so nothing plays from a place the
 * viewer did not pick; Resume has the focus, so Enter or Space resumes.
 */
export function resumeChoice(player: HTMLElement, resumeAtSec: number, choose: (fromSec: number) => void): void {
  const at = formatDuration(resumeAtSec);
  const resume = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'resume' }, icon('play'), `Resume from ${at}`);
  const restart = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'start-over' }, 'Start over');
  const box = h('div', { class: 'resume-choice', role: 'group', 'aria-label': `You stopped at ${at}` },
    h('p', { class: 'resume-choice-title' }, `You stopped at ${at}`),
    h('div', { class: 'resume-choice-actions' }, resume, restart),
  );
  const pick = (fromSec: number) => {
    box.remove();
    delete player.dataset.choice;
    player.focus({ preventScroll: true });
    choose(fromSec);
  };
  resume.addEventListener('click', () => pick(resumeAtSec));
  restart.addEventListener('click', () => pick(0));
  // Play pressed some other way (the control bar, k, a click on the picture): from where it is.
  const video = player.querySelector('video');
  video?.addEventListener('play', () => {
    if (!box.isConnected) return;
    box.remove();
    delete player.dataset.choice;
  }, { once: true });
  player.dataset.choice = 'resume';
  player.append(box);
  resume.focus({ preventScroll: true });
}
