import { nudgeVolume } from './volume-control.js';
import type { Controls } from './controls.js';

const SEEK_STEP_SEC = 5;
const VOLUME_STEP = 0.1;

/**
 * YouTube's shortcuts on the watch page: space/k play-pause, ←/→ seek 5 s, ↑/↓ volume,
 * f full screen, m mute. Typing in a form field never triggers them, and a focused button or
 * slider keeps its own keys (space presses the button, arrows move the volume slider).
 */
export function bindShortcuts(player: HTMLElement, video: HTMLVideoElement, controls: Controls, signal: AbortSignal): void {
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement;
    if (target.closest('textarea, select, dialog, [contenteditable=""], [contenteditable="true"], [role="menu"]')) return;
    if (target.matches('input:not([type="range"])')) return; // typing
    if (target.matches('.volume-input') && e.key.startsWith('Arrow')) return; // the slider's own keys
    const isButton = target.matches('button, a[href]');
    const isSeek = target.matches('.seek-input');
    switch (e.key) {
      case ' ':
        if (isButton) return;
        controls.togglePlay();
        break;
      case 'k':
      case 'K':
        controls.togglePlay();
        break;
      case 'ArrowLeft':
      case 'ArrowRight': {
        const step = e.key === 'ArrowLeft' ? -SEEK_STEP_SEC : SEEK_STEP_SEC;
        const end = Number.isFinite(video.duration) ? video.duration : Infinity;
        video.currentTime = Math.min(end, Math.max(0, video.currentTime + step));
        controls.flash(step < 0 ? '−5 s' : '+5 s');
        break;
      }
      case 'ArrowUp':
      case 'ArrowDown':
        // On the page (not a slider) the arrows would scroll; in the player they set the volume.
        if (!isSeek && !player.contains(target) && target !== document.body) return;
        nudgeVolume(video, e.key === 'ArrowUp' ? VOLUME_STEP : -VOLUME_STEP);
        controls.flash(`Volume ${Math.round((video.muted ? 0 : video.volume) * 100)}%`);
        break;
      case 'f':
      case 'F':
        controls.toggleFullscreen();
        break;
      case 'm':
      case 'M':
        video.muted = !video.muted;
        controls.flash(video.muted ? 'Muted' : 'Sound on');
        break;
      default:
        return;
    }
    e.preventDefault();
  }, { signal });
}
