/**
 * Shared pieces of the browser tests: the demo's static server for the repository
 * (examples/browser/serve.ts) and a headless Chromium from the system (Debian's `chromium`;
 * `.ci/run` installs it). No browser download.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type {Browser, ConsoleMessage, Page} from 'playwright-core';

import {ROOT, startServer} from '../../examples/browser/serve';

export {ROOT, startServer};

/** What to do when no Chromium is found. */
const INSTALL_HINT =
  "install Debian's chromium (apt-get install chromium), as .ci/run does, or set CHROMIUM_PATH to a Chromium binary";

/**
 * The Chromium binary: `CHROMIUM_PATH` when set (and only it), else the system's; null when none
 * exists.
 */
export function findChromium(): {path: string | null; candidates: string[]} {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return {path: candidates.find((p) => fs.existsSync(p)) ?? null, candidates};
}

/** The Chromium binary; fails with instructions when it is missing. */
export function chromiumPath(): string {
  const {path: found, candidates} = findChromium();
  if (!found) throw new Error(`no Chromium found (looked at ${candidates.join(', ')}): ${INSTALL_HINT}`);
  return found;
}

/**
 * Call first in a browser suite's `before` (or a browser test): without Chromium the suite is
 * skipped, with a line saying why and how to install it; under CI=true a missing browser is an
 * error instead, so that CI cannot pass without running the browser tests.
 */
export function requireChromium(context: Mocha.Context): void {
  const {path: found, candidates} = findChromium();
  if (found) return;
  const reason = `no Chromium found (looked at ${candidates.join(', ')}): ${INSTALL_HINT}`;
  if (process.env.CI === 'true' || process.env.CI === '1')
    throw new Error(`${reason} (CI is set: the browser tests must run)`);
  console.log(`      skipped (browser): ${reason}`);
  context.skip();
}

/** Launches headless Chromium with the flags a closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  const {chromium} = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--enable-unsafe-swiftshader',
    ],
  });
}

/** Collects console errors and page errors of a page. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Builds dist/tfjs-gmm.esm.js, the bundle the pages import. */
export function buildBrowserBundle(): void {
  execFileSync('node', [path.join(ROOT, 'scripts/build-browser.mjs')], {cwd: ROOT, stdio: 'inherit'});
}
