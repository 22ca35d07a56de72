/**
 * The packed package installs into an empty project and can be imported from plain Node (CommonJS
 * and ES modules), from TypeScript, and by a bundler targeting browsers, with tfjs as peer
 * dependencies.
 */
import {execFileSync} from 'child_process';
import {expect} from 'chai';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, npm_config_update_notifier: 'false'},
    });
  } catch (e) {
    const err = e as {stdout?: string; stderr?: string; message: string};
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

describe('npm package', function () {
  this.timeout(300000);
  let project: string;

  before(function () {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-consumer-'));
    const packed = run(NPM, ['pack', '--silent', '--pack-destination', project], ROOT).trim().split('\n').pop()!;
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({name: 'consumer', version: '1.0.0', private: true}),
    );
    const tf = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8'),
    ).version;
    // --prefer-offline: the tfjs packages are already in npm's cache after the project's own install.
    run(
      NPM,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        `./${packed}`,
        `@tensorflow/tfjs-core@${tf}`,
        `@tensorflow/tfjs-layers@${tf}`,
        `@tensorflow/tfjs-backend-cpu@${tf}`,
      ],
      project,
    );
  });

  after(function () {
    if (project) fs.rmSync(project, {recursive: true, force: true});
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
      require('@tensorflow/tfjs-backend-cpu');
      const tf = require('@tensorflow/tfjs-core');
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
      import '@tensorflow/tfjs-backend-cpu';
      import * as tf from '@tensorflow/tfjs-core';
      import {gmmLogLikelihood, gmmInit} from 'tfjs-gmm';
      await tf.setBackend('cpu');
      const p = gmmInit(2, 3, 'diag');
      console.log(p.covariances.shape.join('x'), gmmLogLikelihood([0, 0, 0], p.weights, p.means, p.covariances, 'diag').dataSync()[0].toFixed(6));`;
    const out = run('node', ['--input-type=module', '-e', script], project).trim();
    expect(out).to.equal(`2x3 ${(-1.5 * Math.log(2 * Math.PI)).toFixed(6)}`);
  });

  it('installs the tfjs-gmm command: npx tfjs-gmm fits generated data', () => {
    const out = run(
      'npx',
      ['--no-install', 'tfjs-gmm', '--samples', '200', '--components', '2', '--quiet', '--backend', 'cpu'],
      project,
    );
    expect(out).to.match(/mean log-likelihood -?\d+\.\d{4}, BIC/);
    expect(run('npx', ['--no-install', 'tfjs-gmm', '--help'], project)).to.contain('Usage: tfjs-gmm [options]');
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
