import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/services.js';

/**
 * A real Kinema for browser tests and the TTFF bench: the web app freshly built into dist/web,
 * then api + worker in one process with its own DATA_DIR on a free port.
 */

const webConfig = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));

/** Builds web/ into dist/web (what `npm run build` does for the web app). */
export async function buildWebApp(): Promise<void> {
  // `npm test` built it once before starting the files (scripts/run-tests.mjs): building again
  // here would empty dist/web under the pages another test file is serving.
  if (process.env.KINEMA_WEB_PREBUILT === '1') return;
  await build({ configFile: webConfig, logLevel: 'warn' });
}

/**
 * PUBLIC_URL must carry the real port: media URLs in play responses are built from it, and with
 * PORT=0 it would say "localhost:0". So we pick a free port first.
 */
export async function startWebKinema(opts: { build?: boolean; env?: Record<string, string> } = {}): Promise<TestApp> {
  if (opts.build !== false) await buildWebApp();
  // The port may be bound by another test process between freePort() and listen(): then listen
  // fails with EADDRINUSE and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startTestApp({
        roles: { api: true, worker: true },
        env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...opts.env },
      });
    } catch (err) {
      if (attempt >= 5 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
    }
  }
}

/** Polling with a deadline (no fixed sleeps): the one helper all tests share. */
export { until } from '../support/poll.js';
