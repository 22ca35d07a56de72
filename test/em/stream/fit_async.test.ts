/**
 * GaussianMixture.fitAsync: on in-memory data it is `fit` with yields to the event loop; on a
 * stream it is `fit` on the concatenated batches (the float64 transform from a first pass, the
 * init from a reservoir sample that is the whole stream when N <= initSampleSize, EM passes
 * summed over batches). The references are `fit` on the same data.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import {expect} from 'chai';

import {GaussianMixture, GaussianMixtureOptions, SKLEARN_COVARIANCE_TYPES} from '../../../src';
import {expectClose, expectNoLeak, flat} from '../../helpers/assertions';
import {describeOnBackends} from '../../helpers/backends';
import {expectCloseToScale} from '../helpers';
import {asyncSource, batches, mixtureRows} from './data';

const quiet = {onWarning: () => {}};

/**
 * Streamed vs in-memory. The references use `batchSize` = the stream's batch size, so that both
 * sum the same rows per chunk; what remains is the float64 transform merged per batch (equal to
 * ~1e-16) and float32 rounding. Observed: lower bounds within ~1e-7 relative, parameters within
 * ~1e-6 of their scale. (With fit's default chunking, i.e. another float32 summation order,
 * wasm's parameters differ by up to ~4e-5 of their scale after 15 iterations on these data.)
 */
function expectSameFit(streamed: GaussianMixture, reference: GaussianMixture, label: string): void {
  expect(streamed.nIter, `${label}: iterations`).to.equal(reference.nIter);
  expect(streamed.converged, `${label}: converged`).to.equal(reference.converged);
  expectClose(streamed.lowerBounds, reference.lowerBounds, {rtol: 1e-6, atol: 0, label: `${label}: lower bounds`});
  expectClose(flat(streamed.weights), flat(reference.weights), {rtol: 0, atol: 1e-5, label: `${label}: weights`});
  expectCloseToScale(streamed.means, flat(reference.means), 1e-5, `${label}: means`);
  expectCloseToScale(streamed.covariances, flat(reference.covariances), 1e-5, `${label}: covariances`);
}

describeOnBackends('GaussianMixture.fitAsync: streams equal fit on the concatenated data', () => {
  const rows = mixtureRows(2400, 3, 4, 11);

  for (const covarianceType of SKLEARN_COVARIANCE_TYPES) {
    it(`${covarianceType}: with weightsInit, meansInit and precisionsInit given, batches of 500`, async () => {
      // The start: a short fit's parameters, as scikit-learn's precisions (so scikit-learn's four types).
      const starter = new GaussianMixture({nComponents: 4, covarianceType, maxIter: 2, ...quiet}).fit(rows);
      const sk = starter.toSklearnJSON();
      const options: GaussianMixtureOptions = {
        nComponents: 4,
        covarianceType,
        weightsInit: sk.weights_,
        meansInit: sk.means_,
        precisionsInit: sk.precisions_,
        batchSize: 500,
        // A fixed number of iterations: a convergence test at a small tol could stop one
        // iteration apart on float32 noise.
        tol: 0,
        maxIter: 15,
        ...quiet,
      };
      starter.dispose();
      await expectNoLeak(async () => {
        const reference = new GaussianMixture(options).fit(rows);
        const streamed = await new GaussianMixture(options).fitAsync(asyncSource(rows, 500));
        expectSameFit(streamed, reference, covarianceType);
        reference.dispose();
        streamed.dispose();
      });
    });
  }

  for (const initParams of ['kmeans', 'k-means++', 'random', 'random_from_data'] as const) {
    it(`initParams ${initParams}: with N <= initSampleSize the start is fit's (full, batches of 700)`, async () => {
      const options: GaussianMixtureOptions = {nComponents: 4, initParams, seed: 3, batchSize: 700, ...quiet};
      await expectNoLeak(async () => {
        const reference = new GaussianMixture(options).fit(rows);
        const streamed = await new GaussianMixture(options).fitAsync(asyncSource(rows, 700));
        expectSameFit(streamed, reference, initParams);
        reference.dispose();
        streamed.dispose();
      });
    });
  }

  it('with N > initSampleSize the start comes from the sample and EM still finds the same optimum', async () => {
    // Well-separated components: k-means on a 300-row sample finds them all, and the EM passes
    // over all 2400 rows then converge to the optimum of the full data (to tol = 1e-6).
    const options: GaussianMixtureOptions = {nComponents: 4, covarianceType: 'diag', tol: 1e-6, ...quiet};
    await expectNoLeak(async () => {
      const reference = new GaussianMixture(options).fit(rows);
      const streamed = await new GaussianMixture(options).fitAsync(asyncSource(rows, 256), {initSampleSize: 300});
      expectClose([streamed.lowerBound], [reference.lowerBound], {rtol: 1e-5, atol: 0, label: 'lower bound'});
      expectClose([streamed.score(rows)], [reference.score(rows)], {rtol: 1e-5, atol: 0, label: 'score'});
      reference.dispose();
      streamed.dispose();
    });
  });

  it('takes a tf.data.Dataset of [B, D] batches (and disposes its tensors)', async () => {
    const options: GaussianMixtureOptions = {
      nComponents: 4,
      covarianceType: 'spherical',
      seed: 1,
      batchSize: 512,
      ...quiet,
    };
    await expectNoLeak(async () => {
      const reference = new GaussianMixture(options).fit(rows);
      const streamed = await new GaussianMixture(options).fitAsync(tfd.array(rows).batch(512));
      expectSameFit(streamed, reference, 'tf.data');
      reference.dispose();
      streamed.dispose();
    });
  });

  it('takes a function returning a plain iterable of tensors (which stay the caller’s)', async () => {
    const tensors = batches(rows, 1000).map((b) => tf.tensor2d(b));
    const options: GaussianMixtureOptions = {
      nComponents: 4,
      covarianceType: 'tied',
      seed: 2,
      batchSize: 1000,
      ...quiet,
    };
    await expectNoLeak(async () => {
      const reference = new GaussianMixture(options).fit(rows);
      const streamed = await new GaussianMixture(options).fitAsync(() => tensors);
      expectSameFit(streamed, reference, 'iterable');
      expect(
        tensors.every((t) => !t.isDisposed),
        'the caller’s tensors are not disposed',
      ).to.equal(true);
      reference.dispose();
      streamed.dispose();
    });
    tf.dispose(tensors);
  });

  it('a component on the exact path (a collapsing duplicate cluster) matches fit', async () => {
    // 40 copies of one point far from the rest: its component collapses to regCovar and takes
    // the exact path, whose second pass is a second pass over the stream.
    const data = [...mixtureRows(600, 2, 2, 5), ...Array.from({length: 40}, () => [30, -30])];
    const options: GaussianMixtureOptions = {nComponents: 3, covarianceType: 'full', seed: 0, batchSize: 100, ...quiet};
    await expectNoLeak(async () => {
      const reference = new GaussianMixture(options).fit(data);
      const streamed = await new GaussianMixture(options).fitAsync(asyncSource(data, 100));
      expectSameFit(streamed, reference, 'exact path');
      reference.dispose();
      streamed.dispose();
    });
  });
});

