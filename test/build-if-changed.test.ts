import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIfChanged } from '../scripts/build.mjs';
import { tempDir } from './support/services.js';

/**
 * `npm start` and `npm test` build through scripts/build.mjs --if-changed. These tests run its
 * decision on a small project tree; the build itself (tsc + vite, 20 s) is replaced by one that
 * writes the two outputs, because what is under test is when it runs, not what it produces.
 */
async function project() {
  const root = await tempDir('kinema-build-');
  const files: Record<string, string> = {
    'package.json': '{"name":"x"}\n',
    'package-lock.json': '{}\n',
    'tsconfig.json': '{}\n',
    'tsconfig.build.json': '{}\n',
    'src/cli.ts': 'export const a = 1;\n',
    'src/modules/x/x.test.ts': 'test\n',
    'web/index.html': '<p>hi</p>\n',
    'web/vite.config.ts': 'export default {};\n',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  let builds = 0;
  let failNext = false;
  const build = () => {
    if (failNext) throw new Error('tsc failed');
    builds++;
    // Synchronous, like the real build (spawnSync).
    for (const out of ['dist/cli.js', 'dist/web/index.html']) {
      mkdirSync(join(root, out, '..'), { recursive: true });
      writeFileSync(join(root, out), 'built');
    }
  };
  const run = () => buildIfChanged(root, build, () => {});
  return { root, run, builds: () => builds, failNextBuild: (v: boolean) => (failNext = v) };
}

test('a fresh clone builds; a second start without changes does not', async () => {
  const p = await project();
  assert.equal(p.run(), true);
  assert.equal(p.run(), false);
  assert.equal(p.builds(), 1);
});

test('a changed source, web file, config or lockfile builds again', async () => {
  const p = await project();
  p.run();
  for (const [file, text] of [
    ['src/cli.ts', 'export const a = 2;\n'],
    ['web/index.html', '<p>hello</p>\n'],
    ['web/vite.config.ts', 'export default { base: "/" };\n'],
    ['tsconfig.build.json', '{"compilerOptions":{}}\n'],
    ['package-lock.json', '{"lockfileVersion":3}\n'],
    ['src/modules/new-module/index.ts', 'export {};\n'],
  ] as const) {
    const before = p.builds();
    await mkdir(join(p.root, file, '..'), { recursive: true });
    await writeFile(join(p.root, file), text);
    assert.equal(p.run(), true, `${file} changed but nothing was built`);
    assert.equal(p.builds(), before + 1);
    assert.equal(p.run(), false, `built twice for one change of ${file}`);
  }
});

test('a deleted source file builds again', async () => {
  const p = await project();
  await writeFile(join(p.root, 'src/extra.ts'), 'export {};\n');
  p.run();
  await rm(join(p.root, 'src/extra.ts'));
  assert.equal(p.run(), true);
});

test('touching a file without changing it, or editing a unit test, builds nothing', async () => {
  const p = await project();
  p.run();
  const later = new Date(Date.now() + 60_000);
  await utimes(join(p.root, 'src/cli.ts'), later, later);
  await writeFile(join(p.root, 'src/modules/x/x.test.ts'), 'another test\n');
  assert.equal(p.run(), false);
  assert.equal(p.builds(), 1);
});

test('a missing output builds again even when the sources did not change', async () => {
  const p = await project();
  p.run();
  await rm(join(p.root, 'dist/web'), { recursive: true });
  assert.equal(p.run(), true);
  assert.ok(existsSync(join(p.root, 'dist/web/index.html')));
});

test('after a failed build the next start builds again, even if the sources went back', async () => {
  const p = await project();
  p.run();
  await writeFile(join(p.root, 'src/cli.ts'), 'export const a = 3;\n');
  p.failNextBuild(true);
  assert.throws(() => p.run(), /tsc failed/);
  p.failNextBuild(false);
  // Back to the content of the last good build: dist/ may hold half of the failed one.
  await writeFile(join(p.root, 'src/cli.ts'), 'export const a = 1;\n');
  assert.equal(p.run(), true);
  assert.equal(p.run(), false);
});
