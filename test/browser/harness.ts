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

/** The system Chromium; fails with instructions when it is missing. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => !!p,
  );
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found)
    throw new Error(
      `no Chromium found (looked at ${candidates.join(', ')}): install Debian's chromium (apt-get install chromium), as .ci/run does, or set CHROMIUM_PATH`,
    );
  return found;
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