describeOnBackends('GaussianMixture.fitAsync: in-memory data, event-loop yields, onIteration', () => {
  const rows = mixtureRows(1500, 2, 3, 21);

  it('equals fit (same lower bounds and parameters) and returns the model', async () => {
    await expectNoLeak(async () => {
      const options: GaussianMixtureOptions = {nComponents: 3, nInit: 2, seed: 4, ...quiet};
      const reference = new GaussianMixture(options).fit(rows);
      const model = new GaussianMixture(options);
      expect(await model.fitAsync(rows)).to.equal(model);
      // The same computation in the same order: exactly equal.
      expect(model.lowerBounds).to.deep.equal(reference.lowerBounds);
      expect(flat(model.means)).to.deep.equal(flat(reference.means));
      reference.dispose();
      model.dispose();
    });
  });

  it('timers run between iterations, and onIteration sees the model at that iteration', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const seen: {ticks: number; nIter: number; iteration: number; lowerBound: number}[] = [];
    const model: GaussianMixture = new GaussianMixture({
      nComponents: 3,
      tol: 1e-8,
      maxIter: 8,
      ...quiet,
      onIteration: (info) =>
        seen.push({ticks, nIter: model.nIter, iteration: info.iteration, lowerBound: model.lowerBound}),
    });
    const lowerBounds = await expectNoLeak(async () => {
      await model.fitAsync(rows);
      const bounds = model.lowerBounds;
      model.dispose();
      return bounds;
    });
    running = false;
    expect(seen.length).to.equal(8);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].ticks, `a timer fired before iteration ${i + 1}`).to.be.greaterThan(seen[i - 1].ticks);
    expect(seen.map((s) => s.nIter)).to.deep.equal(seen.map((s) => s.iteration));
    expect(seen.map((s) => s.lowerBound)).to.deep.equal(lowerBounds);
  });

  it('sampleWeight works as in fit', async () => {
    const weights = rows.map((_, n) => (n % 3 === 0 ? 2 : 0.5));
    await expectNoLeak(async () => {
      const reference = new GaussianMixture({nComponents: 3, ...quiet}).fit(rows, {sampleWeight: weights});
      const model = await new GaussianMixture({nComponents: 3, ...quiet}).fitAsync(rows, {sampleWeight: weights});
      expect(model.lowerBounds).to.deep.equal(reference.lowerBounds);
      reference.dispose();
      model.dispose();
    });
  });
});
