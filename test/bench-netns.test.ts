import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startNetwork } from '../bench/cdn/netns.js';
import { until } from './support/poll.js';

// bench/cdn/start-time.ts's network: three namespaces and shaped links. No timing is asserted
// (the machine is shared); what is checked is that the shaping is installed and traffic flows.
const root = process.getuid?.() === 0;

test('client, edge and origin namespaces with shaped links, removed on close', { skip: !root && 'network namespaces need root' }, async () => {
  const net = await startNetwork({ edgeLink: { rttMs: 10, rateMbit: 100 }, farLink: { rttMs: 80, rateMbit: 20 } });
  let closed = false;
  try {
    const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const ns of Object.values(net.ns)) assert.match(listed, new RegExp(`^${ns}\\b`, 'm'));
    assert.equal(net.devices.length, 6, 'two ends for each of the three links');
    for (const { ns, dev } of net.devices) {
      const qdisc = net.runIn(ns, 'tc', ['qdisc', 'show', 'dev', dev]).stdout;
      const edgeLink = dev.endsWith('ea') || dev.endsWith('eb');
      if (net.impairment === 'netem') {
        assert.match(qdisc, new RegExp(`netem .*delay ${edgeLink ? '5ms' : '40ms'}`), `${dev}: ${qdisc}`);
      } else {
        // Delay comes from bench/cdn/delay-line.py; the rate from a kernel token bucket.
        assert.match(qdisc, new RegExp(`tbf .*rate ${edgeLink ? '100Mbit' : '20Mbit'}`), `${dev}: ${qdisc}`);
      }
    }
    // Something listening in the origin namespace answers the client and the edge over their
    // links, and the bench over the admin link.
    const server = net.spawnIn(net.ns.origin, process.execPath, ['-e', "require('http').createServer((q, s) => s.end('origin')).listen(8080, '0.0.0.0')"], { stdio: 'ignore' });
    try {
      for (const [ns, ip] of [[net.ns.client, net.ip.originFromClient], [net.ns.edge, net.ip.originFromEdge]] as const) {
        const body = await until(() => {
          const r = net.runIn(ns, 'curl', ['-s', '-m', '10', `http://${ip}:8080/`]);
          return r.status === 0 && r.stdout;
        }, `the origin to answer from ${ns}`, 60_000, 200);
        assert.equal(body, 'origin');
      }
      assert.equal(await fetch(`http://${net.ip.originFromRoot}:8080/`).then((r) => r.text()), 'origin');
      // The client does not reach the origin's admin address: the links are the only paths.
      assert.notEqual(net.runIn(net.ns.client, 'curl', ['-s', '-m', '3', `http://${net.ip.originFromRoot}:8080/`]).status, 0);
    } finally {
      server.kill('SIGKILL');
    }
    net.close();
    closed = true;
    const after = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const ns of Object.values(net.ns)) assert.doesNotMatch(after, new RegExp(`^${ns}\\b`, 'm'));
    assert.doesNotMatch(spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout, new RegExp(`knm${net.id}`));
  } finally {
    if (!closed) net.close();
  }
});
