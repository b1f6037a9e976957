import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './platform/log.js';
import { openDatabase } from './platform/db/index.js';
import { join } from 'node:path';
import { startKinema, type Roles } from './app.js';
import { packageRoot } from './platform/paths.js';

const USAGE = `kinema: self-hostable video streaming

Usage: kinema <command> [--flag value ...]

Commands:
  start                 every role in one process (api + worker), embedded engines by default
  api                   the HTTP API, web app, uploads and media origin
  worker                transcode workers
  migrate               apply database migrations and exit
  transcode IN --out D  validate and transcode a file to an HLS ladder in D, offline
  edge-config           print an nginx edge-cache config for the origins
                        [--origin host:port ...] [--listen 8081] [--cache-dir DIR] [--max-size 50g]
                        [--verify-tokens [--token-script PATH]]  check private-media tokens at the edge

Every setting is an environment variable or the matching flag (--port 9000 = PORT=9000):
  PORT, HOST, DATA_DIR, PUBLIC_URL, MEDIA_BASE_URL, DATABASE_URL, DATABASE_REPLICA_URL,
  REDIS_URL, REDIS_CLUSTER_NODES, REDIS_KEY_PREFIX, S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID,
  S3_SECRET_ACCESS_KEY, S3_FORCE_PATH_STYLE, UPLOAD_STAGING, MAX_UPLOAD_BYTES, MAX_DURATION_SEC,
  WORKER_CONCURRENCY, TRANSCODE_STALL_SEC, SHUTDOWN_GRACE_SEC, MEDIA_SIGNING_SECRET, LOG_LEVEL. See README.md.`;

const ROLES: Record<string, Roles> = {
  start: { api: true, worker: true },
  api: { api: true, worker: false },
  worker: { api: false, worker: true },
};

async function runRole(roles: Roles, argv: string[]) {
  const config = loadConfig(process.env, argv);
  const log = createLogger(config.logLevel);
  const app = await startKinema(config, roles, { log });
  const what = [roles.api && 'api', roles.worker && 'worker'].filter(Boolean).join(' + ');
  if (app.url) {
    process.stdout.write(`\nKinema is up (${what}, ${app.platform.database.engine}): ${config.publicUrl}\n\n`);
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

async function main(args: string[]): Promise<number | undefined> {
  const [command, ...rest] = args;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  const roles = ROLES[command];
  if (roles) return void (await runRole(roles, rest));
  if (command === 'migrate') {
    const config = loadConfig(process.env, rest);
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await db.migrate();
      process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Database is up to date.\n');
    } finally {
      await db.close();
    }
    return 0;
  }
  if (command === 'transcode') {
    const { runTranscodeCommand } = await import('./modules/transcode/index.js');
    return runTranscodeCommand(rest);
  }
  if (command === 'edge-config') {
    const { renderEdgeConfig } = await import('./modules/delivery/index.js');
    const origins = rest.flatMap((a, i) => (rest[i - 1] === '--origin' ? [a] : []));
    const flag = (name: string, fallback: string) => rest[rest.indexOf(`--${name}`) + 1] && rest.includes(`--${name}`) ? rest[rest.indexOf(`--${name}`) + 1]! : fallback;
    process.stdout.write(renderEdgeConfig({
      origins: origins.length ? origins : ['127.0.0.1:8080'],
      listenPort: Number(flag('listen', '8081')),
      cacheDir: flag('cache-dir', '/var/cache/kinema-edge'),
      maxCacheSize: flag('max-size', '50g'),
      tokenScript: rest.includes('--verify-tokens') ? flag('token-script', join(packageRoot, 'deploy', 'nginx', 'kinema-token.js')) : undefined,
    }));
    return 0;
  }
  process.stderr.write(`Unknown command "${command}". Run "kinema help".\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    // Start-up failures are configuration or environment problems: one clear line, no stack.
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`kinema: ${message}\n`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
