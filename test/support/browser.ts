/**
 * Headless Chromium for tests: Debian's `chromium` package (/usr/bin/chromium), driven by
 * `playwright-core`, which never downloads a browser of its own. `useChromium` opens one browser
 * with a fresh profile before each test and closes it (and deletes the profile) after it, so no
 * browser outlives its test. Without the browser the test fails and says how to install it.
 *
 * The machine's network is closed: without the flags below Chromium tries to reach Google's
 * services (component updates, sync, QUIC probes) and hangs on the refused connections.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';

export const chromiumPath = '/usr/bin/chromium';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where tests save screenshots: not committed (.gitignore), for a person to look at. */
export const screenshotRoot = fileURLToPath(new URL('../../test-results/', import.meta.url));

export interface ChromiumPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Uncaught exceptions thrown in the page so far. */
  readonly pageErrors: string[];
  /** Saves a screenshot of the viewport as `<dir>/<name>.png` and logs its path. */
  screenshot(dir: string, name: string): Promise<string>;
}

export interface ChromiumOptions {
  viewport?: { width: number; height: number };
}

async function launch(options: ChromiumOptions): Promise<ChromiumPage & { close(): Promise<void> }> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed (${chromiumPath}): the browser tests need Debian's chromium package. ` +
        'Install it with `sudo apt-get install -y --no-install-recommends chromium` (see Prerequisites in the README).',
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'eventloom-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    page,
    context,
    pageErrors,
    async screenshot(dir, name) {
      const folder = join(screenshotRoot, dir);
      await mkdir(folder, { recursive: true });
      const path = join(folder, `${name}.png`);
      await page.screenshot({ path });
      console.info(`screenshot: ${path}`);
      return path;
    },
    async close() {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A headless Chromium with a fresh profile for each test of the file: launched before the test,
 * closed after it. Returns a getter, since the browser exists only once beforeEach has run.
 */
export function useChromium(options: ChromiumOptions = {}): () => ChromiumPage {
  let current: (ChromiumPage & { close(): Promise<void> }) | undefined;
  beforeEach(async () => {
    current = await launch(options);
  });
  afterEach(async () => {
    const browser = current;
    current = undefined;
    await browser?.close();
  });
  return () => {
    if (!current) throw new Error('the browser is not started yet');
    return current;
  };
}
