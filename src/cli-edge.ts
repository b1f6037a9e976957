// `kinema edge-config` and `kinema edge-prewarm`: the edge tier's commands, apart from the
// process roles in cli.ts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, UsageError } from './platform/cli-args.js';
import { packageRoot } from './platform/paths.js';

export async function edgeConfig(argv: string[], help: string): Promise<number> {
  const { values } = parseCommandArgs('edge-config', argv, {
    role: { type: 'string' },
    origin: { type: 'string', multiple: true },
    'backup-origin': { type: 'string', multiple: true },
    listen: { type: 'string' },
    'cache-dir': { type: 'string' },
    'max-size': { type: 'string' },
    'keys-zone': { type: 'string' },
    user: { type: 'string' },
    'run-dir': { type: 'string' },
    'max-upstream-conns': { type: 'string' },
    'api-rate': { type: 'string' },
    'trust-proxy': { type: 'string', multiple: true },
    'purge-from': { type: 'string', multiple: true },
    'lock-timeout': { type: 'string' },
    'min-uses': { type: 'string' },
    'verify-tokens': { type: 'boolean' },
    'token-script': { type: 'string' },
    'skip-dir-check': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return EXIT_OK;
  }
  const usage = (problem: string) => new UsageError('edge-config', problem);
  const role = values.role ?? 'edge';
  if (role !== 'edge' && role !== 'shield') throw usage(`--role "${role}" is not edge or shield`);
  // The values go into nginx.conf verbatim: refuse anything that could end a directive there.
  const hostPort = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;
  const origins = values.origin ?? ['127.0.0.1:8080'];
  const backupOrigins = values['backup-origin'] ?? [];
  const badOrigin = [...origins, ...backupOrigins].find((o) => !hostPort.test(o));
  if (badOrigin !== undefined) throw usage(`--origin "${badOrigin}" is not HOST:PORT (e.g. api1:8080)`);
  const { renderEdgeConfig, parseListen, cacheDirProblem } = await import('./modules/delivery/index.js');
  const listen = values.listen ?? '8081';
  if (!parseListen(listen)) throw usage(`--listen "${listen}" is not PORT or HOST:PORT with a port from 1 to 65535`);
  const size = /^\d+[kKmMgG]?$/;
  const maxCacheSize = values['max-size'] ?? '50g';
  if (!size.test(maxCacheSize)) throw usage(`--max-size "${maxCacheSize}" is not an nginx size (e.g. 500m, 50g)`);
  const keysZoneSize = values['keys-zone'] ?? '64m';
  if (!size.test(keysZoneSize)) throw usage(`--keys-zone "${keysZoneSize}" is not an nginx size (e.g. 64m)`);
  const paths = { '--cache-dir': values['cache-dir'], '--token-script': values['token-script'], '--run-dir': values['run-dir'] };
  for (const [flag, path] of Object.entries(paths)) {
    if (path !== undefined && !/^[^\s;{}'"\\$#]+$/.test(path)) throw usage(`${flag} "${path}" must be a path without spaces, quotes, braces, $, # or semicolons`);
  }
  const userMatch = values.user === undefined ? undefined : /^([a-z_][a-z0-9_-]{0,31})(?::([a-z_][a-z0-9_-]{0,31}))?$/.exec(values.user);
  if (values.user !== undefined && !userMatch) throw usage(`--user "${values.user}" is not USER or USER:GROUP`);
  const userName = userMatch?.[1];
  // nginx takes the group named like the user when none is given; Debian's nobody is in nogroup.
  const group = userMatch?.[2] ?? (userName ? spawnSync('id', ['-gn', userName], { encoding: 'utf8' }).stdout?.trim() || undefined : undefined);
  const count = (flag: string, raw: string | undefined, min: number, fallback: number) => {
    const n = Number(raw ?? fallback);
    if (!Number.isInteger(n) || n < min || n > 1_000_000) throw usage(`${flag} "${raw}" is not a whole number from ${min}`);
    return n;
  };
  const maxUpstreamConns = count('--max-upstream-conns', values['max-upstream-conns'], 1, 256);
  const apiRatePerSec = count('--api-rate', values['api-rate'], 0, 20);
  const lockTimeoutSec = count('--lock-timeout', values['lock-timeout'], 1, 10);
  const minUses = count('--min-uses', values['min-uses'], 1, 1);
  const cidr = /^([0-9.]+|[0-9A-Fa-f:]+)(\/\d{1,3})?$/;
  const badCidr = [...(values['trust-proxy'] ?? []), ...(values['purge-from'] ?? [])].find((a) => !cidr.test(a) || !a.includes(a.includes(':') ? ':' : '.'));
  if (badCidr !== undefined) throw usage(`"${badCidr}" is not an IP address or CIDR (e.g. 10.0.0.0/8)`);
  if (values['token-script'] !== undefined && !values['verify-tokens']) throw usage('--token-script only applies with --verify-tokens');
  const cacheDir = values['cache-dir'] ?? '/var/cache/kinema-edge';
  if (!values['skip-dir-check']) {
    const problem = cacheDirProblem(cacheDir, userName);
    if (problem) {
      process.stderr.write(`kinema edge-config: ${problem}. (--skip-dir-check for a config meant for another machine.)\n`);
      return EXIT_FAILED;
    }
  }
  process.stdout.write(
    renderEdgeConfig({
      role,
      origins,
      backupOrigins,
      listen,
      cacheDir,
      maxCacheSize,
      keysZoneSize,
      user: userName ? `${userName}${group ? ` ${group}` : ''}` : undefined,
      runDir: values['run-dir'],
      maxUpstreamConns,
      apiRatePerSec,
      trustedProxies: values['trust-proxy'],
      purgeFrom: values['purge-from'],
      lockTimeout: `${lockTimeoutSec}s`,
      minUses,
      tokenScript: values['verify-tokens'] ? (values['token-script'] ?? join(packageRoot, 'deploy', 'nginx', 'kinema-token.js')) : undefined,
    }),
  );
  return EXIT_OK;
}

export async function edgePrewarm(argv: string[], help: string): Promise<number> {
  const { values } = parseCommandArgs('edge-prewarm', argv, {
    api: { type: 'string' },
    tier: { type: 'string', multiple: true },
    budget: { type: 'string' },
    videos: { type: 'string' },
    'first-sec': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return EXIT_OK;
  }
  const usage = (problem: string) => new UsageError('edge-prewarm', problem);
  const isHttp = (u: string) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol);
  if (!values.api || !isHttp(values.api)) throw usage('give the api node as --api http://HOST:PORT');
  const tiers = values.tier ?? [];
  if (tiers.length === 0 || !tiers.every(isHttp)) throw usage('give each shield and edge as --tier http://HOST:PORT');
  const size = /^(\d+)([kKmMgG]?)$/.exec(values.budget ?? '1g');
  if (!size) throw usage(`--budget "${values.budget}" is not a size (e.g. 500m, 2g)`);
  const budgetBytes = Number(size[1]) * 1024 ** ' kmg'.indexOf((size[2] || ' ').toLowerCase());
  const videos = Number(values.videos ?? 50);
  const firstSec = Number(values['first-sec'] ?? 30);
  if (!Number.isInteger(videos) || videos < 1 || videos > 1000) throw usage(`--videos "${values.videos}" is not a number from 1 to 1000`);
  if (!Number.isFinite(firstSec) || firstSec <= 0 || firstSec > 600) throw usage(`--first-sec "${values['first-sec']}" is not a number of seconds up to 600`);
  const { prewarmTiers } = await import('./modules/delivery/index.js');
  const strip = (u: string) => u.replace(/\/+$/, '');
  const report = await prewarmTiers({ apiBase: strip(values.api), tiers: tiers.map(strip), budgetBytes, videos, firstSec });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return EXIT_OK;
}
