import { Type, type Static } from '@sinclair/typebox';
import { INVALID_MESSAGE } from '../../platform/http/validation.js';

/**
 * The largest position a beacon may carry: 24 hours, beyond any video the platform accepts
 * (MAX_DURATION_SEC tops out below it), so a hostile number is refused at the schema.
 */
export const MAX_POSITION_SEC = 24 * 3600;
/** `video.played` rarely has more than a handful of ranges; 200 covers a session of seeking. */
export const MAX_PLAYED_RANGES = 200;

const Seconds = (description: string) => Type.Number({ minimum: 0, maximum: MAX_POSITION_SEC, description });
const Count = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000, description });
/** Milliseconds of one session: at most a day. */
const SessionMs = (description: string) => Type.Integer({ minimum: 0, maximum: 86_400_000, description });

export const SessionId = Type.String({
  pattern: '^[A-Za-z0-9_-]{8,64}$',
  description: 'The player\'s id for this viewing session (8–64 letters, digits, - and _). The web app keeps one per tab in sessionStorage, so a reload is the same session.',
  [INVALID_MESSAGE]: 'The body field "sessionId" must be 8 to 64 letters, digits, - and _ (e.g. a random UUID without its dashes).',
});

/**
 * Quality of experience so far in this session, as Mux Data defines it. Every field is the
 * session's running total (not a delta since the last beacon), so a lost beacon loses nothing:
 * the next one carries the same totals. All optional: a player that measures nothing sends none.
 */
export const QoeSample = Type.Object({
  startupMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, description: 'Video startup time: play requested → first frame with the playhead moving. Sent once known, in every later beacon.' })),
  exitedBeforeStart: Type.Optional(Type.Boolean({ description: 'true on the last beacon (page hide) when play was requested and no frame was ever shown (Mux: exit before video start).' })),
  fatalError: Type.Optional(Type.Object({
    type: Type.String({ maxLength: 64, description: 'hls.js ErrorData.type (networkError, mediaError, …) or "mediaElement" for a MediaError' }),
    details: Type.String({ maxLength: 128, description: 'hls.js ErrorData.details (manifestLoadError, …) or the MediaError code' }),
  }, { additionalProperties: false, description: 'The playback failure that ended the session: fatal errors only (hls.js data.fatal). Recoverable errors are not failures.' })),
  watchMs: Type.Optional(SessionMs('Mux watch time: ms from the play request on, while playing, starting or stalled (not paused).')),
  rebufferCount: Type.Optional(Count('Stalls after the first frame (hls.js BUFFER_STALLED_ERROR, or the element\'s waiting event while playing).')),
  rebufferMs: Type.Optional(SessionMs('Total ms spent stalled after the first frame. Rebuffer percentage = rebufferMs / watchMs.')),
  renditions: Type.Optional(Type.Array(Type.Object({
    height: Type.Integer({ minimum: 1, maximum: 8640, description: 'The level\'s height in pixels (hls.js LEVEL_SWITCHED → levels[i].height)' }),
    bitrateKbps: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'The level\'s bitrate (levels[i].bitrate / 1000)' }),
    playedMs: SessionMs('ms of playback at this level so far'),
  }, { additionalProperties: false }), { maxItems: 16, description: 'Time played at each rendition so far (the rendition over time, summed per level).' })),
  playerWidth: Type.Optional(Type.Integer({ minimum: 1, maximum: 16_384, description: 'The video element\'s size in device pixels (clientWidth × devicePixelRatio): a rendition shorter than playerHeight is upscaled.' })),
  playerHeight: Type.Optional(Type.Integer({ minimum: 1, maximum: 16_384 })),
  seekCount: Type.Optional(Count('Seeks so far')),
  seekMs: Type.Optional(SessionMs('Total ms from seeking to playing again')),
  edgeHost: Type.Optional(Type.String({ maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$', description: 'Host (and port) the media segments came from: the MEDIA_BASE_URL edge that served this viewer' })),
}, { additionalProperties: false });

export const ProgressBody = Type.Object({
  sessionId: SessionId,
  positionSec: Seconds('The playhead now'),
  played: Type.Array(
    Type.Tuple([Seconds('start'), Seconds('end')]),
    { maxItems: MAX_PLAYED_RANGES, description: 'The HTML video.played ranges of this session: [[startSec, endSec], …], each start ≤ end' },
  ),
  state: Type.Optional(Type.Union(['playing', 'paused', 'ended', 'left'].map((s) => Type.Literal(s)), {
    description: 'What the player is doing: "left" on the page-hide beacon (the session is over and no longer counts as watching now)',
  })),
  qoe: Type.Optional(QoeSample),
}, { additionalProperties: false });
export type ProgressBody = Static<typeof ProgressBody>;
export type QoeSample = Static<typeof QoeSample>;

export const HistoryQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 24 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });

export const HistoryVideoParams = Type.Object({
  videoId: Type.String({
    pattern: '^[A-Za-z0-9_-]{11}$',
    description: '11-character video id',
    [INVALID_MESSAGE]: 'No video with id "{value}": video ids are 11 characters of letters, digits, - and _. Check the link.',
  }),
});

export const Settings = Type.Object({
  historyPaused: Type.Boolean({ description: 'true: nothing new is added to your watch history (and nothing resumes from it) until turned off again' }),
}, { additionalProperties: false });
export type Settings = Static<typeof Settings>;

export const Rating = Type.Union([Type.Literal('like'), Type.Literal('dislike')]);
export const RatingBody = Type.Object({ value: Rating }, { additionalProperties: false });
export const RatingAnswer = Type.Object({
  likeCount: Type.Integer(),
  myRating: Type.Union([Rating, Type.Null()], { description: 'Your rating now' }),
});

/** The catalog's video shape, passed in so this module does not redefine it. */
export const historyPageOf = <T extends import('@sinclair/typebox').TSchema>(video: T) => Type.Object({
  items: Type.Array(Type.Object({
    video,
    positionSec: Type.Number({ description: 'Where you left off' }),
    watchedAt: Type.String({ format: 'date-time', description: 'When you last watched it' }),
    completed: Type.Boolean({ description: 'Watched past 90 %: it will not resume, it counts as watched' }),
  })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
