import type Hls from 'hls.js';
import { Events } from 'hls.js';
import type { Rendition } from '../types.js';
import { rungLabel } from './hls-config.js';

/** One selectable rung, as the quality menu shows it. */
export interface QualityLevel {
  index: number;
  label: string;
}

/** What the quality menu needs from a playback engine. */
export interface QualitySource {
  levels(): QualityLevel[];
  isAuto(): boolean;
  /** The chosen level index, -1 for automatic. */
  selectedIndex(): number;
  /** The rung being played now (what "Auto (720p)" shows), null before the first one loads. */
  playingLabel(): string | null;
  /** -1 = automatic (ABR). */
  select(index: number): void;
  onChange(listener: () => void): void;
}

/** hls.js levels as menu entries; fires on level lists, switches and ABR decisions. */
export function hlsQualitySource(hls: Hls, renditions: Rendition[]): QualitySource {
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  hls.on(Events.MANIFEST_PARSED, notify);
  hls.on(Events.LEVEL_SWITCHED, notify);
  hls.on(Events.LEVELS_UPDATED, notify);
  const labelOf = (index: number) => {
    const level = hls.levels[index];
    return level ? rungLabel(level.width, level.height, renditions) : null;
  };
  return {
    // One entry per rung: a ladder with HEVC/AV1 twins lists a size once per codec, and hls.js
    // keeps to the codec it plays (the menu offers the levels of that codec only).
    levels: () => {
      const playing = hls.levels[hls.currentLevel]?.codecSet;
      return hls.levels.flatMap((l, index) => (playing === undefined || l.codecSet === playing ? [{ index, label: rungLabel(l.width, l.height, renditions) }] : [])).reverse();
    },
    isAuto: () => hls.autoLevelEnabled,
    selectedIndex: () => (hls.autoLevelEnabled ? -1 : hls.manualLevel),
    playingLabel: () => (hls.currentLevel >= 0 ? labelOf(hls.currentLevel) : null),
    select(index) {
      // Immediate switch (flushes the forward buffer) so the choice shows at once, like YouTube.
      hls.currentLevel = index;
      notify();
    },
    onChange: (listener) => void listeners.add(listener),
  };
}

/** Native HLS (Safari/iOS) picks the rung itself: the menu shows only "Auto". */
export function nativeQualitySource(video: HTMLVideoElement): QualitySource {
  const listeners = new Set<() => void>();
  video.addEventListener('resize', () => listeners.forEach((l) => l()));
  return {
    levels: () => [],
    isAuto: () => true,
    selectedIndex: () => -1,
    playingLabel: () => (video.videoHeight ? `${Math.min(video.videoWidth, video.videoHeight)}p` : null),
    select: () => undefined,
    onChange: (listener) => void listeners.add(listener),
  };
}
