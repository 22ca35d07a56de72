/**
 * The packed package installs into an empty project and can be imported from plain Node (CommonJS
 * and ES modules), from TypeScript, and by a bundler targeting browsers, with tfjs as peer
 * dependencies.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

import {LockEntry, ROOT, consumerProject, directoryBytes, run} from './helpers/consumer';

/**
 * The lock entries reachable from `start` through dependencies, optional dependencies and peer
 * dependencies, resolved as Node resolves them (nested node_modules first, then upwards).
 */
function closure(packages: Record<string, LockEntry>, start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (location: string) => {
    if (seen.has(location)) return;
    seen.add(location);
    const entry = packages[location];
    const names = Object.keys({...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies});
    for (const name of names) {
      let base = location;
      for (;;) {
        const candidate = `${base}/node_modules/${name}`;
        if (packages[candidate]) {
          visit(candidate);
          break;
        }
        if (!base.includes('/node_modules/')) {
          if (packages[`node_modules/${name}`]) visit(`node_modules/${name}`);
          break;
        }
        base = base.slice(0, base.lastIndexOf('/node_modules/'));
      }
    }
  };
  visit(start);
  return seen;
}

describe('npm package', function () {
  this.timeout(300000);
  let project: string;

  before(function () {
    this.timeout(900000);
    project = consumerProject().dir;
  });

  it('ships compiled JavaScript and type declarations, and no sources or tests', () => {
    const dir = path.join(project, 'node_modules/tfjs-gmm');
    expect(fs.existsSync(path.join(dir, 'dist/src/index.js'))).to.equal(true);
    expect(fs.existsSync(path.join(dir, 'dist/src/index.d.ts'))).to.equal(true);
    expect(fs.existsSync(path.join(dir, 'test'))).to.equal(false);
    expect(fs.existsSync(path.join(dir, 'src'))).to.equal(false);
  });

  it('works with require() from plain Node', () => {
    const script = `
      const tf = require('@tensorflow/tfjs');
      const {gmmLogLikelihood, GaussianMixture} = require('tfjs-gmm');
      tf.setBackend('cpu').then(() => {
        const ll = gmmLogLikelihood([[0, 0]], [1], [[0, 0]], [[[1, 0], [0, 1]]]);
        console.log(ll.dataSync()[0].toFixed(6));
        const gm = new GaussianMixture({nComponents: 2}).fit([[0, 0], [0.1, 0], [5, 5], [5.1, 5]]);
        console.log(gm.converged);
      });`;
    expect(run('node', ['-e', script], project).trim()).to.equal(`${(-Math.log(2 * Math.PI)).toFixed(6)}\ntrue`);
  });

  it('works with import from an ES module', () => {
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import {gmmLogLikelihood, gmmInit} from 'tfjs-gmm';
      await tf.setBackend('cpu');
      const p = gmmInit(2, 3, 'diag');
      console.log(p.covariances.shape.join('x'), gmmLogLikelihood([0, 0, 0], p.weights, p.means, p.covariances, 'diag').dataSync()[0].toFixed(6));`;
    const out = run('node', ['--input-type=module', '-e', script], project).trim();
    expect(out).to.equal(`2x3 ${(-1.5 * Math.log(2 * Math.PI)).toFixed(6)}`);
  });

  it('installs the tfjs-gmm command: npx tfjs-gmm fits generated data on the cpu backend of @tensorflow/tfjs', () => {
    const out = run('npx', ['--no-install', 'tfjs-gmm', '--samples', '200', '--components', '2'], project);
    expect(out).to.contain('(running on cpu: npm install @tensorflow/tfjs-backend-wasm for the faster wasm backend)');
    expect(out).to.contain('tfjs-gmm on cpu: fitting 2 full components to 200 x 2 generated samples by EM');
    expect(out).to.match(/mean log-likelihood -?\d+\.\d{4}, BIC/);
    expect(run('npx', ['--no-install', 'tfjs-gmm', '--help'], project)).to.contain('Usage: tfjs-gmm [options]');
  });

  it('npx tfjs-gmm says what to install for --visualize and --backend wasm, before doing any work', () => {
    const cli = (args: string[]) =>
      spawnSync('npx', ['--no-install', 'tfjs-gmm', ...args], {cwd: project, encoding: 'utf8'});
    const svg = cli(['--samples', '200', '--visualize', 'out/fit.svg']);
    expect(svg.status).to.equal(1);
    expect(svg.stderr).to.equal(
      'tfjs-gmm: --visualize needs @observablehq/plot and jsdom: npm install @observablehq/plot jsdom\n',
    );
    expect(svg.stdout).to.not.contain('fitting');
    const png = cli(['--samples', '200', '--visualize', 'fit.png']);
    expect(png.stderr).to.contain(
      'needs @observablehq/plot and jsdom and @resvg/resvg-js: npm install @observablehq/plot jsdom @resvg/resvg-js',
    );
    const wasm = cli(['--samples', '200', '--backend', 'wasm']);
    expect(wasm.status).to.equal(1);
    expect(wasm.stderr).to.equal(
      'tfjs-gmm: the wasm backend needs @tensorflow/tfjs-backend-wasm: npm install @tensorflow/tfjs-backend-wasm\n',
    );
    expect(fs.existsSync(path.join(project, 'out/fit.svg'))).to.equal(false);
  });

  it('adds nothing at run time beyond itself to an install of @tensorflow/tfjs', () => {
    const {libraryInstall, libraryInstallBytes, installLines} = consumerProject();
    expect(installLines[0]).to.equal('npm install tfjs-gmm @tensorflow/tfjs');
    expect(libraryInstall['node_modules/tfjs-gmm'].dependencies ?? {}).to.deep.equal({});
    const installed = Object.keys(libraryInstall).filter((location) => location !== '');
    const ofTfjs = closure(libraryInstall, 'node_modules/@tensorflow/tfjs');
    expect(installed.filter((location) => !ofTfjs.has(location))).to.deep.equal(['node_modules/tfjs-gmm']);
    const ownBytes = directoryBytes(path.join(project, 'node_modules/tfjs-gmm'));
    console.log(
      `      (tfjs-gmm + @tensorflow/tfjs: ${installed.length} packages, ${(libraryInstallBytes / 2 ** 20).toFixed(1)} MiB; ` +
        `@tensorflow/tfjs alone: ${ofTfjs.size} packages; tfjs-gmm itself: ${(ownBytes / 2 ** 20).toFixed(2)} MiB)`,
    );
  });

  it('without a backend, a consumer is told to import one', () => {
    const script = `
      const {GaussianMixture} = require('tfjs-gmm');
      try { new GaussianMixture({nComponents: 2}).fit([[0, 0], [0.1, 0], [5, 5], [5.1, 5]]); } catch (e) { console.log(e.message); }`;
    expect(run('node', ['-e', script], project)).to.match(
      /^GaussianMixture\.fit: no tfjs backend is registered: import one before calling tfjs-gmm, e\.g\. import '@tensorflow\/tfjs'/,
    );
  });

  it('ships the Apache-2.0 LICENSE and source maps that carry their sources', () => {
    const dir = path.join(project, 'node_modules/tfjs-gmm');
    expect(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8')).to.match(
      /^\s*Apache License\s+Version 2\.0, January 2004/,
    );
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest).to.include.keys('repository', 'homepage', 'keywords', 'author', 'license');
    const maps: string[] = [];
    const walk = (d: string) => {
      for (const entry of fs.readdirSync(d, {withFileTypes: true})) {
        const file = path.join(d, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.js.map')) maps.push(file);
      }
    };
    walk(path.join(dir, 'dist'));
    expect(maps.length).to.be.greaterThan(50);
    expect(maps).to.include(path.join(dir, 'dist/tfjs-gmm.esm.js.map'));
    for (const file of maps) {
      const map = JSON.parse(fs.readFileSync(file, 'utf8')) as {sources: string[]; sourcesContent?: (string | null)[]};
      expect(map.sourcesContent, file).to.be.an('array').with.length(map.sources.length);
      for (const [i, content] of map.sourcesContent!.entries())
        expect(content, `${file}: ${map.sources[i]}`).to.be.a('string').and.not.equal('');
    }
  });

  it('type-checks from TypeScript', () => {
    fs.writeFileSync(
      path.join(project, 'consumer.ts'),
      `
      import * as tf from '@tensorflow/tfjs-core';
      import {gmmLogProb, gmmNLL, CovarianceTypeName, cholesky, GaussianMixture, SklearnGaussianMixtureJSON, emStep} from 'tfjs-gmm';
      const type: CovarianceTypeName = 'spherical';
      const lp: tf.Tensor = gmmLogProb([[0, 1]], [1], [[0, 0]], [2], type);
      const loss: tf.Scalar = gmmNLL(tf.zeros([4, 2]), [1], [[0, 0]], [2], type);
      const L: tf.Tensor = cholesky(tf.eye(3));
      const gm = new GaussianMixture({nComponents: 2, covarianceType: 'diag', onIteration: (i) => console.log(i.lowerBound)});
      const labels: tf.Tensor1D = gm.fit([[0, 0], [1, 1], [5, 5]]).predict([[0, 1]]);
      const sk: SklearnGaussianMixtureJSON = gm.toSklearnJSON();
      const step = emStep([[0], [1]], {covarianceType: 'spherical', weights: [1], means: [[0]], covariances: [1]});
      const ll: number = step.logLikelihood;
      export {lp, loss, L, labels, sk, ll};
    `,
    );
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'commonjs',
          moduleResolution: 'node',
          target: 'ES2020',
          lib: ['ES2020', 'DOM'],
          skipLibCheck: true,
        },
        files: ['consumer.ts'],
      }),
    );
    run('node', [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
  });

  it('resolves to the ES module bundle in a bundler targeting browsers (esbuild, platform browser)', async () => {
    fs.writeFileSync(
      path.join(project, 'app.js'),
      `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import {GaussianMixture, fileSystemHandler} from 'tfjs-gmm';
      await tf.setBackend('cpu');
      console.log(new GaussianMixture({nComponents: 2}).fit([[0, 0], [0.1, 0], [5, 5], [5.1, 5]]).converged, fileSystemHandler);`,
    );
    const result = await esbuild.build({
      entryPoints: ['app.js'],
      absWorkingDir: project,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((file) => file.startsWith('node_modules/tfjs-gmm/'));
    // The `browser` condition of the package's exports picks the bundle, not the CommonJS build.
    expect(inputs).to.deep.equal(['node_modules/tfjs-gmm/dist/tfjs-gmm.esm.js']);
    const code = result.outputFiles[0].text;
    expect(code, 'no require() of Node built-ins').to.not.match(/\brequire\(\s*["'](fs|path|os|node:)/);
    // ... and the browser stand-in of the file-system loader, with its explanation.
    expect(code).to.contain('fileSystemHandler: needs Node (fs)');
  });

  it('resolves to the CommonJS build in a bundler targeting Node, with a working fileSystemHandler', async () => {
    // The `node` condition comes before `module`: the ES module bundle carries the browser
    // stand-in of the file-system loader, which would break fileSystemHandler in a bundled Node app.
    fs.writeFileSync(
      path.join(project, 'node-app.js'),
      `
      import '@tensorflow/tfjs-backend-cpu';
      import * as tf from '@tensorflow/tfjs-core';
      import {fileSystemHandler} from 'tfjs-gmm';
      tf.setBackend('cpu')
        .then(() => fileSystemHandler('./saved-model').save({modelTopology: {class_name: 'Sequential'}, weightSpecs: [], weightData: new ArrayBuffer(0)}))
        .then((result) => console.log(result.modelArtifactsInfo.modelTopologyType));`,
    );
    const result = await esbuild.build({
      entryPoints: ['node-app.js'],
      absWorkingDir: project,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@tensorflow/*'],
      outfile: path.join(project, 'node-app.bundle.cjs'),
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((file) => file.startsWith('node_modules/tfjs-gmm/'));
    expect(inputs).to.include('node_modules/tfjs-gmm/dist/src/index.js');
    expect(inputs).to.not.include('node_modules/tfjs-gmm/dist/tfjs-gmm.esm.js');
    expect(run('node', ['node-app.bundle.cjs'], project).trim()).to.equal('JSON');
    expect(fs.existsSync(path.join(project, 'saved-model/model.json'))).to.equal(true);
  });
});
