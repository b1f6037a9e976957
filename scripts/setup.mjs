#!/usr/bin/env node
// Makes a fresh clone runnable: npm packages, ffmpeg (and, for tests, chromium, PostgreSQL and
// Redis running). Installs with apt-get when root on Debian/Ubuntu; otherwise stops with one
// line saying what to install. Usage: node scripts/setup.mjs [--test]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--test');
const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
let aptUpdated = false;

function fail(line) {
  process.stderr.write(`setup: ${line}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) fail(`"${cmd} ${args.join(' ')}" failed (exit ${r.status}).`);
}

function has(cmd, args = ['-version']) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function aptInstall(pkg, why) {
  if (!isRoot || !hasApt) fail(`${why} is missing. Install it (Debian/Ubuntu: sudo apt-get install -y ${pkg}) and run the command again.`);
  process.stdout.write(`setup: installing ${pkg} with apt-get (${why})...\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) run('apt-get', ['update', '-qq'], { env });
  aptUpdated = true;
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env });
}

function isListening(port) {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}

async function waitListening(port, what) {
  for (let i = 0; i < 60; i++) {
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`${what} did not start on 127.0.0.1:${port}.`);
}

// 1. Node itself.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node ${process.versions.node} is too old: Kinema needs Node >= 20.19.`);

// 2. npm packages, when missing or older than the lockfile.
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
  process.stdout.write('setup: installing npm packages...\n');
  run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}

// 3. ffmpeg/ffprobe: the transcoder.
if (!has('ffmpeg') || !has('ffprobe')) aptInstall('ffmpeg', 'ffmpeg (the transcoder)');

if (forTests) {
  // 4. A real browser for the end-to-end tests.
  if (!existsSync('/usr/bin/chromium')) aptInstall('chromium', 'Chromium (for the browser tests)');
  // nginx, for the edge-cache tests (the config `kinema edge-config` generates, run for real).
  if (!has('nginx', ['-v'])) aptInstall('nginx', 'nginx (for the edge cache tests)');
  // njs, for the edge that verifies signed media tokens itself.
  if (!existsSync('/usr/lib/nginx/modules/ngx_http_js_module.so')) aptInstall('libnginx-mod-http-js', 'the nginx njs module (edge token tests)');
  // 5. The PostgreSQL and Redis servers the contract tests run against (started if down).
  if (!(await isListening(5432))) {
    if (existsSync('/etc/postgresql')) {
      const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0];
      run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
      await waitListening(5432, 'PostgreSQL');
    } else fail('PostgreSQL is not running on 127.0.0.1:5432 and is not installed (apt-get install postgresql).');
  }
  if (!(await isListening(6379))) {
    if (has('redis-server', ['--version'])) {
      run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
      await waitListening(6379, 'Redis');
    } else fail('Redis is not running on 127.0.0.1:6379 and is not installed (apt-get install redis-server).');
  }
  // 6. The web app bundle the browser tests load (and dist/ for the CLI tests), rebuilt only when
  // the sources changed since the last build.
  run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-changed']);
}
