/**
 * Shared pieces of the browser tests: a static server for the repository and a headless
 * Chromium from the system (Debian's `chromium`; `.ci/run` installs it). No browser download.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import {AddressInfo} from 'net';
import * as path from 'path';
import type {Browser, ConsoleMessage, Page} from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../..');

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
  '.wasm': 'application/wasm', '.css': 'text/css', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Serves files below `root` on a free local port. */
export async function startServer(root = ROOT): Promise<{url: string; close: () => Promise<void>}> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url!, 'http://localhost').pathname);
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end(`not found: ${pathname}`);
        return;
      }
      res.writeHead(200, {'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream'}).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve()))};
}

/** The system Chromium; fails with instructions when it is missing. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no Chromium found (looked at ${candidates.join(', ')}): install Debian's chromium (apt-get install chromium), as .ci/run does, or set CHROMIUM_PATH`);
  return found;
}

/** Launches headless Chromium with the flags a closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  const {chromium} = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-swiftshader'],
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
