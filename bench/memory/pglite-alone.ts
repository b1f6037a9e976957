/**
 * Where idle memory goes, step by step in one process: Node alone, then the embedded database
 * opened and migrated (PGlite with its extensions), printing RSS and the V8 heap after each step.
 * Run by bench/memory/idle.ts; also on its own: npx tsx bench/memory/pglite-alone.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mb = (n: number) => Math.round(n / 1024 / 1024);
const steps: Record<string, { rssMb: number; heapMb: number; externalMb: number; arrayBuffersMb: number }> = {};
const mark = (name: string) => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  steps[name] = { rssMb: mb(m.rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
};
mark('node');
const { openDatabase } = await import('../../src/platform/db/index.js');
mark('modules loaded');
const dir = await mkdtemp(join(tmpdir(), 'kinema-mem-'));
const db = await openDatabase({ dataDir: dir });
mark('PGlite open');
await db.migrate();
mark('migrated');
await db.close();
await rm(dir, { recursive: true, force: true });
console.log(JSON.stringify(steps));
