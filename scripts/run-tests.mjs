#!/usr/bin/env node
// Runs every test file with Node's own test runner (through tsx for TypeScript).
// Usage: node scripts/run-tests.mjs [path-filter...]   e.g. `npm test -- transcode`
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap((d) => findTests(d))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}
// The web app is built once, here, before any test runs: test files run two at a time, and a
// file rebuilding dist/web while another serves it (Vite empties the directory first) broke the
// other's pages mid-test. Files run on their own still build it themselves (test/e2e/kinema.ts).
const web = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
if (web.status !== 0) {
  console.error('Building the web app failed (see above); the browser tests need it.');
  process.exit(web.status ?? 1);
}
// A test that hangs fails after 15 minutes instead of holding the whole run forever.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=900000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', KINEMA_WEB_PREBUILT: '1' } },
);
process.exit(result.status ?? 1);
