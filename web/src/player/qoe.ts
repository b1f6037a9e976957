/**
 * Quality of experience of one view session, as Mux Data defines it
 * (https://docs.mux.com/guides/data/understand-metric-definitions):
 * - startup time: play requested → first frame with the playhead moving;
 * - exit before start: the viewer asked to play and left before that first moving frame;
 * - playback failure: a fatal error the viewer saw (errors recovered in place are not failures);
 * - rebuffering: the playhead stopped for want of data after startup, seeks excluded
 *   (count and duration; rebuffer percentage = stall time / watch time);
 * - rendition over time: playing time per rung (height, bitrate), and the player's size in
 *   device pixels, from which the server tells upscaled time;
 * - seeks by the viewer, and how long each took to play again.
 * Pure state fed by media element and hls.js events (qoe-events.ts binds them) and a clock, so
 * it is tested without a browser. Cheap by construction: a handful of numbers updated on events,
 * nothing per frame.
 */

/** The `qoe` object of the watch beacon (docs/API.md): every value the session's running total. */
export interface QoeReport {
  /** Absent until the first moving frame. */
  startupMs?: number;
  /** Only on a beacon sent as the page goes away, when play was requested and nothing ever moved. */
  exitedBeforeStart?: true;
  /** The fatal error the viewer saw (hls.js `type` / `details`); errors recovered in place are not failures. */
  fatalError?: { type: string; details: string };
  /** Watch time: from the play request on, while not paused (startup and stalls included, as Mux counts it). */
  watchMs: number;
  rebufferCount: number;
  rebufferMs: number;
  /** Time the playhead moved, per rung. */
  renditions: { height: number; bitrateKbps: number; playedMs: number }[];
  /** The player's box in device pixels: the server compares it with the rungs' heights (upscaling). */
  playerWidth?: number;
  playerHeight?: number;
  /** Seeks by the viewer, and the time from each seek to the playhead moving (or the seek landing, when paused). */
  seekCount: number;
  seekMs: number;
}

export interface Rung {
  height: number;
  bitrateKbps: number;
}

type State = 'idle' | 'starting' | 'playing' | 'paused' | 'stalled' | 'seeking' | 'ended' | 'failed';
/** The contract's cap on renditions per beacon. */
const MAX_RENDITIONS = 16;

export class QoeTracker {
  private state: State = 'idle';
  private requestedAt: number | null = null;
  private startupMs: number | null = null;
  private failure: { type: string; details: string } | null = null;
  private rebufferCount = 0;
  private rebufferMs = 0;
  private watchMs = 0;
  private seekCount = 0;
  private seekMs = 0;
  private seekStartedAt: number | null = null;
  private rung: Rung | null = null;
  private readonly rungs = new Map<string, Rung & { playingMs: number }>();
  private player = { widthPx: 0, heightPx: 0 };
  private lastAt: number;

  constructor(private readonly now: () => number) {
    this.lastAt = now();
  }

  /** play() was called or the viewer pressed play. The first one starts the startup clock. */
  playRequested(): void {
    this.account();
    if (this.requestedAt === null) {
      this.requestedAt = this.now();
      this.state = 'starting';
    } else if (this.state === 'paused' || this.state === 'ended') {
      this.state = 'playing';
    }
  }

  /** The playhead advanced (a timeupdate with a later currentTime): startup is done, any stall is over. */
  playheadMoved(): void {
    this.account();
    if (this.state === 'failed') return;
    if (this.startupMs === null && this.requestedAt !== null) this.startupMs = Math.max(0, this.now() - this.requestedAt);
    this.endSeek();
    if (this.state === 'starting' || this.state === 'stalled' || this.state === 'seeking') this.state = 'playing';
  }

  /** The player ran out of data while playing (`waiting` or hls.js's buffer-stalled error). */
  stalled(): void {
    this.account();
    // Before the first frame it is startup; a wait after a seek is the seek's, not a rebuffer.
    if (this.state !== 'playing') return;
    this.state = 'stalled';
    this.rebufferCount++;
  }

  paused(): void {
    this.account();
    if (this.state === 'playing' || this.state === 'stalled' || this.state === 'seeking') this.state = 'paused';
  }

  /** A seek started (`seeking`); `byViewer` false for the player's own positioning, such as resuming. */
  seeked(byViewer: boolean): void {
    this.account();
    if (byViewer) {
      this.seekCount++;
      this.endSeek();
      this.seekStartedAt = this.now();
    }
    if (this.state === 'playing' || this.state === 'stalled') this.state = 'seeking';
  }

  /** The seek landed (`seeked`) while paused: nothing will move, so the seek ends here. */
  seekLandedPaused(): void {
    this.endSeek();
  }

  private endSeek(): void {
    if (this.seekStartedAt === null) return;
    this.seekMs += Math.max(0, this.now() - this.seekStartedAt);
    this.seekStartedAt = null;
  }

  ended(): void {
    this.account();
    if (this.state !== 'failed') this.state = 'ended';
  }

  failed(type: string, details: string): void {
    this.account();
    this.failure ??= { type, details };
    this.state = 'failed';
  }

  /** The rung whose frames are on screen now. */
  renditionChanged(rung: Rung): void {
    this.account();
    this.rung = rung;
  }

  /** The player's box in device pixels (CSS size × devicePixelRatio). */
  playerResized(widthPx: number, heightPx: number): void {
    this.account();
    this.player = { widthPx, heightPx };
  }

  /** Adds the time since the last event to the state it was spent in. */
  private account(): void {
    const at = this.now();
    const spent = Math.max(0, at - this.lastAt);
    this.lastAt = at;
    if (this.state === 'starting' || this.state === 'playing' || this.state === 'stalled' || this.state === 'seeking') this.watchMs += spent;
    if (this.state === 'stalled') this.rebufferMs += spent;
    if (this.state !== 'playing' || !this.rung) return;
    const key = `${this.rung.height}:${this.rung.bitrateKbps}`;
    const entry = this.rungs.get(key);
    if (entry) entry.playingMs += spent;
    else if (this.rungs.size < MAX_RENDITIONS) this.rungs.set(key, { ...this.rung, playingMs: spent });
  }

  /** Where the session stands now; `leaving` marks an exit before start when the page goes away. */
  report(leaving = false): QoeReport {
    this.account();
    const report: QoeReport = {
      watchMs: Math.round(this.watchMs),
      rebufferCount: this.rebufferCount,
      rebufferMs: Math.round(this.rebufferMs),
      renditions: [...this.rungs.values()].filter((r) => r.bitrateKbps >= 1).map((r) => ({ height: r.height, bitrateKbps: r.bitrateKbps, playedMs: Math.round(r.playingMs) })),
      seekCount: this.seekCount,
      seekMs: Math.round(this.seekMs),
    };
    if (this.startupMs !== null) report.startupMs = Math.round(this.startupMs);
    if (leaving && this.requestedAt !== null && this.startupMs === null && this.failure === null) report.exitedBeforeStart = true;
    if (this.failure) report.fatalError = { ...this.failure };
    if (this.player.widthPx >= 1 && this.player.heightPx >= 1) {
      report.playerWidth = this.player.widthPx;
      report.playerHeight = this.player.heightPx;
    }
    return report;
  }
}

/** `video.played` as `[[startSec, endSec], …]`, rounded to tenths (what the beacon sends). */
export function playedRanges(played: { length: number; start(i: number): number; end(i: number): number }): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < played.length; i++) {
    const start = Math.round(played.start(i) * 10) / 10;
    const end = Math.round(played.end(i) * 10) / 10;
    if (end > start) out.push([start, end]);
  }
  return out;
}
