import type { FastifyReply } from 'fastify';
import type { HttpServer } from '../../platform/http/server.js';
import { responses } from '../../platform/http/schemas.js';
import { readClientHints } from './rendition-choice.js';
import { PlayFailed, PlayPending, PlayQuery, PlayReady, VideoIdParams } from './schemas.js';
import type { PlayResult } from './service.js';
import { isSharedAnswer, type PlayAnswers, type SerializePlayback } from './play-answers.js';

// Chromium sends these only to origins that asked for them (and only over HTTPS), from the next
// request on; the first play uses the User-Agent alone.
const ACCEPT_CH = 'Downlink, ECT, Save-Data';
const VARY = 'User-Agent, Sec-CH-UA-Mobile, Save-Data, Downlink, ECT';

/** `GET /api/v1/videos/:id/play`: the player's entry point. */
export function registerPlayRoutes(app: HttpServer, answers: PlayAnswers) {
  app.get('/api/v1/videos/:id/play', {
    // A HEAD would record a play (link checkers, prefetchers): only GET plays.
    exposeHeadRoute: false,
    schema: {
      tags: ['playback'],
      summary: 'Where to stream a video from: HLS manifest, renditions, poster, storyboard. To its owner and admins: 202 while processing, 422 with the reason once failed; to anyone else a video that is not ready is a 404',
      params: VideoIdParams,
      querystring: PlayQuery,
      response: responses({ 200: PlayReady, 202: PlayPending, 422: PlayFailed }, [400, 401, 404]),
    },
  }, async (req, reply) => {
    const result = await answers.answer(req.params.id, req.principal, readClientHints(req.headers, req.query), playbackSerializer(reply), { quality: req.query.quality });
    // Every answer is per viewer (signed URLs, hints, resume point) and records a play: no cache
    // may answer in our place. A client that revalidates an anonymous answer may get a 304.
    reply.header('cache-control', 'no-store').header('accept-ch', ACCEPT_CH).header('vary', VARY);
    if (isSharedAnswer(result)) {
      if (result.etag) {
        reply.header('etag', result.etag);
        if (req.headers['if-none-match'] === result.etag) return reply.status(304).send();
      }
      return reply.type('application/json; charset=utf-8').send(result.json);
    }
    const answer = playAnswer(result);
    return reply.status(answer.status).headers(answer.headers).send(answer.body);
  });
}

/** The ready answer's serialiser as the play route's response schema compiles it (once per route). */
export function playbackSerializer(reply: FastifyReply): SerializePlayback {
  const serialize = reply.compileSerializationSchema(PlayReady, '200');
  return (playback) => serialize(playback as unknown as Record<string, unknown>);
}

/** The HTTP answer for a play result: shared by the play API and the server-rendered watch page. */
export function playAnswer(result: PlayResult): { status: number; headers: Record<string, string>; body: unknown } {
  switch (result.kind) {
    case 'ready':
      return { status: 200, headers: {}, body: result.playback };
    case 'pending':
      return { status: 202, headers: { 'retry-after': '5' }, body: { status: result.status, progress: result.progress } };
    case 'failed':
      return {
        status: 422,
        headers: {},
        body: {
          status: 'failed' as const,
          failureReason: result.failureReason,
          error: { code: 'VIDEO_FAILED', message: `This video could not be processed: ${result.failureReason}` },
        },
      };
  }
}
