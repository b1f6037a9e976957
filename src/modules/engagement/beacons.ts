import { createHash } from 'node:crypto';
import { isbot } from 'isbot';
import { badRequest } from '../../platform/errors.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import { BEACON_EVENT, mergeRanges, type BeaconProps, type EventRecorder } from '../analytics/index.js';
import type { CatalogService } from '../catalog/index.js';
import { browserFamily } from './browser.js';
import type { createBeaconLimits } from './beacon-limits.js';
import type { QoeMetrics } from './qoe-metrics.js';
import type { ProgressBody } from './schemas.js';
import { reachesView } from './view-rule.js';

/** What the batch hook needs about a beacon besides what is stored. */
export interface BeaconTransient {
  /** Whether this beacon's session has played enough for a view, by someone who may count one. */
  isViewCandidate: boolean;
  /** `u:<userId>`, or `a:<hash of address and session>`: addresses are never stored. */
  viewerKey: string;
}

export interface BeaconIntakeDeps {
  catalog: Pick<CatalogService, 'getVisible'>;
  recorder: Pick<EventRecorder, 'recordEvent'>;
  limits: ReturnType<typeof createBeaconLimits>;
  metrics?: QoeMetrics;
  /** The MEDIA_BASE_URL host, the edge a session is attributed to when its player names none. */
  defaultEdge: string;
}

const hashViewer = (address: string, sessionId: string) =>
  `a:${createHash('sha256').update(`${address}\u0000${sessionId}`).digest('base64url').slice(0, 22)}`;

/**
 * Accepts a watch beacon: checks it, decides what it may count for, and queues it on the one
 * append path. Nothing here writes to the database; the batch hook does, a second later, for
 * many beacons at once.
 */
export function createBeaconIntake(deps: BeaconIntakeDeps) {
  return async function acceptBeacon(
    videoId: string,
    principal: RequestPrincipal | null,
    body: ProgressBody,
    client: { address: string; userAgent: string | undefined },
  ): Promise<void> {
    body.played.forEach(([s, e], i) => {
      if (e < s) throw badRequest('INVALID_PLAYED_RANGE', `played[${i}] ends before it starts (${e} < ${s}): each range is [startSec, endSec] with startSec ≤ endSec, as video.played gives them.`);
    });
    try {
      deps.limits.admit(client.address, body.sessionId, videoId);
    } catch (err) {
      deps.metrics?.beacon('limited');
      throw err;
    }
    const video = await deps.catalog.getVisible(videoId, principal);
    const played = mergeRanges(body.played, video.duration);
    const u = played.reduce((sum, [s, e]) => sum + (e - s), 0);
    // No real browser omits its User-Agent.
    const isBot = !client.userAgent || isbot(client.userAgent);
    const isOwner = principal?.userId === video.userId;
    const props: BeaconProps = {
      pos: video.duration ? Math.min(body.positionSec, video.duration) : body.positionSec,
      played, u: Math.round(u * 1000) / 1000,
      ...(body.state ? { state: body.state } : {}),
      ...(body.qoe ? { qoe: body.qoe } : {}),
      browser: browserFamily(client.userAgent),
      edge: body.qoe?.edgeHost ?? deps.defaultEdge,
      ...(isBot ? { bot: true as const } : {}),
      ...(isOwner ? { owner: true as const } : {}),
    };
    const transient: BeaconTransient = {
      isViewCandidate: !isBot && !isOwner && reachesView(u, video.duration ?? 0),
      viewerKey: principal ? `u:${principal.userId}` : hashViewer(client.address, body.sessionId),
    };
    deps.recorder.recordEvent({ type: BEACON_EVENT, videoId, userId: principal?.userId ?? null, sessionId: body.sessionId, props: props as unknown as Record<string, unknown>, transient: transient as unknown as Record<string, unknown> });
    deps.metrics?.beacon(isBot ? 'bot' : 'accepted');
    if (!isBot) deps.metrics?.observe(`${body.sessionId}|${videoId}`, body.qoe);
  };
}

export type AcceptBeacon = ReturnType<typeof createBeaconIntake>;
