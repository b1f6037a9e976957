import type { AdminQoe, ChannelAnalytics, ChannelPage, HistoryPage, SearchParams, SubscriptionList, SubscriptionState, VideoItems, PlayInfo, Rating, RatingAnswer, Settings, User, Video, VideoAnalytics, VideoList, Visibility } from './types.js';

/**
 * The Kinema API from the browser. Same origin, so the HttpOnly session cookie authenticates;
 * no token ever touches JavaScript storage. Every failure becomes an ApiError whose message is
 * the server's human sentence (or ours for network failures), ready to show.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** Whether the same request may succeed later: no answer, a timeout, rate limit or server error. A 4xx will not. */
  get isRetryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export const NETWORK_MESSAGE = 'Could not reach Kinema. Check your connection and try again.';

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
}

/** Turn a non-2xx Response into an ApiError with the server's message. */
export async function errorFrom(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body?.error?.message) return new ApiError(res.status, body.error.code ?? 'ERROR', body.error.message);
  } catch {
    // Not JSON (a proxy's error page): fall through to a generic message with the status.
  }
  return new ApiError(res.status, 'HTTP_' + res.status, `The server answered ${res.status} ${res.statusText}. Try again in a moment.`);
}

/** fetch that reports network failures as ApiError(0, 'NETWORK'). Aborts are rethrown as is. */
export async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', NETWORK_MESSAGE);
  }
}

/** JSON request; resolves with the parsed body, rejects with ApiError. */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts);
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface SessionReply {
  user: User;
}

export const api = {
  signup: (body: { username: string; email: string; password: string }) => request<SessionReply>('POST', '/api/v1/auth/signup', { body }),
  login: (body: { username: string; password: string }) => request<SessionReply>('POST', '/api/v1/auth/login', { body }),
  logout: () => request<void>('POST', '/api/v1/auth/logout'),
  me: (signal?: AbortSignal) => request<User>('GET', '/api/v1/me', { signal }),

  listVideos: (query: { sort?: 'newest' | 'popular'; owner?: string; limit?: number; cursor?: string }, signal?: AbortSignal) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return request<VideoList>('GET', `/api/v1/videos?${params}`, { signal });
  },
  getVideo: (id: string, signal?: AbortSignal) => request<Video>('GET', `/api/v1/videos/${encodeURIComponent(id)}`, { signal }),
  createVideo: (body: { title: string; description?: string; tags?: string[]; visibility: Visibility }) => request<Video>('POST', '/api/v1/videos', { body }),
  updateVideo: (id: string, body: Partial<Pick<Video, 'title' | 'description' | 'visibility' | 'tags'>>) =>
    request<Video>('PATCH', `/api/v1/videos/${encodeURIComponent(id)}`, { body }),
  deleteVideo: (id: string) => request<void>('DELETE', `/api/v1/videos/${encodeURIComponent(id)}`),
  reprocessVideo: (id: string) => request<{ status: 'uploaded' }>('POST', `/api/v1/videos/${encodeURIComponent(id)}/reprocess`),

  rate: (id: string, value: Rating) => request<RatingAnswer>('PUT', `/api/v1/videos/${encodeURIComponent(id)}/rating`, { body: { value } }),
  unrate: (id: string) => request<RatingAnswer>('DELETE', `/api/v1/videos/${encodeURIComponent(id)}/rating`),

  history: (query: { limit?: number; cursor?: string }, signal?: AbortSignal) => request<HistoryPage>('GET', `/api/v1/me/history?${searchParams(query)}`, { signal }),
  removeFromHistory: (videoId: string) => request<void>('DELETE', `/api/v1/me/history/${encodeURIComponent(videoId)}`),
  clearHistory: () => request<void>('DELETE', '/api/v1/me/history'),
  settings: (signal?: AbortSignal) => request<Settings>('GET', '/api/v1/me/settings', { signal }),
  updateSettings: (body: Partial<Settings>) => request<Settings>('PUT', '/api/v1/me/settings', { body }),

  videoAnalytics: (id: string, days: number, signal?: AbortSignal) => request<VideoAnalytics>('GET', `/api/v1/videos/${encodeURIComponent(id)}/analytics?days=${days}`, { signal }),
  channelAnalytics: (days: number, signal?: AbortSignal) => request<ChannelAnalytics>('GET', `/api/v1/me/analytics?days=${days}`, { signal }),
  adminQoe: (days: number, signal?: AbortSignal) => request<AdminQoe>('GET', `/api/v1/admin/qoe?days=${days}`, { signal }),

  search: (query: SearchParams, signal?: AbortSignal) => request<VideoList>('GET', `/api/v1/search?${searchParams({ ...query })}`, { signal }),
  suggestions: (q: string, signal?: AbortSignal) => request<{ items: string[] }>('GET', `/api/v1/search/suggestions?${searchParams({ q })}`, { signal }),
  trending: (limit: number, signal?: AbortSignal) => request<VideoItems>('GET', `/api/v1/trending?limit=${limit}`, { signal }),
  related: (id: string, limit: number, signal?: AbortSignal) => request<VideoItems>('GET', `/api/v1/videos/${encodeURIComponent(id)}/related?limit=${limit}`, { signal }),
  recommendations: (limit: number, signal?: AbortSignal) => request<VideoItems>('GET', `/api/v1/recommendations?limit=${limit}`, { signal }),

  channel: (username: string, query: { limit?: number; cursor?: string }, signal?: AbortSignal) =>
    request<ChannelPage>('GET', `/api/v1/channels/${encodeURIComponent(username)}?${searchParams(query)}`, { signal }),
  subscribe: (username: string) => request<SubscriptionState>('PUT', `/api/v1/channels/${encodeURIComponent(username)}/subscription`),
  unsubscribe: (username: string) => request<SubscriptionState>('DELETE', `/api/v1/channels/${encodeURIComponent(username)}/subscription`),
  subscriptions: (query: { limit?: number; cursor?: string }, signal?: AbortSignal) => request<SubscriptionList>('GET', `/api/v1/me/subscriptions?${searchParams(query)}`, { signal }),
  feed: (query: { limit?: number; cursor?: string }, signal?: AbortSignal) => request<VideoList>('GET', `/api/v1/me/feed?${searchParams(query)}`, { signal }),
};

