/**
 * The demo's static server as `npm run serve-demo` starts it (examples/browser/serve.ts): it
 * prints the demo's URL, serves the page and the files its import map names, redirects
 * directories to their slash form, and stays inside the repository.
 */
import {ChildProcess, spawn} from 'child_process';
import {expect} from 'chai';
import * as http from 'http';
import * as path from 'path';

import {ROOT} from './harness';

/** A raw GET (fetch would normalise the path), resolving to the status and the body. */
function get(port: number, rawPath: string): Promise<{status: number; location?: string; type?: string; body: string}> {
  return new Promise((resolve, reject) => {
    http
      .get({host: '127.0.0.1', port, path: rawPath}, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({status: res.statusCode!, location: res.headers.location, type: res.headers['content-type'], body}),
        );
      })
      .on('error', reject);
  });
}

describe('npm run serve-demo: the static server', function () {
  this.timeout(60000);
  let server: ChildProcess;
  let port: number;
  let banner: string;

  before(async () => {
    server = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'examples/browser/serve.ts'), '--port', '0'],
      {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']},
    );
    banner = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      server.on('exit', (code) => reject(new Error(`the server exited with code ${code}: ${out}`)));
    });
    port = Number(/localhost:(\d+)\//.exec(banner)?.[1]);
  });

  after(() => {
    server?.kill();
  });

  it('prints the URL of the demo on the chosen port', () => {
    expect(banner).to.match(/^tfjs-gmm browser demo: http:\/\/localhost:\d+\/examples\/browser\//);
    expect(port).to.be.greaterThan(0);
  });

  it('serves the page and the modules its import map names, with their types', async () => {
    const page = await get(port, '/examples/browser/');
    expect(page.status).to.equal(200);
    expect(page.type).to.contain('text/html');
    expect(page.body).to.contain('<script type="importmap">');
    for (const file of ['/examples/browser/demo.js', '/node_modules/@tensorflow/tfjs/dist/tf.fesm.js']) {
      const res = await get(port, file);
      expect(res.status, file).to.equal(200);
      expect(res.type, file).to.equal('text/javascript');
    }
    const wasm = await get(port, '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    expect(wasm.status).to.equal(200);
    expect(wasm.type, 'wasm needs its MIME type for streaming compilation').to.equal('application/wasm');
  });

  it('redirects a directory to its slash form, and answers 404 and 403 where it should', async () => {
    const redirect = await get(port, '/examples/browser');
    expect(redirect.status).to.equal(301);
    expect(redirect.location).to.equal('/examples/browser/');
    expect((await get(port, '/examples/browser/missing.js')).status).to.equal(404);
    // An encoded slash survives URL parsing, and decodes to a path outside the repository.
    expect((await get(port, '/..%2f..%2fetc%2fpasswd')).status).to.equal(403);
  });
});
