import { Type } from '@sinclair/typebox';
import type { HttpServer } from './server.js';

/** How long one round of checks answers /health (a load balancer polls every few seconds). */
const HEALTH_SHARE_MS = 1000;

export type HealthCheck = () => Promise<'ok' | 'degraded' | 'down'>;

/**
 * `GET /health`: 200 while the node can serve (every component ok, or some degraded, e.g. Redis
 * away while the database answers), 503 when a component it cannot work without is down.
 */
export function registerHealthRoute(app: HttpServer, checks: Record<string, HealthCheck>, info: Record<string, string>) {
  const names = Object.keys(checks);
  const runChecks = () =>
    Promise.all(
      names.map((n) =>
        Promise.race([
          checks[n]!().catch(() => 'down' as const),
          new Promise<'down'>((r) => setTimeout(() => r('down'), 3000).unref()),
        ]),
      ),
    );
  // One round of checks answers every /health asked within a second of its start: a load balancer
  // or an uptime checker polling hard costs at most one database query and one store listing per
  // second (bench/http: unshared, the checks held /health at a tenth of bare Fastify).
  let shared: { startedMs: number; results: ReturnType<typeof runChecks> } | undefined;
  const checkAll = () => {
    const now = Date.now();
    if (!shared || now - shared.startedMs >= HEALTH_SHARE_MS) shared = { startedMs: now, results: runChecks() };
    return shared.results;
  };

  // Liveness, for a supervisor deciding whether to restart the process: it answers whatever the
  // dependencies do. Restarting every node because the database restarted would turn a blip
  // into an outage; /health (readiness) is what takes a node out of a load balancer.
  app.get('/health/live', {
    schema: { tags: ['ops'], summary: 'Liveness: the process serves requests', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/health', {
    schema: {
      tags: ['ops'],
      summary: 'Liveness and component status',
      response: {
        200: Type.Object({ status: Type.String(), components: Type.Record(Type.String(), Type.String()) }, { additionalProperties: true }),
        503: Type.Object({ status: Type.String(), components: Type.Record(Type.String(), Type.String()) }, { additionalProperties: true }),
      },
    },
  }, async (_req, reply) => {
    const results = await checkAll();
    const components = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
    const status = results.includes('down') ? 'down' : results.includes('degraded') ? 'degraded' : 'ok';
    if (status === 'down') reply.header('retry-after', '5');
    return reply.status(status === 'down' ? 503 : 200).send({ status, components, ...info });
  });
}
