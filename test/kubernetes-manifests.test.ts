import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import pg from 'pg';
import { packageRoot } from '../src/platform/paths.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/platform/log.js';
import { createPgBossQueue, type JobQueue } from '../src/platform/queue/index.js';
import type { DatabaseHandle } from '../src/platform/db/index.js';
import { TRANSCODE_QUEUE, TRANSCODE_QUEUE_SETTINGS } from '../src/modules/publishing/index.js';
import { RUNNING_JOBS_SQL, WAITING_JOBS_SQL } from '../src/modules/operations/index.js';
import { createTestDatabase } from './support/databases.js';
import { until } from './support/poll.js';

const DIR = join(packageRoot, 'deploy', 'kubernetes');
const docsOf = (file: string) => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJS());
const one = (file: string) => {
  const [doc, ...rest] = docsOf(file);
  assert.equal(rest.length, 0, `${file} holds one object`);
  return doc;
};

const config = new ConfigMap(one('config.yaml'));
const secret = new Secret(one('secret.example.yaml'));
const api = new Deployment(one('api-deployment.yaml'));
const service = new Service(one('api-service.yaml'));
const hpa = new HorizontalPodAutoscaler(one('api-hpa.yaml'));
const worker = new Deployment(one('worker-deployment.yaml'));
const scaled = new ScaledObject(one('worker-scaledobject.yaml'));

/** The environment a container of `d` starts with: ConfigMap, Secret, then its own env. */
function envOf(d: Deployment): Record<string, string> {
  const c = d.spec!.template.spec!.containers[0]!;
  assert.deepEqual(c.envFrom?.map((e) => e.configMapRef?.name ?? e.secretRef?.name), ['kinema', 'kinema']);
  return { ...config.data, ...secret.stringData, ...Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value!])) };
}

const triggerQuery = (name: string) => {
  const t = scaled.spec!.triggers.find((x) => x.name === name);
  assert.ok(t, `trigger ${name}`);
  assert.equal(t.type, 'postgresql');
  assert.equal(t.metadata.connectionFromEnv, 'DATABASE_URL', 'KEDA connects with the worker container\'s own DATABASE_URL');
  return { query: t.metadata.query!, target: Number(t.metadata.targetQueryValue) };
};

describe('deploy/kubernetes', () => {
  test('every object validates against the Kubernetes and KEDA schemas, and kustomization lists every manifest', () => {
    for (const o of [config, secret, api, service, hpa, worker, scaled]) o.validate();
    const listed = (docsOf('kustomization.yaml')[0] as { resources: string[] }).resources.sort();
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !f.includes('.example.')).sort();
    assert.deepEqual(listed, files);
  });

  test('an invalid object is refused by the same validation (the check can fail)', () => {
    const broken = new Deployment({ ...one('worker-deployment.yaml'), spec: { ...one('worker-deployment.yaml').spec, replicas: 'many' } });
    assert.throws(() => broken.validate());
    const noTriggers = new ScaledObject({ ...one('worker-scaledobject.yaml'), spec: { scaleTargetRef: {} } });
    assert.throws(() => noTriggers.validate());
  });

  test('each role starts with settings Kinema accepts, the role as its command', () => {
    for (const [d, role] of [[api, 'api'], [worker, 'worker']] as const) {
      assert.deepEqual(d.spec!.template.spec!.containers[0]!.args, [role]);
      assert.doesNotThrow(() => loadConfig(envOf(d)), `${role} settings`);
    }
    assert.equal(loadConfig(envOf(api)).uploadStaging, 's3', 'any api pod resumes any upload, so the HPA may move them');
  });

  test('the Service, the HPA and the ScaledObject point at the right Deployments', () => {
    const podLabels = api.spec!.template.metadata!.labels!;
    for (const [k, v] of Object.entries(service.spec!.selector!)) assert.equal(podLabels[k], v);
    const workerLabels = worker.spec!.template.metadata!.labels!;
    assert.ok(Object.entries(service.spec!.selector!).some(([k, v]) => workerLabels[k] !== v), 'workers get no api traffic');
    assert.deepEqual(hpa.spec!.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: api.metadata!.name });
    assert.equal(hpa.spec!.metrics![0]!.resource!.name, 'cpu');
    assert.ok(api.spec!.template.spec!.containers[0]!.resources!.requests!.cpu, 'CPU utilisation needs a request');
    assert.equal(scaled.spec!.scaleTargetRef.name, worker.metadata!.name);
  });

  test("the workers' termination grace covers the worker's own SIGTERM grace, within a spot VM's 30 s notice", () => {
    const graceSec = loadConfig(envOf(worker)).shutdownGraceSec;
    const podGrace = worker.spec!.template.spec!.terminationGracePeriodSeconds!;
    assert.ok(podGrace >= graceSec + 5, `pod grace ${podGrace} s leaves time after the job's ${graceSec} s to hand it back`);
    assert.ok(podGrace <= 30, 'fits the shortest spot preemption notice (GKE)');
    assert.ok(api.spec!.template.spec!.terminationGracePeriodSeconds! >= 2 * loadConfig(envOf(api)).shutdownGraceSec + 5, 'requests, then finished uploads, then pools');
  });

  test('targets: at most 10 waiting transcodes per worker (1, from bench/autoscale), and one pod per running job at WORKER_CONCURRENCY', () => {
    assert.ok(triggerQuery('waiting-transcodes').target <= 10);
    assert.match(readFileSync(join(packageRoot, 'bench', 'autoscale', 'run.ts'), 'utf8'), new RegExp(`DEPLOYED_WAITING_PER_WORKER = ${triggerQuery('waiting-transcodes').target};`), 'the bench replays the deployed target');
    assert.equal(triggerQuery('running-transcodes').target, loadConfig(envOf(worker)).workerConcurrency);
    // The documented statements with the queue inlined: one definition, two places.
    assert.equal(triggerQuery('waiting-transcodes').query, WAITING_JOBS_SQL.replace('$1', `'${TRANSCODE_QUEUE}'`));
    assert.equal(triggerQuery('running-transcodes').query, RUNNING_JOBS_SQL.replace('$1', `'${TRANSCODE_QUEUE}'`));
  });
});

