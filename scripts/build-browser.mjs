/**
 * Builds the ES module bundles for browsers and bundlers:
 * - dist/tfjs-gmm.esm.js: the package. tfjs stays external (a peer dependency: the page or the
 *   app brings its own @tensorflow/tfjs), and the Node-only modules (file-system loader, worker
 *   threads) are swapped for their browser stand-ins.
 * - dist/tfjs-gmm.worker.esm.js: the Web Worker of GaussianMixture's `workers` (fitAsync), with
 *   its own tfjs (core, cpu and wasm backends) bundled in: a module worker has no import map and
 *   needs a tfjs of its own anyway. The wasm backend's .wasm files are copied next to it, where
 *   the worker loads them from.
 */
import * as esbuild from 'esbuild';
import fs from 'fs';
import path from 'path';
import {fileURLToPath} from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const WORKER_FILE = 'tfjs-gmm.worker.esm.js';

const browserStandIns = {
  name: 'browser-stand-ins',
  setup(build) {
    build.onResolve({filter: /\/node_fs$/}, (args) => ({path: path.join(args.resolveDir, 'node_fs.browser.ts')}));
    build.onResolve({filter: /\/node_threads$/}, (args) => ({
      path: path.join(args.resolveDir, 'node_threads.browser.ts'),
    }));
    // The default worker: the worker bundle next to this one, in the form bundlers recognise
    // (they then bundle the worker script and rewrite its URL).
    build.onResolve({filter: /\/default_worker$/}, () => ({path: 'default_worker', namespace: 'tfjs-gmm'}));
    build.onLoad({filter: /^default_worker$/, namespace: 'tfjs-gmm'}, () => ({
      loader: 'js',
      contents:
        `export const defaultWorker = () =>\n` +
        `  new Worker(new URL('./${WORKER_FILE}', import.meta.url), {type: 'module'});\n`,
    }));
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  sourcemap: true,
  logLevel: 'warning',
};

await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'src/index.ts')],
  outfile: path.join(dist, 'tfjs-gmm.esm.js'),
  external: [
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-layers',
    '@tensorflow/tfjs-core/*',
    '@tensorflow/tfjs-layers/*',
  ],
  plugins: [browserStandIns],
});

await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'browser/worker.ts')],
  outfile: path.join(dist, WORKER_FILE),
  plugins: [browserStandIns],
});

const wasmDist = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const file of fs.readdirSync(wasmDist).filter((f) => f.endsWith('.wasm')))
  fs.copyFileSync(path.join(wasmDist, file), path.join(dist, file));
