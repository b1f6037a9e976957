import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/**
 * Real network distance on one machine: client, edge and origin as three network namespaces
 * (separate network stacks: own addresses, routes, TCP), joined by links with a delay and a rate.
 *
 *   client ──(edge link: 10 ms RTT)── edge ──(far link: 80 ms RTT, 20 Mbit/s)── origin
 *      └──────────────(far link: 80 ms RTT, 20 Mbit/s)──────────────────────────┘
 *   root namespace ──(admin link, no delay)── origin   (the bench's own uploads and polling)
 *
 * Links are veth pairs with `tc netem delay <RTT/2> rate <R>` on both ends where the kernel has
 * sch_netem. Where it does not (this machine's kernel is built without it), each link is a pair
 * of TUN devices: a kernel `tbf` qdisc limits the rate and bench/cdn/delay-line.py (a userspace
 * netem) holds every packet for RTT/2. TCP runs in the kernel either way: handshakes, slow start
 * and the bandwidth-delay product are real.
 *
 * Needs root. Names carry a random id, so parallel runs do not collide; `close()` (also on exit)
 * kills what still runs in the namespaces and deletes them.
 */

export interface LinkShape {
  rttMs: number;
  /** Mbit/s each way; 0 = not limited. */
  rateMbit: number;
}

export interface NetworkOptions {
  /** Client ↔ edge. */
  edgeLink: LinkShape;
  /** Client ↔ origin and edge ↔ origin. */
  farLink: LinkShape;
  /** `netem` (fail if missing), `delay-line`, or `auto` (netem when the kernel has it). */
  impairment?: 'auto' | 'netem' | 'delay-line';
}