describe("the ScaledObject's queries on a real pg-boss queue (PostgreSQL)", () => {
  let h: DatabaseHandle & { url?: string };
  let q: JobQueue;
  let keda: pg.Client;
  const release: (() => void)[] = [];
  before(async () => {
    h = await createTestDatabase('postgres');
    q = await createPgBossQueue({ sql: h.sql, log: createLogger('silent'), supervise: false });
    // KEDA connects on its own with the connection string: so does this test.
    keda = new pg.Client({ connectionString: h.url });
    await keda.connect();
  });
  after(async () => {
    for (const r of release) r();
    await keda.end();
    await q.stop({ timeoutMs: 1000 });
    await h.close();
  });
  const ask = async (trigger: string) => {
    const r = await keda.query(triggerQuery(trigger).query);
    assert.equal(r.rows.length, 1);
    const values = Object.values(r.rows[0] as object);
    assert.equal(values.length, 1, 'one value, as KEDA requires');
    assert.equal(typeof values[0], 'number', 'an integer, as KEDA requires');
    return values[0] as number;
  };

  test('counts exactly the waiting transcode jobs: not running, completed, failed, delayed until later, nor other queues', async () => {
    await q.define(TRANSCODE_QUEUE, TRANSCODE_QUEUE_SETTINGS);
    await q.define('other', TRANSCODE_QUEUE_SETTINGS);
    assert.equal(await ask('waiting-transcodes'), 0, 'an empty queue counts 0 (not null)');
    await q.work<{ hold: boolean }>(TRANSCODE_QUEUE, { concurrency: 2, pollIntervalSec: 0.2 }, async (job) => {
      if (job.data.hold) await new Promise<void>((r) => release.push(r));
    });
    const done = await q.send(TRANSCODE_QUEUE, { hold: false, videoId: 'done' });
    await until(async () => (await q.getState(TRANSCODE_QUEUE, done!)) === 'completed', 'a completed job');
    const running = [await q.send(TRANSCODE_QUEUE, { hold: true, videoId: 'r1' }), await q.send(TRANSCODE_QUEUE, { hold: true, videoId: 'r2' })];
    await until(async () => (await Promise.all(running.map((id) => q.getState(TRANSCODE_QUEUE, id!)))).every((s) => s === 'active'), 'two running jobs');
    await q.offWork(TRANSCODE_QUEUE);
    const failed = await q.send(TRANSCODE_QUEUE, { hold: false, videoId: 'failed' });
    await h.sql.query(`UPDATE pgboss.job SET state = 'failed' WHERE id = $1`, [failed]);
    // A retry in its backoff, and a fresh job scheduled for later: not takeable yet.
    const backoff = await q.send(TRANSCODE_QUEUE, { hold: false, videoId: 'backoff' });
    await h.sql.query(`UPDATE pgboss.job SET state = 'retry', retry_count = 1, start_after = now() + interval '10 minutes' WHERE id = $1`, [backoff]);
    const later = await q.send(TRANSCODE_QUEUE, { hold: false, videoId: 'later' });
    await h.sql.query(`UPDATE pgboss.job SET start_after = now() + interval '1 hour' WHERE id = $1`, [later]);
    // Waiting: three new uploads, and one retry whose backoff is over.
    for (const v of ['w1', 'w2', 'w3']) await q.send(TRANSCODE_QUEUE, { hold: false, videoId: v });
    const retryDue = await q.send(TRANSCODE_QUEUE, { hold: false, videoId: 'retry-due' });
    await h.sql.query(`UPDATE pgboss.job SET state = 'retry', retry_count = 1, start_after = now() - interval '1 second' WHERE id = $1`, [retryDue]);
    for (let i = 0; i < 5; i++) await q.send('other', { videoId: `o${i}` });

    assert.equal(await ask('waiting-transcodes'), 4);
    assert.equal(await ask('running-transcodes'), 2);
    // What KEDA then asks for: the larger of waiting / target and running / 1.
    const desired = Math.max(
      Math.ceil((await ask('waiting-transcodes')) / triggerQuery('waiting-transcodes').target),
      Math.ceil((await ask('running-transcodes')) / triggerQuery('running-transcodes').target),
    );
    assert.equal(desired, Math.max(Math.ceil(4 / triggerQuery('waiting-transcodes').target), 2));
  });

  test("the waiting count can be answered from pg-boss's fetch index, so its cost follows the backlog, not the queue's history", async () => {
    // With sequential scans priced out, the plan shows whether the index's predicate covers the
    // query at all (on a small table the planner would rightly scan it).
    await keda.query('SET enable_seqscan = off');
    try {
      const plan = (await keda.query(`EXPLAIN ${triggerQuery('waiting-transcodes').query}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(plan, /Index Only Scan using \S*i5\S*|Index Scan using \S*i5\S*|Bitmap Index Scan on \S*i5\S*/, plan);
    } finally {
      await keda.query('RESET enable_seqscan');
    }
  });
});
