import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { SETTING_NAMES } from './setting-names.js';
import { EXIT_OK, EXIT_USAGE, parseCommandArgs, UsageError } from './platform/cli-args.js';
import { packageRoot } from './platform/paths.js';
import type { Roles } from './app.js';
import { edgeConfig, edgePrewarm } from './cli-edge.js';

// The engines (app, database, transcoder) are imported inside the commands that use them, so
// `kinema --help` and `--version` answer at once, without loading Fastify, the AWS SDK or PGlite.

const USAGE = `kinema: self-hostable video streaming

Usage: kinema <command> [flags]       kinema <command> --help       kinema --version

Commands:
  start                 every role in one process (api + worker), embedded engines by default
  api                   the HTTP API, web app, uploads and media origin
  worker                transcode workers
  migrate               apply database migrations and exit
  transcode IN --out D  validate and transcode a file to an HLS ladder in D, offline
  edge-config           print an nginx config for an edge or shield cache tier
  edge-prewarm          load the trending videos' first 30 s into the shields and edges
  lifecycle             one storage lifecycle pass: cold originals, unplayed top rungs (--dry-run)
  users create          create an account (e.g. the first admin) from the command line

Every setting is an environment variable or the matching flag (--port 9000 = PORT=9000):
  ${wrap(SETTING_NAMES.join(', '), 96, '  ')}. See README.md.
Exit codes: 0 done, 1 failed (configuration, environment or work), 2 bad usage (nothing done).`;

/** Flag of a setting: `MAX_UPLOAD_BYTES` → `max-upload-bytes`. */
const flagOf = (setting: string) => setting.toLowerCase().replace(/_/g, '-');

function roleHelp(command: string, what: string): string {
  const flags = SETTING_NAMES.map((name) => `  --${flagOf(name).padEnd(22)} ${name}`).join('\n');
  return `Usage: kinema ${command} [--setting value ...]

${what}

Settings: each environment variable below, or its flag (a flag wins over the variable).
What they mean and their defaults: README.md, "Configuration".
${flags}
  -h, --help`;
}