function searchParams(query: Record<string, string | number | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  return params;
}

/** The play endpoint's answers, one variant per state the watch page shows. */
export type PlayResult =
  | { kind: 'ready'; play: PlayInfo }
  | { kind: 'processing'; status: string; progress: number }
  | { kind: 'failed'; failureReason: string }
  | { kind: 'not-found'; message: string };

/** Read a GET /videos/:id/play Response (from our fetch or the early one in index.html). */
export async function readPlayResponse(res: Response): Promise<PlayResult> {
  if (res.status === 200) return { kind: 'ready', play: (await res.json()) as PlayInfo };
  if (res.status === 202) {
    const body = (await res.json()) as { status: string; progress?: number };
    return { kind: 'processing', status: body.status, progress: body.progress ?? 0 };
  }
  if (res.status === 422) {
    const body = (await res.json().catch(() => ({}))) as { failureReason?: string; error?: { message?: string } };
    return { kind: 'failed', failureReason: body.failureReason ?? body.error?.message ?? 'Processing failed.' };
  }
  // 400: a malformed id in the link; for a viewer that is the same as a video that is not there.
  if (res.status === 404 || res.status === 400) return { kind: 'not-found', message: (await errorFrom(res)).message };
  throw await errorFrom(res);
}

/** GET the play response; `path` comes from bandwidth-memory's playPath (adds ?bandwidth=). */
export async function fetchPlay(path: string, signal?: AbortSignal): Promise<PlayResult> {
  return readPlayResponse(await send('GET', path, { signal }));
}