export interface Network {
  id: string;
  ns: { client: string; edge: string; origin: string };
  /** Addresses as each side sees the other. */
  ip: { edgeFromClient: string; originFromClient: string; originFromEdge: string; originFromRoot: string };
  impairment: 'netem' | 'delay-line';
  /** Every link device, with the namespace it lives in (for `tc qdisc show`). */
  devices: { ns: string; dev: string }[];
  /** Starts a command inside a namespace (`ip netns exec`). */
  spawnIn(ns: string, command: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Runs a command inside a namespace and waits for it. */
  runIn(ns: string, command: string, args: string[]): { status: number | null; stdout: string; stderr: string };
  close(): void;
}

const DELAY_LINE = fileURLToPath(new URL('./delay-line.py', import.meta.url));

function sh(args: string[], allowFail = false): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Whether this kernel has sch_netem: tried on the loopback of a scratch namespace. */
export function kernelHasNetem(scratchNs: string): boolean {
  return spawnSync('tc', ['-n', scratchNs, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { encoding: 'utf8' }).status === 0;
}

/** A /30 for the admin link in the root namespace that no local address or route uses. */
function freeAdminSubnet(): [string, string] {
  const used = sh(['ip', '-4', '-o', 'addr', 'show']) + sh(['ip', '-4', 'route', 'show']);
  for (let i = 0; i < 100; i++) {
    const b = 200 + (randomBytes(1)[0]! % 50);
    const c = randomBytes(1)[0]!;
    const d = (randomBytes(1)[0]! % 64) * 4;
    if (!used.includes(`10.${b}.${c}.`)) return [`10.${b}.${c}.${d + 1}`, `10.${b}.${c}.${d + 2}`];
  }
  throw new Error('no free 10.200-249.x.x subnet for the admin link');
}

export async function startNetwork(opts: NetworkOptions): Promise<Network> {
  if (process.getuid?.() !== 0) throw new Error('network namespaces need root (or pass --origin-url/--edge-url to measure existing hosts)');
  const id = randomBytes(3).toString('hex');
  const ns = { client: `knm-${id}-client`, edge: `knm-${id}-edge`, origin: `knm-${id}-origin` };
  const created: string[] = [];
  const children: ChildProcess[] = [];
  const adminDev = `knm${id}r`;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const n of created) {
      // Whatever the bench started in the namespace and left running (our own children).
      for (const pid of sh(['ip', 'netns', 'pids', n], true).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      sh(['ip', 'netns', 'del', n], true);
    }
    sh(['ip', 'link', 'del', adminDev], true);
  };
  process.once('exit', close);
  try {
    for (const n of Object.values(ns)) {
      sh(['ip', 'netns', 'add', n]);
      created.push(n);
      sh(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
    }
    const wanted = opts.impairment ?? 'auto';
    const hasNetem = wanted !== 'delay-line' && kernelHasNetem(ns.client);
    if (hasNetem) sh(['tc', '-n', ns.client, 'qdisc', 'del', 'dev', 'lo', 'root'], true);
    if (wanted === 'netem' && !hasNetem) throw new Error('this kernel has no sch_netem (tc qdisc ... netem): use --impairment delay-line');
    const impairment = hasNetem ? 'netem' : 'delay-line';

    const links = [
      { a: ns.client, b: ns.edge, net: '10.1.0', shape: opts.edgeLink, name: 'e' },
      { a: ns.client, b: ns.origin, net: '10.2.0', shape: opts.farLink, name: 'f' },
      { a: ns.edge, b: ns.origin, net: '10.3.0', shape: opts.farLink, name: 'o' },
    ];
    const devices: { ns: string; dev: string }[] = [];
    const delaySpecs: string[] = [];
    for (const l of links) {
      const devA = `knm${id}${l.name}a`;
      const devB = `knm${id}${l.name}b`;
      const oneWay = l.shape.rttMs / 2;
      if (impairment === 'netem') {
        sh(['ip', 'link', 'add', devA, 'netns', l.a, 'type', 'veth', 'peer', 'name', devB, 'netns', l.b]);
        for (const [n, dev, addr] of [[l.a, devA, `${l.net}.1`], [l.b, devB, `${l.net}.2`]] as const) {
          sh(['ip', '-n', n, 'addr', 'add', `${addr}/30`, 'dev', dev]);
          sh(['ip', '-n', n, 'link', 'set', dev, 'up']);
          const rate = l.shape.rateMbit > 0 ? ['rate', `${l.shape.rateMbit}mbit`] : [];
          sh(['tc', '-n', n, 'qdisc', 'add', 'dev', dev, 'root', 'netem', 'delay', `${oneWay}ms`, ...rate, 'limit', '10000']);
          devices.push({ ns: n, dev });
        }
      } else {
        for (const [n, dev, addr, peer] of [[l.a, devA, `${l.net}.1`, `${l.net}.2`], [l.b, devB, `${l.net}.2`, `${l.net}.1`]] as const) {
          sh(['ip', '-n', n, 'tuntap', 'add', 'dev', dev, 'mode', 'tun']);
          sh(['ip', '-n', n, 'addr', 'add', addr, 'peer', peer, 'dev', dev]);
          sh(['ip', '-n', n, 'link', 'set', dev, 'up']);
          if (l.shape.rateMbit > 0) {
            // Burst of 64 KB (what a 1 Gbit/s NIC's tbf would need anyway); 1 s of queue at most.
            sh(['tc', '-n', n, 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', `${l.shape.rateMbit}mbit`, 'burst', '64kb', 'latency', '1s']);
          }
          devices.push({ ns: n, dev });
        }
        delaySpecs.push(`${l.a}:${devA}:${l.b}:${devB}:${oneWay}`);
      }
    }
    if (delaySpecs.length) {
      const line = spawn('python3', [DELAY_LINE, ...delaySpecs], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(line);
      let err = '';
      line.stderr!.on('data', (d) => (err += d));
      await new Promise<void>((resolve, reject) => {
        line.stdout!.once('data', () => resolve());
        line.once('exit', (code) => reject(new Error(`delay-line.py exited (${code}): ${err}`)));
      });
    }
    // Admin link: the bench (root namespace) reaches the origin without delay.
    const [rootIp, originIp] = freeAdminSubnet();
    const adminPeer = `knm${id}ro`;
    sh(['ip', 'link', 'add', adminDev, 'type', 'veth', 'peer', 'name', adminPeer, 'netns', ns.origin]);
    sh(['ip', 'addr', 'add', `${rootIp}/30`, 'dev', adminDev]);
    sh(['ip', 'link', 'set', adminDev, 'up']);
    sh(['ip', '-n', ns.origin, 'addr', 'add', `${originIp}/30`, 'dev', adminPeer]);
    sh(['ip', '-n', ns.origin, 'link', 'set', adminPeer, 'up']);

    return {
      id,
      ns,
      ip: { edgeFromClient: '10.1.0.2', originFromClient: '10.2.0.2', originFromEdge: '10.3.0.2', originFromRoot: originIp },
      impairment,
      devices,
      spawnIn(n, command, args, o = {}) {
        const child = spawn('ip', ['netns', 'exec', n, command, ...args], o);
        children.push(child);
        return child;
      },
      runIn(n, command, args) {
        const r = spawnSync('ip', ['netns', 'exec', n, command, ...args], { encoding: 'utf8' });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      },
      close() {
        close();
        process.removeListener('exit', close);
      },
    };
  } catch (err) {
    close();
    process.removeListener('exit', close);
    throw err;
  }
}
