import type { ColumnType, Generated } from 'kysely';

/** Table types as Kysely sees them (camelCase: CamelCasePlugin maps to snake_case columns). */
export interface UsersTable {
  userId: string;
  username: string;
  email: string;
  passwordHash: string;
  role: Generated<'user' | 'admin'>;
  createdAt: Generated<Date>;
}

export interface SessionsTable {
  tokenHash: string;
  userId: string;
  createdAt: Generated<Date>;
  expiresAt: Date;
  revokedAt: Date | null;
}

export type VideoStatus = 'awaiting_upload' | 'uploaded' | 'processing' | 'ready' | 'failed';
export type Visibility = 'public' | 'unlisted' | 'private';

export interface VideosTable {
  videoId: string;
  userId: string;
  title: string;
  description: Generated<string>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  visibility: Visibility;
  status: Generated<VideoStatus>;
  failureReason: string | null;
  /** migrations/005: whether processing a failed video again can help (false: the file is the problem). */
  failureRetryable: Generated<boolean>;
  progress: Generated<number>;
  duration: number | null;
  width: number | null;
  height: number | null;
  originalFilename: string | null;
  originalSizeBytes: number | null;
  currentVersion: string | null;
  jobId: ColumnType<string | null, string | null | undefined, string | null>;
  jobHeartbeatAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** migrations/004: when the original reached the object store (NULL while the hand-off runs). */
  originalStoredAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** migrations/004: fencing token of the transcode attempt that holds the video. */
  leaseToken: ColumnType<string | null, string | null | undefined, string | null>;
  /** migrations/014: when the original moved to the cold tier (NULL: hot). */
  originalColdAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** migrations/014: the version being published while it encodes (playable, still growing), or NULL. */
  liveVersion: ColumnType<string | null, string | null | undefined, string | null>;
  /** migrations/014: the play API's facts about `liveVersion` (a LivePlayback as JSON), or NULL. */
  livePlayback: ColumnType<unknown, string | null | undefined, string | null>;
  viewCount: Generated<number>;
  /** migrations/007: likes shown on the video; dislikes feed ranking only. bigint: read back as a string. */
  likeCount: ColumnType<number, never, never>;
  dislikeCount: ColumnType<number, never, never>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  processedAt: Date | null;
}

export interface VideoVersionsTable {
  videoId: string;
  version: string;
  masterPath: string;
  renditions: ColumnType<unknown, string, string>;
  hasAudio: boolean;
  posterPath: string | null;
  storyboardPath: string | null;
  duration: number;
  workerId: string | null;
  createdAt: Generated<Date>;
  /** migrations/004: when a newer version replaced it (served until the grace period ends). */
  supersededAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** migrations/014_rendition_pruning: the rungs this version left out (jsonb, NULL for a full ladder). */
  prunedRenditions: ColumnType<unknown, string | null | undefined, string | null>;
}

/** `media_cleanup` (migrations/004): version prefixes to delete once due. */
export interface MediaCleanupTable {
  videoId: string;
  version: string;
  leaseToken: string | null;
  dueAt: Date;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  videos: VideosTable;
  videoVersions: VideoVersionsTable;
}

/** `events` (migrations/002_analytics.sql): analytics events, written in batches. */
export interface EventsTable {
  /** bigint identity; pg hands bigints back as strings. */
  id: Generated<string>;
  type: string;
  videoId: string | null;
  userId: string | null;
  sessionId: string | null;
  occurredAt: ColumnType<Date, Date | undefined, never>;
  /** jsonb: written as a JSON string, read back parsed. */
  props: ColumnType<Record<string, unknown>, string | undefined, never>;
}

// Declaration merging keeps the table list above untouched while adding the analytics tables.
export interface Database {
  events: EventsTable;
  mediaCleanup: MediaCleanupTable;
}

/** `quota_ledger` (migrations/006): what each user created and declared to upload, for the daily quotas. */
export interface QuotaLedgerTable {
  videoId: string;
  userId: string;
  createdAt: Generated<Date>;
  /** bigint: pg hands it back as a string. */
  uploadBytes: ColumnType<string | null, number | null | undefined, number | null>;
  uploadAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface Database {
  quotaLedger: QuotaLedgerTable;
}

/** migrations/007: the view rule's memory of who already counted a view. */
export interface ViewMarksTable {
  videoId: string;
  viewerKey: string;
  countedAt: Date;
}

/** migrations/007: watch history, keyed like a wide-column store (user, month bucket, video). */
export interface WatchHistoryTable {
  userId: string;
  /** The UTC month's first day; pg hands a date back as a Date at local midnight, so we write 'YYYY-MM-01'. */
  bucket: ColumnType<Date, string, string>;
  videoId: string;
  watchedAt: Date;
  progressSeconds: number;
}

export interface UserSettingsTable {
  userId: string;
  historyPaused: Generated<boolean>;
}

export interface VideoRatingsTable {
  videoId: string;
  userId: string;
  /** 1 like, -1 dislike. */
  value: number;
  ratedAt: Generated<Date>;
}

/** migrations/007: rollups by video and hour. */
export interface VideoHourlyTable {
  videoId: string;
  hour: Date;
  views: number;
  sessions: number;
  watchTimeSec: number;
  retention: number[];
  qoe: ColumnType<Record<string, unknown>, string, string>;
}

export interface QoeHourlyTable {
  hour: Date;
  dim: string;
  key: string;
  qoe: ColumnType<Record<string, unknown>, string, string>;
}

export interface RollupStateTable {
  name: string;
  doneThrough: Date;
}

export interface Database {
  viewMarks: ViewMarksTable;
  watchHistory: WatchHistoryTable;
  userSettings: UserSettingsTable;
  videoRatings: VideoRatingsTable;
  videoHourly: VideoHourlyTable;
  qoeHourly: QoeHourlyTable;
  rollupState: RollupStateTable;
}
