/**
 * GaussianMixture on worker threads: a fit with 2 workers equals the in-thread fit up to float32
 * summation order, for every covariance type, with sample weights, with every component on the
 * exact path and with nInit > 1; the scoring methods of large inputs run on the workers too.
 * Workers start lazily, are reused, end with dispose() and never keep the process alive; a
 * crashing worker gives a clear Error and ends every worker.
 */
import {execFileSync} from 'child_process';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {EM_COVARIANCE_TYPES, GaussianMixture, GaussianMixtureOptions} from '../../src';
import {resolveWorkerCount} from '../../src/em/parallel/em_threads';
import {WorkerPool} from '../../src/em/parallel/pool';
import {expectClose, expectNoLeak, expectThrowsWith, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {expectCloseToScale} from './helpers';

/**
 * The two fits differ only in how the float32 per-chunk sums are grouped (one 3000-row chunk
 * in-thread; two 1500-row shares merged in float64 with workers). Lower bounds: within 1e-6
 * relative (observed <= 3e-7). Parameters: the fast M-step formula S/n - mu mu^T amplifies the
 * moments' rounding by the components' conditioning, and 15 iterations carry it on; observed up
 * to 3.4e-5 of an array's scale (diag covariances on wasm; 8-sigma blobs gave 5e-5). That is the
 * float32 accuracy of either fit (em_vs_sklearn.test.ts bounds each against float64 scikit-learn
 * at 5e-5), so the bound is 5e-5 of scale, not the suggested 1e-5.
 */
const LOWER_BOUND_RTOL = 1e-6;
const PARAMETER_TOL = 5e-5;

/** Seeded blobs: `K` clusters 4 standard deviations apart in D dimensions, N rows. */
function blobs(N: number, D: number, K: number, seed = 7): number[][] {
  let s = seed;
  const uniform = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return Array.from({length: N}, (_, n) => Array.from({length: D}, (_, j) => 4 * ((n % K) + j * 0.3) + normal()));
}

function fitBoth(x: number[][], options: GaussianMixtureOptions, sampleWeight?: number[]) {
  const base = {maxIter: 15, tol: 0, onWarning: () => {}, ...options};
  const inThread = new GaussianMixture(base).fit(x, {sampleWeight});
  const parallel = new GaussianMixture({...base, workers: 2}).fit(x, {sampleWeight});
  return {inThread, parallel};
}

function expectSameFit(a: GaussianMixture, b: GaussianMixture): void {
  expect(b.nIter).to.equal(a.nIter);
  expectClose([b.lowerBound], [a.lowerBound], {rtol: LOWER_BOUND_RTOL, atol: 0, label: 'lowerBound'});
  expectClose(b.weights, flat(a.weights), {rtol: 0, atol: PARAMETER_TOL, label: 'weights'});
  expectCloseToScale(b.means, flat(a.means), PARAMETER_TOL, 'means');
  expectCloseToScale(b.covariances, flat(a.covariances), PARAMETER_TOL, 'covariances');
  expectCloseToScale(b.precisionsCholesky, flat(a.precisionsCholesky), PARAMETER_TOL, 'precisionsCholesky');
}

describe("workers: the 'auto' rule", () => {
  it('one worker per core from N * D * K >= 2^22 and 1024 rows per worker, else in-thread', () => {
    expect(resolveWorkerCount('auto', 1000, 16, 16)).to.equal(1);
    expect(resolveWorkerCount(2, 1500, 4, 4)).to.equal(1);
    expect(resolveWorkerCount(2, 4096, 4, 4)).to.equal(2);
    expect(resolveWorkerCount(1, 1e6, 16, 16)).to.equal(1);
    expect(resolveWorkerCount('auto', 100000, 16, 16)).to.be.at.least(1);
  });

  it('validates the option', () => {
    expectThrowsWith(
      () => new GaussianMixture({workers: 0}),
      "GaussianMixture: workers must be an integer >= 1 or 'auto'",
    );
    expectThrowsWith(() => new GaussianMixture({workers: 'all' as never}), 'workers', '"all"');
  });

  it('validates createWorker (browsers; Node runs worker threads and ignores it)', () => {
    expectThrowsWith(
      () => new GaussianMixture({createWorker: 'worker.js' as never}),
      'GaussianMixture: createWorker must be a function returning a Worker, but got string',
    );
    const create = () => {
      throw new Error('not called in Node');
    };
    expect(new GaussianMixture({createWorker: create}).createWorker).to.equal(create);
  });
});

describeOnBackends('GaussianMixture with workers: 2 equals in-thread', () => {
  const x = blobs(3000, 3, 3);

  for (const covarianceType of EM_COVARIANCE_TYPES) {
    it(`${covarianceType}: the same fit, workers started once and reused, ended by dispose`, async () => {
      await expectNoLeak(() => {
        const {inThread, parallel} = fitBoth(x, {nComponents: 3, covarianceType, seed: 1});
        expectSameFit(inThread, parallel);
        expect(parallel.runningWorkers).to.equal(2);
        parallel.fit(x);
        expect(parallel.runningWorkers, 'reused').to.equal(2);
        parallel.dispose();
        inThread.dispose();
        expect(parallel.runningWorkers, 'after dispose').to.equal(0);
      });
    });
  }

  it('constant: the fixed variance goes to the workers, the same fit', async () => {
    await expectNoLeak(() => {
      const {inThread, parallel} = fitBoth(x, {nComponents: 3, covarianceType: 'constant', variance: 1.5, seed: 1});
      expectSameFit(inThread, parallel);
      expect(parallel.runningWorkers).to.equal(2);
      expectClose(parallel.covariances, 1.5, {rtol: 1e-6, atol: 0}); // float32 of the scaled variance, mapped back
      parallel.dispose();
      inThread.dispose();
    });
  });

  it('fitAsync runs the passes on the workers too: the same fit as in-thread', async () => {
    const base = {nComponents: 3, covarianceType: 'full' as const, maxIter: 15, tol: 0, seed: 1, onWarning: () => {}};
    const inThread = new GaussianMixture(base).fit(x);
    const before = tf.memory().numTensors;
    const parallel = await new GaussianMixture({...base, workers: 2}).fitAsync(x);
    expect(parallel.runningWorkers).to.equal(2);
    expectSameFit(inThread, parallel);
    parallel.dispose();
    expect(parallel.runningWorkers, 'after dispose').to.equal(0);
    expect(tf.memory().numTensors, 'tensors').to.equal(before);
    inThread.dispose();
  });

  it('sample weights (zeros included) and nInit = 2', async () => {
    const w = x.map((_, n) => (n % 7 === 0 ? 0 : 1 + (n % 4)));
    await expectNoLeak(() => {
      const {inThread, parallel} = fitBoth(x, {nComponents: 3, covarianceType: 'full', nInit: 2, seed: 3}, w);
      expectSameFit(inThread, parallel);
      inThread.dispose();
      parallel.dispose();
    });
  });

  it('every component on the exact path (GMM_EM_EXACT_PATH_LIMIT = 0)', async () => {
    const previous = setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', 0);
    try {
      await expectNoLeak(() => {
        for (const covarianceType of ['full', 'diag'] as const) {
          const {inThread, parallel} = fitBoth(x, {nComponents: 3, covarianceType, seed: 2});
          expectSameFit(inThread, parallel);
          inThread.dispose();
          parallel.dispose();
        }
      });
    } finally {
      setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', previous);
    }
  });

  it('scoring methods of a large input (N * D * K >= 2^22) run on the workers and agree', async () => {
    const big = blobs(32768, 8, 16, 11); // N * D * K = 2^22
    await expectNoLeak(() => {
      const model = new GaussianMixture({nComponents: 16, covarianceType: 'diag', maxIter: 3, onWarning: () => {}});
      model.fit(big.slice(0, 5000));
      const json = model.toJSON();
      const parallel = GaussianMixture.fromJSON(json, {workers: 2});
      expect(parallel.runningWorkers).to.equal(0);
      const tolerance = {rtol: 0, atol: 1e-4};
      tf.tidy(() => {
        expectClose(parallel.scoreSamples(big), flat(model.scoreSamples(big)), {...tolerance, label: 'scoreSamples'});
        expect(parallel.runningWorkers, 'scoring started the workers').to.equal(2);
        expectClose(parallel.predictProba(big), flat(model.predictProba(big)), {...tolerance, label: 'predictProba'});
        const labelsA = parallel.predict(big).dataSync();
        const labelsB = model.predict(big).dataSync();
        const differing = labelsA.filter((l, i) => l !== labelsB[i]).length;
        expect(differing, 'labels (ties only)').to.be.at.most(5);
      });
      expectClose([parallel.score(big)], [model.score(big)], {rtol: 1e-6, atol: 0, label: 'score'});
      parallel.dispose();
      model.dispose();
    });
  });

  it('a crashing worker gives a clear Error, ends every worker, and the next fit starts new ones', async () => {
    const model = new GaussianMixture({nComponents: 3, maxIter: 3, workers: 2, onWarning: () => {}}).fit(x);
    const pool = (model as unknown as {threads: {pool: WorkerPool}}).threads.pool;
    expectThrowsWith(
      () => pool.run('test', [{kind: 'exit'} as never, {kind: 'exit'} as never]),
      'test: worker 0 of 2 failed: the worker exited (code 70); every worker was ended',
    );
    expect(model.runningWorkers).to.equal(0);
    model.fit(x);
    expect(model.runningWorkers).to.equal(2);
    model.dispose();
  });
});

describe('workers never keep the process alive', () => {
  it('a script that fits with workers and never disposes the model exits', function () {
    this.timeout(180000);
    const script = [
      "require('@tensorflow/tfjs-backend-cpu');",
      "const {GaussianMixture} = require('./src');",
      'const x = Array.from({length: 4096}, (_, n) => [n % 3 + Math.sin(n), (n % 5) * 0.5 + Math.cos(n * 1.3)]);',
      'const m = new GaussianMixture({nComponents: 2, maxIter: 2, workers: 2, onWarning: () => {}}).fit(x);',
      "console.log('workers', m.runningWorkers);",
    ].join('\n');
    const root = path.resolve(__dirname, '../..');
    const tsx = require.resolve('tsx/cjs');
    // execFileSync returns only when the child process has exited (timeout: it would hang).
    const out = execFileSync(process.execPath, ['--require', tsx, '-e', script], {cwd: root, timeout: 150000});
    expect(out.toString()).to.contain('workers 2');
  });
});
