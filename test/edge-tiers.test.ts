import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { assertNginxInstalled, nginxTest, startTier, type Edge } from './support/nginx.js';
import { readyVideo } from './support/delivery.js';
import { until } from './support/poll.js';
import { freePort, tempDir } from './support/services.js';
import { packageRoot } from '../src/platform/paths.js';
import { cacheDirProblem, renderEdgeConfig } from '../src/modules/delivery/index.js';

const TOKEN_SCRIPT = join(packageRoot, 'deploy', 'nginx', 'kinema-token.js');
const kinema = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli.ts'), ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });

/** How many /media/* requests the origin has answered so far (from its Prometheus metrics). */
async function originMediaRequests(app: TestApp): Promise<number> {
  const text = await fetch(`${app.metricsUrl}/metrics`).then((r) => r.text());
  return [...text.matchAll(/kinema_http_requests_total\{method="GET",route="\/media\/\*",status="\d+"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('edge-config renders configs nginx accepts', () => {
  test('edge and shield, with every flag, pass nginx -t', async () => {
    assertNginxInstalled();
    const dir = await tempDir('kinema-edge-conf-');
    await chmod(dir, 0o755); // nobody must get through to the cache directories
    for (const role of ['edge', 'shield'] as const) {
      const run = join(dir, role);
      await mkdir(run, { recursive: true });
      const r = kinema([
        'edge-config', '--role', role, '--origin', '127.0.0.1:9', '--origin', '[::1]:9', '--backup-origin', 'localhost:9',
        '--listen', '127.0.0.1:9000', '--cache-dir', join(run, 'cache'), '--max-size', '2g', '--keys-zone', '16m',
        '--run-dir', run, '--user', 'nobody', '--max-upstream-conns', '64', '--api-rate', '50', '--trust-proxy', '10.0.0.0/8',
        '--purge-from', '10.1.0.0/16', '--lock-timeout', '5', '--verify-tokens', '--token-script', TOKEN_SCRIPT,
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /listen 127\.0\.0\.1:9000;/);
      assert.match(r.stdout, /server localhost:9 .*backup;/);
      assert.match(r.stdout, new RegExp(`pid ${run}/nginx.pid;`));
      assert.match(r.stdout, /^user nobody \w+;$/m);
      assert.equal(/limit_req zone/.test(r.stdout), role === 'edge', 'limit_req only at the edge');
      const conf = join(run, 'nginx.conf');
      await writeFile(conf, r.stdout);
      const t = nginxTest(conf, run);
      assert.ok(t.ok, t.output);
    }
  });

  test('a cache directory nginx workers cannot write is refused before a config is printed', async () => {
    const dir = await tempDir('kinema-edge-closed-');
    await chmod(dir, 0o755);
    const closed = join(dir, 'cache');
    await mkdir(closed, { mode: 0o700 });
    await chmod(closed, 0o700);
    if (process.getuid?.() === 0) {
      // As root, nginx runs its workers as nobody, who cannot write a root-owned 0700 directory.
      assert.match(cacheDirProblem(closed, 'nobody') ?? '', /cannot write to .*every request would be a cache MISS/);
      const r = kinema(['edge-config', '--cache-dir', closed, '--user', 'nobody']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /nginx's workers \(running as nobody\) cannot write to .* chown -R nobody/);
      assert.equal(r.stdout, '');
      assert.equal(kinema(['edge-config', '--cache-dir', closed, '--user', 'nobody', '--skip-dir-check']).status, 0);
      await chmod(closed, 0o777);
    }
    assert.equal(cacheDirProblem(closed, 'nobody'), undefined);
    assert.equal(cacheDirProblem(join(dir, 'not-yet', 'cache'), 'nobody'), undefined, 'nginx creates a missing directory for its workers');
  });
});

describe('three edges in front of one shield in front of the origin', () => {
  const secret = randomBytes(32).toString('hex');
  let app: TestApp;
  let shield: Edge;
  let edges: Edge[];
  before(async () => {
    app = await startTestApp({ env: { MEDIA_SIGNING_SECRET: secret } });
    shield = await startTier({ role: 'shield', origins: [new URL(app.url).host], tokenScript: TOKEN_SCRIPT, signingSecret: secret });
    edges = await Promise.all([1, 2, 3].map(() => startTier({ role: 'edge', origins: [shield.host], tokenScript: TOKEN_SCRIPT, signingSecret: secret })));
  });
  after(async () => {
    await Promise.all([...(edges ?? []), shield].map((t) => t?.stop()));
    await app?.close();
  });

  test('a cold burst through every edge costs the origin one fetch per object', async () => {
    const u = await signUp(app, 'burst');
    const { prefix } = await readyVideo(app, u.token, 'public');
    const master = await fetch(`${app.url}/${prefix}master.m3u8`).then((r) => r.text());
    const rung = master.split('\n').find((l) => l && !l.startsWith('#'))!;
    const rungDir = rung.replace(/index\.m3u8$/, '');
    const playlist = await fetch(`${app.url}/${prefix}${rung}`).then((r) => r.text());
    const segment = playlist.split('\n').find((l) => l.endsWith('.m4s'))!;
    const objects = ['master.m3u8', rung, `${rungDir}init.mp4`, `${rungDir}${segment}`];
    const before = await originMediaRequests(app);
    // 10 players per edge ask for every object at once, with query strings the origin ignores.
    const answers = await Promise.all(
      edges.flatMap((edge) => objects.flatMap((o) => Array.from({ length: 10 }, (_, i) => fetch(`${edge.url}/${prefix}${o}?player=${i}`).then(async (r) => ({ status: r.status, cache: r.headers.get('x-cache-status'), bytes: (await r.arrayBuffer()).byteLength }))))),
    );
    assert.ok(answers.every((a) => a.status === 200 && a.bytes > 0));
    // Marker: a request straight to the origin, after every burst request has been answered.
    await fetch(`${app.url}/${prefix}master.m3u8`).then((r) => r.arrayBuffer());
    const after = await until(async () => {
      const n = await originMediaRequests(app);
      return n >= before + objects.length + 1 && n;
    }, 'the origin to count the burst and the marker');
    assert.equal(after - before - 1, objects.length, 'one origin fetch per object for 3 edges x 10 players');
    // Afterwards every edge serves every object from its own cache.
    for (const edge of edges) {
      for (const o of objects) {
        const r = await fetch(`${edge.url}/${prefix}${o}?other=query`);
        assert.equal(r.headers.get('x-cache-status'), 'HIT', `${o} at ${edge.url}`);
        await r.arrayBuffer();
      }
    }
  });

  test('the shield checks private-media tokens too, and never stores private media', async () => {
    const u = await signUp(app, 'privy');
    const { id } = await readyVideo(app, u.token, 'private');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`, { token: u.token });
    const signedPath = new URL(play.body.hlsManifest, app.url).pathname;
    const forged = signedPath.replace(/(\/media\/s\/\d+\.)[A-Za-z0-9_-]{43}/, `$1${'B'.repeat(43)}`);
    const atShield = await fetch(`${shield.url}${forged}`);
    assert.equal(atShield.status, 403);
    assert.equal(atShield.headers.get('x-kinema-edge'), 'denied');
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${edges[0]!.url}${signedPath}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-cache-status'), null, 'private media skips the cache at every tier');
      await r.arrayBuffer();
    }
    const log = await until(async () => {
      const text = await shield.accessLog();
      return text.split('\n').filter((l) => l.includes(`/media/s/`) && l.includes(' 200 ')).length >= 2 && text;
    }, 'the shield to log both private requests');
    assert.ok(!/\/media\/s\/.* 200 .* (HIT|MISS)$/m.test(log), 'the shield never cached a private object');
  });
});

describe('origin protection and failover', () => {
  let echo: Server;
  let echoHost: string;
  const seen: { path: string; xff: string | undefined }[] = [];
  const tiers: Edge[] = [];
  before(async () => {
    // A stand-in api node that records what each request says about its client.
    echo = createServer((req, res) => {
      seen.push({ path: req.url ?? '', xff: req.headers['x-forwarded-for'] as string | undefined });
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=31536000, immutable' }).end(`object ${req.url}`);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoHost = `127.0.0.1:${(echo.address() as { port: number }).port}`;
  });
  after(async () => {
    await Promise.all(tiers.map((t) => t.stop()));
    await new Promise((r) => echo.close(r));
  });

  test('the edge states the client address itself: a forged X-Forwarded-For never reaches the api', async () => {
    const shield = await startTier({ role: 'shield', origins: [echoHost] });
    const edge = await startTier({ role: 'edge', origins: [shield.host] });
    tiers.push(shield, edge);
    const r = await fetch(`${edge.url}/api/v1/whoami-${randomBytes(4).toString('hex')}`, { headers: { 'x-forwarded-for': '6.6.6.6' } });
    assert.equal(r.status, 200);
    const path = new URL(r.url).pathname;
    const got = seen.find((s) => s.path === path);
    // The edge wrote the client (127.0.0.1), the shield appended the edge (127.0.0.1).
    assert.equal(got?.xff, '127.0.0.1, 127.0.0.1');
  });

  test('API requests beyond the per-address rate are refused at the edge with 429', async () => {
    const edge = await startTier({ role: 'edge', origins: [echoHost], apiRatePerSec: 2 });
    tiers.push(edge);
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => fetch(`${edge.url}/api/v1/storm?i=${i}`).then(async (r) => (await r.arrayBuffer(), r.status))));
    assert.ok(statuses.includes(200));
    assert.ok(statuses.filter((s) => s === 429).length >= 30, `most of a 60-request storm is refused: ${statuses.join(',')}`);
    // Media is not rate limited.
    assert.equal((await fetch(`${edge.url}/media/abc/v1/master.m3u8`)).status, 200);
  });

  test('with the only origin down, the backup origin answers', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const shield = await startTier({ role: 'shield', origins: [dead], backupOrigins: [echoHost] });
    tiers.push(shield);
    const r = await fetch(`${shield.url}/media/fail/v1/seg_00001.m4s`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'object /media/fail/v1/seg_00001.m4s');
  });

  test("the web app's hashed files are kept at the edge; pages only when the origin says so (X-Accel-Expires)", async () => {
    const edge = await startTier({ role: 'edge', origins: [echoHost] });
    tiers.push(edge);
    const asset = `/assets/watch-${randomBytes(4).toString('hex')}.js`;
    const page = `/watch/${randomBytes(4).toString('hex')}`;
    const statuses: (string | null)[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${edge.url}${asset}`);
      assert.equal(await r.text(), `object ${asset}`);
      statuses.push(r.headers.get('x-cache-status'));
      // This origin marks everything immutable, which a page's tier cache ignores (edge-watch-page.test.ts).
      assert.equal((await fetch(`${edge.url}${page}`).then((p) => (p.arrayBuffer(), p.headers.get('x-cache-status')))), 'MISS');
    }
    assert.deepEqual(statuses, ['MISS', 'HIT']);
    assert.equal(seen.filter((s) => s.path === asset).length, 1, 'one origin fetch for the asset');
    assert.equal(seen.filter((s) => s.path === page).length, 2, 'every page request reaches the origin');
  });

  test('a listen address with a host renders as one (not listen NaN)', () => {
    const conf = renderEdgeConfig({ origins: [echoHost], listen: '127.0.0.1:9000', cacheDir: '/tmp/x', maxCacheSize: '1g' });
    assert.match(conf, /listen 127\.0\.0\.1:9000;/);
    assert.throws(() => renderEdgeConfig({ origins: [echoHost], listen: '127.0.0.1:99999', cacheDir: '/tmp/x', maxCacheSize: '1g' }));
  });
});
