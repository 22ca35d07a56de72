/**
 * Builds the ES module bundle for browsers and bundlers: dist/tfjs-gmm.esm.js.
 * tfjs stays external (a peer dependency: the page or the app brings its own @tensorflow/tfjs),
 * and the Node-only file-system loader is swapped for its browser stand-in.
 */
import * as esbuild from 'esbuild';
import path from 'path';
import {fileURLToPath} from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const browserStandIns = {
  name: 'browser-stand-ins',
  setup(build) {
    build.onResolve({filter: /\/node_fs$/}, (args) => ({path: path.join(args.resolveDir, 'node_fs.browser.ts')}));
    build.onResolve({filter: /\/node_threads$/}, (args) => ({
      path: path.join(args.resolveDir, 'node_threads.browser.ts'),
    }));
  },
};

await esbuild.build({
  entryPoints: [path.join(root, 'src/index.ts')],
  outfile: path.join(root, 'dist/tfjs-gmm.esm.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  sourcemap: true,
  external: [
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-layers',
    '@tensorflow/tfjs-core/*',
    '@tensorflow/tfjs-layers/*',
  ],
  plugins: [browserStandIns],
  logLevel: 'warning',
});
