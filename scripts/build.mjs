#!/usr/bin/env node
// Builds the server (tsc → dist/) and the web app (vite → dist/web), then records a digest of
// everything the build read in dist/.build-stamp. With --if-changed it builds only when that
// digest differs from the stamp or an output is missing, so a second `npm start` starts at once.
// Usage: node scripts/build.mjs [--if-changed]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Root files the build reads besides src/ and web/ (configs, the lockfile, this script). */
const ROOT_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];
/** What the build must have produced for a stamp to mean anything. */
const OUTPUTS = ['dist/cli.js', 'dist/web/index.html'];
const STAMP = join('dist', '.build-stamp');

function listFiles(dir, out) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, out);
    // Unit tests are excluded from the build (tsconfig.build.json), so editing one builds nothing.
    else if (entry.isFile() && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/**
 * A sha256 over the path and content of every build input. Content, not mtimes: a checkout or
 * `touch` that leaves the bytes alone does not force a 20-second rebuild, and a change made
 * within the same second as the last build is still seen.
 */
export function digestBuildInputs(root) {
  const files = [...listFiles(join(root, 'src'), []), ...listFiles(join(root, 'web'), [])];
  for (const f of ROOT_INPUTS) if (existsSync(join(root, f))) files.push(join(root, f));
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(root, f).split(sep).join('/')).sort()) {
    hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Why the build in `root` must run, or undefined when dist/ is current.
 * @example whyBuild('/srv/kinema') // → 'src/, web/ or a config changed since the last build'
 */
export function whyBuild(root, digest = digestBuildInputs(root)) {
  const missing = OUTPUTS.find((f) => !existsSync(join(root, f)));
  if (missing) return `${missing} is missing`;
  const stampPath = join(root, STAMP);
  if (!existsSync(stampPath)) return 'no record of the last build';
  if (readFileSync(stampPath, 'utf8').trim() !== digest) return 'src/, web/ or a config changed since the last build';
  return undefined;
}

/**
 * Runs `build` (a function that throws on failure), then stamps dist/ with the digest taken
 * BEFORE building: an edit made while the build runs is rebuilt next time. The old stamp goes
 * first, so a build that fails half-way (tsc done, vite not) is never taken for a current one.
 */
export function buildAndStamp(root, build, digest = digestBuildInputs(root)) {
  rmSync(join(root, STAMP), { force: true });
  build();
  writeFileSync(join(root, STAMP), `${digest}\n`);
}

/**
 * buildAndStamp when whyBuild says the build is out of date; otherwise nothing.
 * Returns whether it built.
 * @example buildIfChanged(root, () => runBuild(root))
 */
export function buildIfChanged(root, build, log = (line) => process.stdout.write(`${line}\n`)) {
  const digest = digestBuildInputs(root);
  const reason = whyBuild(root, digest);
  if (!reason) {
    log('build: dist/ matches the sources; not rebuilding.');
    return false;
  }
  log(`build: building (${reason})...`);
  buildAndStamp(root, build, digest);
  return true;
}

/** The real build: the server's TypeScript, then the web app. Throws when either fails. */
export function runBuild(root) {
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  for (const [cmd, args] of [
    [bin('tsc'), ['-p', 'tsconfig.build.json']],
    [bin('vite'), ['build', 'web']],
  ]) {
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`"${relative(root, cmd)} ${args.join(' ')}" failed (exit ${r.status ?? r.signal}).`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  try {
    if (process.argv.includes('--if-changed')) buildIfChanged(root, () => runBuild(root));
    else buildAndStamp(root, () => runBuild(root));
  } catch (err) {
    process.stderr.write(`build: ${err.message}\n`);
    process.exit(1);
  }
}
