/**
 * The view rule, PeerTube's: a session's watch counts as a view once the union of what it played
 * reaches 30 s, or half the video when the video is shorter than 60 s.
 */
export const VIEW_MIN_PLAYED_SEC = 30;
export const SHORT_VIDEO_SEC = 60;
/** The same viewer (account, or address plus session) counts again only after this long. */
export const VIEW_REPEAT_AFTER_SEC = 3600;

/** Seconds a session must play of a video of `durationSec` before it is a view. */
export const viewThresholdSec = (durationSec: number) =>
  durationSec < SHORT_VIDEO_SEC ? durationSec / 2 : VIEW_MIN_PLAYED_SEC;

/** Whether `playedSec` (the union of played ranges) makes a view of a video of `durationSec`. */
export const reachesView = (playedSec: number, durationSec: number) =>
  durationSec > 0 && playedSec >= viewThresholdSec(durationSec);

/**
 * Jellyfin's resume rule: a position between 5 % and 90 % of the video resumes; before 5 % starts
 * over, past 90 % counts as watched.
 */
export const RESUME_MIN_FRACTION = 0.05;
export const RESUME_MAX_FRACTION = 0.9;

/** Where to resume a video of `durationSec` last left at `positionSec`, or null to start at 0. */
export function resumePoint(positionSec: number, durationSec: number | null): number | null {
  if (!durationSec || durationSec <= 0) return null;
  const f = positionSec / durationSec;
  return f >= RESUME_MIN_FRACTION && f <= RESUME_MAX_FRACTION ? positionSec : null;
}

/** Watched past 90 %: it counts as watched and does not resume. */
export const isCompleted = (positionSec: number, durationSec: number | null) =>
  !!durationSec && positionSec / durationSec > RESUME_MAX_FRACTION;
