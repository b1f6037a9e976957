/** Shapes of the Kinema API's JSON (see GET /api/v1/openapi.json). */
import type { Static } from '@sinclair/typebox';
import type { AdminQoe as AdminQoeSchema, ChannelAnalytics as ChannelAnalyticsSchema, VideoAnalytics as VideoAnalyticsSchema } from '../../src/modules/analytics/schemas.js';
import type { Channel as ChannelSchema, SubscriptionList as SubscriptionListSchema, SubscriptionState as SubscriptionStateSchema } from '../../src/modules/channels/schemas.js';
import type { SearchQuery as SearchQuerySchema } from '../../src/modules/discovery/schemas.js';

export type Visibility = 'public' | 'unlisted' | 'private';
export type VideoStatus = 'awaiting_upload' | 'uploaded' | 'processing' | 'ready' | 'failed';

export interface User {
  id: string;
  username: string;
  email?: string;
  role: 'user' | 'admin';
  createdAt: string;
}

export interface Video {
  id: string;
  title: string;
  description: string;
  tags: string[];
  visibility: Visibility;
  status: VideoStatus;
  progress: number;
  /** /play answers with a stream: ready, or still processing with its first segments published. */
  isPlayable: boolean;
  failureReason: string | null;
  /** For a failed video: whether processing it again can help (false: the file itself is the problem). */
  failureRetryable: boolean | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  owner: { id: string; username: string };
  viewCount: number;
  /** Likes (dislikes are never shown). */
  likeCount: number;
  /** In GET /videos/:id for a signed-in caller. */
  myRating?: Rating | null;
  posterUrl: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  uploadUrl?: string;
}

export interface VideoList {
  items: Video[];
  nextCursor: string | null;
}

export interface Rendition {
  label: string;
  width: number;
  height: number;
  bandwidth: number;
  url: string;
}

/** 200 reply of GET /api/v1/videos/:id/play. */
export interface PlayInfo {
  videoId: string;
  title: string;
  description: string;
  duration: number;
  hlsManifest: string;
  renditions: Rendition[];
  /** A rendition label (e.g. "360p"); tolerated as an index or a rendition object too. */
  recommendedRendition?: string | number | Partial<Rendition> | null;
  posterUrl: string | null;
  storyboardUrl: string | null;
  /** For a signed-in viewer who left this video between 5 % and 90 %: where they stopped. */
  resumeAtSec?: number | null;
  /** Still being encoded: growing (EVENT) playlists, played from the start while the rest arrives. */
  processing?: boolean;
}

export type Rating = 'like' | 'dislike';

export interface RatingAnswer {
  likeCount: number;
  myRating: Rating | null;
}

/** One entry of GET /api/v1/me/history. */
export interface HistoryItem {
  video: Video;
  positionSec: number;
  watchedAt: string;
  /** Watched past 90 %: it will not resume. */
  completed: boolean;
}

export interface HistoryPage {
  items: HistoryItem[];
  nextCursor: string | null;
}

export interface Settings {
  historyPaused: boolean;
}

// The analytics answers, derived from the server's schemas (type-only: nothing of the server is bundled).
export type VideoAnalytics = Static<typeof VideoAnalyticsSchema>;
export type ChannelAnalytics = Static<typeof ChannelAnalyticsSchema>;
export type AdminQoe = Static<typeof AdminQoeSchema>;
export type Qoe = VideoAnalytics['qoe'];

// Discovery and channels, derived from the server's schemas the same way.
export type Channel = Static<typeof ChannelSchema>;
export type SubscriptionState = Static<typeof SubscriptionStateSchema>;
export type SubscriptionList = Static<typeof SubscriptionListSchema>;
/** GET /api/v1/channels/:username: the profile and a page of its videos, newest first. */
export interface ChannelPage extends VideoList {
  channel: Channel;
}
export type SearchSort = Static<typeof SearchQuerySchema>['sort'];
export type DurationFilter = NonNullable<Static<typeof SearchQuerySchema>['duration']>;
export type UploadedFilter = NonNullable<Static<typeof SearchQuerySchema>['uploaded']>;
export interface SearchParams {
  q: string;
  sort?: SearchSort;
  duration?: DurationFilter;
  uploaded?: UploadedFilter;
  limit?: number;
  cursor?: string;
}
/** A list without paging (related videos, recommendations) or with it (trending). */
export interface VideoItems {
  items: Video[];
  nextCursor?: string | null;
}