const COMMANDS: Record<string, { roles?: Roles; help: string }> = {
  start: { roles: { api: true, worker: true }, help: roleHelp('start', 'Runs every role in one process (api + worker). Embedded engines unless configured otherwise.') },
  api: { roles: { api: true, worker: false }, help: roleHelp('api', 'Runs the HTTP API, the web app, uploads and the media origin.') },
  worker: { roles: { api: false, worker: true }, help: roleHelp('worker', 'Runs transcode workers (needs ffmpeg and ffprobe on PATH).') },
  migrate: { help: roleHelp('migrate', 'Applies the database migrations and exits.') },
  'edge-config': {
    help: `Usage: kinema edge-config [--role edge|shield] [--origin HOST:PORT ...] [--listen [HOST:]PORT] [flags]

Prints an nginx configuration for one cache tier (docs/DEPLOY.md, "Media and edges"). An edge sits
near viewers in front of the shields; a shield sits near the api nodes in front of them, so N
edges cost the origin one fetch per object.

  --role edge|shield        which tier (default edge)
  --origin HOST:PORT        the next tier: shields for an edge, api nodes for a shield; repeat
                            for several (default 127.0.0.1:8080)
  --backup-origin HOST:PORT used only while every --origin is down (e.g. another region's shield)
  --listen [HOST:]PORT      where nginx listens (default 8081; e.g. 127.0.0.1:9000, [::1]:9000)
  --cache-dir DIR           where nginx keeps cached media (default /var/cache/kinema-edge)
  --max-size SIZE           disk bound of the cache, nginx units, e.g. 500m, 50g (default 50g)
  --keys-zone SIZE          shared memory for cache keys, ~8,000 objects per 1m (default 64m)
  --user USER[:GROUP]       who nginx's workers run as when started by root (default nobody; the
                            group defaults to the user's own group on this machine)
  --run-dir DIR             pid, logs and temp files here (several tiers on one host)
  --max-upstream-conns N    connections to each upstream server at most (default 256)
  --api-rate N              edge: API requests per second per client address (default 20, 0 off)
  --trust-proxy CIDR        edge: a load balancer in front whose X-Forwarded-For to believe; repeat
  --purge-from CIDR         addresses allowed to purge (the api nodes; default 127.0.0.1, ::1); repeat
  --lock-timeout SEC        how long a request waits for another fetching the same object (default 10)
  --min-uses N              store an object at its Nth request (proxy_cache_min_uses; default 1,
                            see README "CDN" for when 2 helps)
  --verify-tokens           check private-media tokens at this tier (needs the nginx njs module)
  --token-script PATH       the njs script for that (default deploy/nginx/kinema-token.js here)
  --skip-dir-check          do not check that nginx's workers can write --cache-dir (a config for
                            another machine)
  -h, --help

Before printing, the command checks that nginx's workers (--user, or nobody when nginx starts as
root) can write --cache-dir on this machine: otherwise every request would be a silent MISS.`,
  },
  'edge-prewarm': {
    help: `Usage: kinema edge-prewarm --api URL --tier URL [--tier URL ...] [--budget SIZE] [--videos N]

Fetches, through each tier in order (list the shields first), the trending videos' master
playlist, lowest two rungs' playlists and init segments and their first 30 s of segments, so the
first viewers of a trend start from a warm cache. Run it off-peak or on a trend spike (cron or a
systemd timer, docs/DEPLOY.md). The list is GET /api/v1/trending, or the most-viewed public videos
where that is missing. Prints what it warmed as JSON.

  --api URL             an api node, e.g. http://api1:8080
  --tier URL            a shield or edge, e.g. http://shield-eu:8081; repeat, shields first
  --budget SIZE         bytes fetched per run at most, e.g. 500m, 2g (default 1g)
  --videos N            videos from the top of the list (default 50)
  --first-sec N         seconds of each rung to load (default 30)
  -h, --help`,
  },
  users: {
    help: `Usage: kinema users create --username NAME --email EMAIL --password-stdin [--admin] [--setting value ...]

Creates an account directly in the database, whatever SIGNUP says: the way to make the first
administrator of an instance whose sign-up is closed. The password is read from standard input
(never from the command line, where other users of the machine could see it in ps):

  printf '%s' "$PASSWORD" | kinema users create --username alice --email alice@example.org --password-stdin --admin

  --username NAME       3-32 letters, digits, _ . -
  --email EMAIL         the account's email address
  --password-stdin      read the password (8-200 characters) from standard input; one trailing
                        newline is dropped
  --admin               the account administers the instance (default: an ordinary account)
  --data-dir, --database-url, ...   the settings that locate the database (see kinema start --help)
  -h, --help

With the embedded database (no DATABASE_URL), stop Kinema first: the data directory is locked.`,
  },
  lifecycle: {
    help: `Usage: kinema lifecycle [--dry-run] [--print-s3-rules] [--setting value ...]

Runs one pass of the storage lifecycle and prints what it did: originals uploaded more than
COLD_AFTER_DAYS ago move to the cold tier (S3: the storage class S3_COLD_STORAGE_CLASS, GLACIER_IR
by default; local storage: COLD_DIR), and renditions above 720p nobody played for PRUNE_AFTER_DAYS
(default 90; 0: never) leave each video's current version (they come back by re-encoding the
original when asked for). The api runs the same pass daily.

  --dry-run             change nothing: print what would move and be removed, and the bytes freed
  --print-s3-rules      print the originals' rule as an S3 lifecycle configuration (JSON for
                        aws s3api put-bucket-lifecycle-configuration) and exit, for operators
                        who let the provider move objects instead
  --cold-after-days N, --cold-dir DIR, --data-dir, --database-url, --s3-bucket, ...
                        the settings (see kinema start --help)
  -h, --help`,
  },
  // `transcode` has its own parser and help (src/modules/transcode/cli-command.ts).
};

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) lines.push(line), (line = '');
    line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join(`\n${indent}`);
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Parses the settings flags of start/api/worker/migrate into environment variable names. */
function settingsFromFlags(command: string, argv: string[]): Record<string, string> | undefined {
  const options = Object.fromEntries(SETTING_NAMES.map((name) => [flagOf(name), { type: 'string' as const }]));
  const { values } = parseCommandArgs(command, argv, options);
  if (values.help) return undefined;
  const env: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = values[flagOf(name)];
    if (typeof value === 'string') env[name] = value;
  }
  return env;
}

