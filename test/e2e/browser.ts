import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Headless Chromium for the browser tests and the TTFF bench: Debian's /usr/bin/chromium driven
 * by playwright-core (no bundled browser download). Installed with apt when missing and we are
 * root; otherwise the error says how to install it.
 */

const run = promisify(execFile);
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, reproducible headless run; autoplay allowed so TTFF measures the player. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** Makes sure a Chromium binary exists, installing Debian's package when we can. */
export async function ensureChromium(): Promise<string> {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  await run('apt-get', ['update'], { maxBuffer: 64 * 1024 * 1024 });
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
  return CHROMIUM_PATH;
}

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = await ensureChromium();
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/** What a page did that a test should see: CSP violations, console errors, uncaught exceptions. */
export interface Observed {
  /** securitypolicyviolation events the page fired. */
  violations: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
}

export interface ObservedPageOptions {
  baseURL: string;
  timeoutMs: number;
  width?: number;
  height?: number;
  /** Runs in every document before the page's own scripts (e.g. counters of media events). */
  initScript?: () => void;
}

/**
 * A page in a fresh context that records into `observed` every CSP violation, console error and
 * uncaught exception. Console errors that are the app working are left out: the 401 of "who am I"
 * when signed out, and requests aborted by typing on or leaving a page.
 */
export async function newObservedPage(browser: Browser, observed: Observed, o: ObservedPageOptions): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 800 }, baseURL: o.baseURL });
  context.setDefaultTimeout(o.timeoutMs);
  const page = await context.newPage();
  // Exposed before any page script runs, and called from a listener added the same way, so a
  // violation by the very first inline script is caught too.
  await page.exposeFunction('__reportCspViolation', (v: string) => void observed.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCspViolation(v: string): void }).__reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  if (o.initScript) await page.addInitScript(o.initScript);
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401|ERR_ABORTED/.test(m.text())) observed.errors.push(m.text());
  });
  page.on('pageerror', (err) => observed.errors.push(`uncaught: ${err.message}`));
  return { context, page };
}
