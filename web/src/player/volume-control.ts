import { h, icon } from '../dom.js';

const VOLUME_KEY = 'kinema.volume';

/** Mute button + volume slider, remembered across visits. */
export function volumeControl(video: HTMLVideoElement): HTMLElement {
  const mute = h('button', { type: 'button', class: 'ctl ctl-mute' });
  const slider = h('input', { type: 'range', class: 'volume-input', min: 0, max: 1, step: 0.05, 'aria-label': 'Volume' });

  function paint(): void {
    const isSilent = video.muted || video.volume === 0;
    mute.replaceChildren(icon(isSilent ? 'muted' : 'volume'));
    mute.setAttribute('aria-label', isSilent ? 'Unmute (m)' : 'Mute (m)');
    mute.title = isSilent ? 'Unmute (m)' : 'Mute (m)';
    slider.value = String(video.muted ? 0 : video.volume);
    slider.setAttribute('aria-valuetext', `${Math.round((video.muted ? 0 : video.volume) * 100)}%`);
    slider.style.setProperty('--level', `${(video.muted ? 0 : video.volume) * 100}%`);
  }

  mute.addEventListener('click', () => {
    video.muted = !video.muted;
    if (!video.muted && video.volume === 0) video.volume = 0.5;
  });
  slider.addEventListener('input', () => {
    video.volume = Number(slider.value);
    video.muted = video.volume === 0;
  });
  video.addEventListener('volumechange', () => {
    paint();
    try {
      localStorage.setItem(VOLUME_KEY, String(video.volume));
    } catch {
      // Storage disabled: the volume just is not remembered.
    }
  });
  paint();
  return h('div', { class: 'volume' }, mute, slider);
}

export function restoreVolume(video: HTMLVideoElement): void {
  try {
    const saved = Number(localStorage.getItem(VOLUME_KEY));
    if (localStorage.getItem(VOLUME_KEY) !== null && saved >= 0 && saved <= 1) video.volume = saved;
  } catch {
    // Storage disabled: default volume.
  }
}

/** Volume by `delta` (−1…1), unmuting when turned up. */
export function nudgeVolume(video: HTMLVideoElement, delta: number): void {
  video.volume = Math.min(1, Math.max(0, Math.round((video.volume + delta) * 100) / 100));
  if (delta > 0) video.muted = false;
}
