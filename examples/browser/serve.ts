/**
 * A static file server for the repository: the browser demo (`npm run serve-demo`) and the browser
 * tests use it. It serves the whole repository because the pages import the bundle from `/dist/`
 * and tfjs from `/node_modules/` (see the import map in examples/browser/index.html).
 *
 *   npx tsx examples/browser/serve.ts [--port 8080] [--host 127.0.0.1] [--cross-origin-isolated]   (or PORT=8080)
 */
import * as fs from 'fs';
import * as http from 'http';
import {AddressInfo} from 'net';
import * as path from 'path';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '../..');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Directory to serve (default: the repository). */
  root?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: the server is not reachable from other machines). */
  host?: string;
  /**
   * Sends the COOP/COEP headers that make the pages cross-origin isolated, so that they can
   * share memory (SharedArrayBuffer) with their workers (default false).
   */
  crossOriginIsolated?: boolean;
}

/** A running server: its base URL (no trailing slash), its port, and how to stop it. */
export interface RunningServer {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * Serves the files below `root`. Directories redirect to their slash form and serve their
 * index.html. Responses are not cached, so that a rebuilt bundle is picked up on reload.
 */
export async function startServer({
  root = ROOT,
  port = 0,
  host = '127.0.0.1',
  crossOriginIsolated = false,
}: ServerOptions = {}): Promise<RunningServer> {
  const base = path.resolve(root);
  const isolation: Record<string, string> = crossOriginIsolated
    ? {'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp'}
    : {};
  const server = http.createServer((req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    const file = path.join(base, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.stat(file, (statError, stats) => {
      if (!statError && stats.isDirectory()) {
        res.writeHead(301, {Location: `${pathname}/`}).end();
        return;
      }
      fs.readFile(file, (err, body) => {
        if (err) {
          res.writeHead(404, {'Content-Type': 'text/plain'}).end(`not found: ${pathname}`);
          return;
        }
        res
          .writeHead(200, {
            'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
            'Cache-Control': 'no-store',
            ...isolation,
          })
          .end(body);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}`,
    port: bound,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `--name value` or `--name=value` from the command line. */
function flag(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(name.length + 3) : args[i + 1];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portText = flag(args, 'port') ?? process.env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be an integer in [0, 65535], but got ${JSON.stringify(portText)}`);
    process.exit(2);
  }
  const host = flag(args, 'host') ?? '127.0.0.1';
  const server = await startServer({port, host, crossOriginIsolated: args.includes('--cross-origin-isolated')});
  const name = ['127.0.0.1', '::1', '0.0.0.0', '::'].includes(host) ? 'localhost' : host;
  console.log(`tfjs-gmm browser demo: http://${name}:${server.port}/examples/browser/  (Ctrl-C stops the server)`);
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`serve: ${e.message}`);
    process.exit(1);
  });
}