async function runRole(roles: Roles, settings: Record<string, string>) {
  const config = loadConfig({ ...process.env, ...settings }); // a bad setting stops here, before the engines load
  const [{ createLogger }, { startKinema }] = await Promise.all([import('./platform/log.js'), import('./app.js')]);
  const log = createLogger(config.logLevel);
  const app = await startKinema(config, roles, { log });
  const what = [roles.api && 'api', roles.worker && 'worker'].filter(Boolean).join(' + ');
  if (app.url) {
    process.stdout.write(`\nKinema is up (${what}, ${app.platform.database.engine}): ${config.publicUrl ?? `http://localhost:${new URL(app.url).port}`}\n\n`);
  } else {
    process.stdout.write(`\nKinema ${what} is up (${app.platform.database.engine}), concurrency ${config.workerConcurrency}\n\n`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return void process.exit(1); // a second signal means "now"
    stopping = true;
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function migrate(settings: Record<string, string>): Promise<number> {
  const config = loadConfig({ ...process.env, ...settings });
  const [{ openDatabase }, { preparePrivateDataDir }] = await Promise.all([import('./platform/db/index.js'), import('./platform/data-dir.js')]);
  if (!config.databaseUrl) preparePrivateDataDir(config.dataDir);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await db.migrate();
    process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Database is up to date.\n');
  } finally {
    await db.close();
  }
  return EXIT_OK;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Type the password, then Enter and Ctrl-D: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `kinema users create`: an account made by the operator, e.g. the first admin. */
async function users(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(`${COMMANDS.users!.help}\n`);
    return EXIT_OK;
  }
  if (sub !== 'create') throw new UsageError('users', sub === undefined ? 'say what to do: kinema users create ...' : `unknown subcommand "${sub}" (there is: create)`);
  const settingFlags = Object.fromEntries(SETTING_NAMES.map((name) => [flagOf(name), { type: 'string' as const }]));
  const { values } = parseCommandArgs('users', rest, {
    ...settingFlags,
    username: { type: 'string' },
    email: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    admin: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${COMMANDS.users!.help}\n`);
    return EXIT_OK;
  }
  const { username, email } = values;
  if (username === undefined || email === undefined) throw new UsageError('users', 'give --username and --email');
  if (!values['password-stdin']) throw new UsageError('users', 'give the password on standard input with --password-stdin');
  const { describeAccountInputProblem, createIdentityService } = await import('./modules/identity/index.js');
  const input = { username, email, password: await readStdin() };
  const problem = describeAccountInputProblem(input);
  if (problem) throw new UsageError('users', problem);

  const settings: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = (values as Record<string, unknown>)[flagOf(name)];
    if (typeof value === 'string') settings[name] = value;
  }
  const config = loadConfig({ ...process.env, ...settings });
  const [{ openDatabase }, { createCache }, { preparePrivateDataDir }] = await Promise.all([
    import('./platform/db/index.js'), import('./platform/cache/index.js'), import('./platform/data-dir.js'),
  ]);
  if (!config.databaseUrl) preparePrivateDataDir(config.dataDir);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const cache = createCache({ kind: 'memory', maxEntries: 10 });
  try {
    await database.migrate();
    const identity = createIdentityService({ db: database.db, cache, policy: config });
    const role = values.admin ? 'admin' : 'user';
    const user = await identity.createAccount(input, role);
    process.stdout.write(`Created ${role === 'admin' ? 'administrator' : 'account'} "${user.username}" (id ${user.userId}).\n`);
  } finally {
    await cache.close();
    await database.close();
  }
  return EXIT_OK;
}

/** `kinema lifecycle`: one storage lifecycle pass, or its rule as an S3 lifecycle configuration. */
async function lifecycle(argv: string[]): Promise<number> {
  const settingFlags = Object.fromEntries(SETTING_NAMES.map((name) => [flagOf(name), { type: 'string' as const }]));
  const { values } = parseCommandArgs('lifecycle', argv, { ...settingFlags, 'print-s3-rules': { type: 'boolean' }, 'dry-run': { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(`${COMMANDS.lifecycle!.help}\n`);
    return EXIT_OK;
  }
  const settings: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = (values as Record<string, unknown>)[flagOf(name)];
    if (typeof value === 'string') settings[name] = value;
  }
  const config = loadConfig({ ...process.env, ...settings });
  const { coldAfterDays, pruneAfterDays } = config.lifecycle;
  const ops = await import('./modules/operations/index.js');
  if (values['print-s3-rules']) {
    if (coldAfterDays === undefined) throw new UsageError('lifecycle', 'set COLD_AFTER_DAYS (or --cold-after-days N): originals older than that many days move to the cold tier');
    const storageClass = config.s3?.coldStorageClass ?? 'GLACIER_IR';
    process.stdout.write(`${JSON.stringify(ops.s3LifecycleRules({ coldAfterDays, storageClass }), null, 2)}\n`);
    return EXIT_OK;
  }
  if (coldAfterDays === undefined && pruneAfterDays === undefined) {
    throw new UsageError('lifecycle', 'nothing to do: set COLD_AFTER_DAYS (originals to the cold tier) or PRUNE_AFTER_DAYS above 0 (unplayed renditions above 720p)');
  }
  const [{ createLogger }, { buildPlatform }, { renditionPruning }, catalogModule] = await Promise.all([import('./platform/log.js'), import('./app.js'), import('./services.js'), import('./modules/catalog/index.js')]);
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const platform = await buildPlatform(config, log);
  try {
    // A published pruned version changes the video row: api processes sharing the cache see it at once.
    const catalog = catalogModule.createCatalogService({ db: platform.database.db, cache: platform.cache, store: platform.store, log });
    const services = { lifecycle: catalogModule.createLifecycle(platform.database.db, catalog.invalidate), retention: catalogModule.createVersionRetention(platform.database.db) };
    const dryRun = !!values['dry-run'];
    const report = await ops.createStorageLifecycle({ db: platform.database.db, store: platform.store, log, coldAfterDays, pruning: renditionPruning(platform, services) }).run({ dryRun });
    process.stdout.write(lifecycleSummary(report, { dryRun, coldAfterDays, pruneAfterDays }));
  } finally {
    await platform.queue.stop({ timeoutMs: 1000 });
    await platform.cache.close();
    await platform.store.close();
    await platform.database.close();
  }
  return EXIT_OK;
}

/** What a lifecycle pass did (or, dry, would do), for people. */
function lifecycleSummary(report: import('./modules/operations/index.js').LifecycleReport, o: { dryRun: boolean; coldAfterDays?: number; pruneAfterDays?: number }): string {
  const lines: string[] = [];
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  if (o.coldAfterDays !== undefined) {
    lines.push(o.dryRun
      ? `Originals that would move to the cold tier: ${report.movedToCold}.`
      : `Originals moved to the cold tier: ${report.movedToCold} (already cold: ${report.alreadyCold}, gone: ${report.missing}).`);
  }
  const pruning = report.pruning;
  if (pruning?.skipped) lines.push(`Renditions above 720p: none removed: ${pruning.skipped}.`);
  else if (pruning) {
    for (const p of pruning.pruned) lines.push(`  ${p.videoId}: ${p.removed.join(', ')} (${mb(p.bytes)})${p.toVersion ? ` -> version ${p.toVersion}` : ''}`);
    const bytes = pruning.pruned.reduce((s, p) => s + p.bytes, 0);
    lines.push(o.dryRun
      ? `Renditions above 720p unplayed for ${o.pruneAfterDays} days that would be removed: ${pruning.pruned.length} videos, ${mb(bytes)} freed.`
      : `Renditions above 720p unplayed for ${o.pruneAfterDays} days removed: ${pruning.pruned.filter((p) => p.toVersion).length} videos, ${mb(bytes)} freed once the old versions are swept.`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(args: string[]): Promise<number | undefined> {
  const [command, ...rest] = args;
  if (command === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic === 'transcode') return main(['transcode', '--help']);
    if (topic !== undefined && !COMMANDS[topic]) throw new UsageError('help', `no command "${topic}"`);
    process.stdout.write(`${topic ? COMMANDS[topic]!.help : USAGE}\n`);
    return EXIT_OK;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`kinema ${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (command === 'transcode') {
    const { runTranscodeCommand } = await import('./modules/transcode/index.js');
    return runTranscodeCommand(rest);
  }
  if (command === 'edge-config') return edgeConfig(rest, COMMANDS['edge-config']!.help);
  if (command === 'edge-prewarm') return edgePrewarm(rest, COMMANDS['edge-prewarm']!.help);
  if (command === 'users') return users(rest);
  if (command === 'lifecycle') return lifecycle(rest);
  const known = COMMANDS[command];
  if (!known) {
    const problem = command.startsWith('-') ? `unknown flag ${command} (flags go after the command: kinema start --port 9000)` : `unknown command "${command}"`;
    process.stderr.write(`kinema: ${problem}. Run "kinema --help" to see the commands.\n`);
    return EXIT_USAGE;
  }
  const settings = settingsFromFlags(command, rest);
  if (!settings) {
    process.stdout.write(`${known.help}\n`);
    return EXIT_OK;
  }
  if (known.roles) return void (await runRole(known.roles, settings));
  return migrate(settings);
}

// The AWS SDK warns on every start under Node 20 that its releases after January 2027 will need
// Node 22. That is for whoever upgrades the SDK in package-lock.json, not for the operator of
// this build, which supports Node >= 20.19. Set the variable to "false" to see it anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    // Start-up failures are configuration or environment problems: one clear line, no stack.
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`kinema: ${message}\n`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
