import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SETTING_NAMES } from '../src/setting-names.js';
import { packageRoot } from '../src/platform/paths.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';
import { freePort, tempDir } from './support/services.js';

// Every test runs the real CLI, bin/kinema, as its own process (from the sources, so never a
// stale build), the way an operator does.
const bin = join(packageRoot, 'bin', 'kinema');
const childEnv = (env: Record<string, string>) => ({ ...process.env, KINEMA_FROM_SOURCE: '1', LOG_LEVEL: 'silent', METRICS_LISTEN: '127.0.0.1:0', ...env });

const kinema = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: childEnv(env), timeout: 120_000 });

/** For commands that take a while (transcoding): does not block the test runner. */
function kinemaAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { env: childEnv({}) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

const lines = (text: string) => text.trimEnd().split('\n');
const COMMANDS = ['start', 'api', 'worker', 'migrate', 'transcode', 'edge-config', 'edge-prewarm'];

test('a bad setting stops start-up with one line naming the variable', async () => {
  const r = kinema(['start'], { DATA_DIR: await tempDir('kinema-cli-'), PORT: 'eighty' });
  assert.equal(r.status, 1);
  assert.deepEqual(lines(r.stderr), ['kinema: PORT="eighty" is invalid: expected a whole number from 0 to 65535.']);
});

test('a worker without ffmpeg refuses to start and says how to install it', async () => {
  // An empty PATH: node itself is started by its absolute path.
  const r = kinema(['worker'], { DATA_DIR: await tempDir('kinema-cli-'), PATH: await tempDir('kinema-empty-path-') });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ffmpeg is not installed or not on PATH.*apt-get install ffmpeg/);
});

test('kinema help lists the commands', () => {
  const r = kinema(['help']);
  assert.equal(r.status, 0);
  for (const cmd of COMMANDS) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
});

test('kinema without a command prints the usage and exits 2', () => {
  const r = kinema([]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kinema: self-hostable video streaming\n/);
});

test('kinema --version and -v print the package version', () => {
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const r = kinema([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `kinema ${version}\n`);
  }
});

