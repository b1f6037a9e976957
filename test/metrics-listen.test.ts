import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestApp } from './support/app.js';

test('METRICS_LISTEN: loopback by default, host:port or off, anything else stops start-up', () => {
  assert.deepEqual(loadConfig({}).metricsListen, { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(loadConfig({ METRICS_LISTEN: '10.0.0.5:9465' }).metricsListen, { host: '10.0.0.5', port: 9465 });
  assert.deepEqual(loadConfig({ METRICS_LISTEN: '[::1]:9464' }).metricsListen, { host: '::1', port: 9464 });
  assert.equal(loadConfig({ METRICS_LISTEN: 'off' }).metricsListen, undefined);
  for (const bad of ['9464', '127.0.0.1', '127.0.0.1:99999', 'http://127.0.0.1:9464', '[nope]:1']) {
    assert.throws(() => loadConfig({ METRICS_LISTEN: bad }), (err: Error) => err instanceof ConfigError && /^METRICS_LISTEN/.test(err.message), bad);
  }
});

test('a metrics address already in use stops start-up with a line naming METRICS_LISTEN', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  try {
    await assert.rejects(startTestApp({ env: { METRICS_LISTEN: `127.0.0.1:${port}` } }), (err: Error) => err instanceof ConfigError && /^METRICS_LISTEN=127\.0\.0\.1:\d+ cannot be used \(EADDRINUSE\)/.test(err.message));
  } finally {
    taken.close();
  }
});

test('METRICS_LISTEN=off: no metrics listener, and still none on the public port', async () => {
  const app = await startTestApp({ env: { METRICS_LISTEN: 'off' } });
  try {
    assert.equal(app.metricsUrl, undefined);
    assert.equal((await fetch(`${app.url}/metrics`)).status, 404);
  } finally {
    await app.close();
  }
});