test('every command answers --help with its usage on stdout and does nothing else', () => {
  for (const cmd of COMMANDS) {
    for (const args of [[cmd, '--help'], [cmd, '-h'], ['help', cmd]]) {
      const r = kinema(args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '', args.join(' '));
      assert.match(r.stdout, new RegExp(`^Usage: kinema ${cmd} `), args.join(' '));
    }
  }
  // It used to print an nginx config.
  assert.doesNotMatch(kinema(['edge-config', '--help']).stdout, /http \{/);
  assert.match(kinema(['start', '--help']).stdout, /--max-upload-bytes\s+MAX_UPLOAD_BYTES/);
});

test('every command refuses an unknown flag: exit 2, one line naming it and the help', () => {
  for (const cmd of COMMANDS) {
    const r = kinema([cmd, '--prot', '9000']);
    assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
    assert.deepEqual(lines(r.stderr), [`kinema ${cmd}: unknown flag --prot. Run "kinema ${cmd} --help" for usage.`]);
    assert.equal(r.stdout, '');
  }
});

test('bad usage exits 2 with one line saying what to do', () => {
  const cases: [string[], string][] = [
    [['serve'], 'kinema: unknown command "serve". Run "kinema --help" to see the commands.'],
    [['--port', '9000', 'start'], 'kinema: unknown flag --port (flags go after the command: kinema start --port 9000). Run "kinema --help" to see the commands.'],
    [['start', '--port'], 'kinema start: --port needs a value. Run "kinema start --help" for usage.'],
    [['migrate', 'now'], 'kinema migrate: unexpected argument "now". Run "kinema migrate --help" for usage.'],
    [['edge-config', '--listen', 'eighty'], 'kinema edge-config: --listen "eighty" is not PORT or HOST:PORT with a port from 1 to 65535. Run "kinema edge-config --help" for usage.'],
    [['edge-config', '--origin', 'api1:8080;evil'], 'kinema edge-config: --origin "api1:8080;evil" is not HOST:PORT (e.g. api1:8080). Run "kinema edge-config --help" for usage.'],
    [['edge-config', '--token-script', '/x.js'], 'kinema edge-config: --token-script only applies with --verify-tokens. Run "kinema edge-config --help" for usage.'],
    [['transcode', '--out', 'x'], 'kinema transcode: give the video to transcode (kinema transcode INPUT --out DIR). Run "kinema transcode --help" for usage.'],
    [['transcode', '/no/such/video.mp4', '--out', 'x'], 'kinema transcode: /no/such/video.mp4: no such file. Run "kinema transcode --help" for usage.'],
  ];
  for (const [args, line] of cases) {
    const r = kinema(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.deepEqual(lines(r.stderr), [line]);
  }
});

test('edge-config still renders from its flags', () => {
  const r = kinema(['edge-config', '--origin', 'api1:8080', '--origin', 'api2:8080', '--listen', '80', '--max-size', '200g']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /server api1:8080 .*\n\s+server api2:8080 /);
  assert.match(r.stdout, /listen 80;/);
  assert.match(r.stdout, /max_size=200g/);
});

test('settings flags still configure a role: --port, --data-dir (migrate, then start)', async () => {
  const dataDir = await tempDir('kinema-cli-');
  const m = kinema(['migrate', '--data-dir', dataDir]);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, /^Applied /);
  assert.match(kinema(['migrate', `--data-dir=${dataDir}`]).stdout, /^Database is up to date\.\n$/);

  // A port found free can be taken by another process before kinema binds it: then kinema exits
  // with EADDRINUSE, and the test starts it again on another port.
  let port = 0;
  let child!: ReturnType<typeof spawn>;
  let out = '';
  let exited!: Promise<number | null>;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    child = spawn(process.execPath, [bin, 'start', '--port', String(port), '--data-dir', dataDir, '--worker-concurrency', '0'], { env: childEnv({}) });
    out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await until(() => /Kinema is up/.test(out) || child.exitCode !== null, 'kinema start to come up');
    if (child.exitCode === null || attempt >= 5 || !/EADDRINUSE/.test(out)) break;
  }
  try {
    assert.match(out, new RegExp(`Kinema is up .*:${port}\\b`), out);
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(res.status, 200);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('the flags are exactly the settings config.ts reads', async () => {
  const source = await readFile(join(packageRoot, 'src', 'config.ts'), 'utf8');
  const read = new Set([...source.matchAll(/\b(?:merged|env)(?:\.([A-Z][A-Z0-9_]+)|, '([A-Z][A-Z0-9_]+)')/g)].map((m) => m[1] ?? m[2]));
  assert.deepEqual([...read].sort(), [...SETTING_NAMES].sort());
});

test('transcode --out: a non-empty directory needs --force, which leaves no stale rung behind', async () => {
  const dir = await tempDir('kinema-cli-transcode-');
  const out = join(dir, 'hls');
  // A 1080p source plans several rungs; a 180p one plans only 180p.
  const big = await makeClip(dir, { width: 1920, height: 1080, durationSec: 1, rate: 24 });
  const small = await makeClip(dir, { width: 320, height: 180, durationSec: 1, rate: 24 });

  const first = await kinemaAsync(['transcode', big, '--out', out]);
  assert.equal(first.status, 0, first.stderr);
  const firstRungs = (await readdir(out)).filter((n) => /^\d+p$/.test(n));
  assert.ok(firstRungs.length >= 3 && firstRungs.includes('1080p'), `rungs of the 1080p source: ${firstRungs}`);

  const refused = await kinemaAsync(['transcode', small, '--out', out]);
  assert.equal(refused.status, 2);
  assert.deepEqual(lines(refused.stderr), [`kinema transcode: ${out} is not empty; pass --force to replace its contents. Run "kinema transcode --help" for usage.`]);
  assert.ok((await readdir(out)).includes('1080p'), 'a refused run changes nothing');

  const forced = await kinemaAsync(['transcode', small, '--out', out, '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.deepEqual((await readdir(out)).sort(), ['180p', 'audio', 'master.m3u8', 'thumbs']);
  const master = await readFile(join(out, 'master.m3u8'), 'utf8');
  assert.match(master, /^180p\/index\.m3u8$/m);
  assert.doesNotMatch(master, /1080p|720p|480p|360p/);
  // The ladder was written to a staging folder and moved: its playlists must not point there.
  assert.doesNotMatch(await readFile(join(out, '180p', 'index.m3u8'), 'utf8'), /kinema-partial|\//);
});

test('transcode of a file that is not a video exits 3 and leaves --out as it was', async () => {
  const dir = await tempDir('kinema-cli-transcode-');
  const fake = join(dir, 'fake.mp4');
  await writeFile(fake, 'not a video');
  const r = await kinemaAsync(['transcode', fake, '--out', join(dir, 'out')]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^rejected: .*\[INPUT_NOT_A_VIDEO\]\n$/);
  assert.deepEqual((await readdir(dir)).sort(), ['fake.mp4']);
});
