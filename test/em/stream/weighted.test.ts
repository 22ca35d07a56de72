/**
 * Weighted streams: batches `{x, sampleWeight}`. The truth is `fit(X, {sampleWeight})` on the
 * concatenated rows and weights (the same start, the same weighted float64 transform, the same
 * weighted sums), and for integer weights `fit` on the rows repeated that many times. Bad weights
 * reject with the batch or the global row.
 */
import * as tfd from '@tensorflow/tfjs-data';
import {expect} from 'chai';

import {EM_COVARIANCE_TYPES, GaussianMixture, GaussianMixtureOptions} from '../../../src';
import {expectClose, expectNoLeak, expectRejectsWith, flat} from '../../helpers/assertions';
import {describeOnBackends} from '../../helpers/backends';
import {expectCloseToScale} from '../helpers';
import {batches, mixtureRows, startOf, weightedSource} from './data';

const quiet = {onWarning: () => {}};

/** The bound of fit_async.test.ts's streamed-vs-fit comparison (the same chunking on both sides). */
function expectSameFit(
  streamed: GaussianMixture,
  reference: GaussianMixture,
  label: string,
  {tol = 1e-5, lowerBoundRtol = 1e-6} = {},
): void {
  expect(streamed.nIter, `${label}: iterations`).to.equal(reference.nIter);
  expectClose(streamed.lowerBounds, reference.lowerBounds, {
    rtol: lowerBoundRtol,
    atol: 0,
    label: `${label}: lower bounds`,
  });
  expectClose(flat(streamed.weights), flat(reference.weights), {rtol: 0, atol: tol, label: `${label}: weights`});
  expectCloseToScale(streamed.means, flat(reference.means), tol, `${label}: means`);
  expectCloseToScale(streamed.covariances, flat(reference.covariances), tol, `${label}: covariances`);
}

describeOnBackends('GaussianMixture.fitAsync: weighted streams equal fit with sampleWeight', () => {
  const rows = mixtureRows(2400, 3, 4, 11);
  // Zeros, fractions and large weights.
  const weights = rows.map((_, n) => (n % 7 === 0 ? 0 : 0.25 + (n % 5) * 0.75));

  for (const covarianceType of EM_COVARIANCE_TYPES) {
    it(`${covarianceType}: from the same start (weightsInit, meansInit, precisionsInit), batches of 500`, async () => {
      await expectNoLeak(async () => {
        const starter = new GaussianMixture({nComponents: 4, covarianceType, maxIter: 2, ...quiet}).fit(rows);
        const options: GaussianMixtureOptions = {
          nComponents: 4,
          covarianceType,
          ...startOf(starter),
          batchSize: 500,
          tol: 0,
          maxIter: 15,
          ...quiet,
        };
        starter.dispose();
        const reference = new GaussianMixture(options).fit(rows, {sampleWeight: weights});
        const streamed = await new GaussianMixture(options).fitAsync(weightedSource(rows, weights, 500));
        expectSameFit(streamed, reference, covarianceType);
        reference.dispose();
        streamed.dispose();
      });
    });
  }

  for (const initParams of ['kmeans', 'random_from_data'] as const) {
    it(`initParams ${initParams}: with N <= initSampleSize the weighted start is fit's (tied, batches of 600)`, async () => {
      const options: GaussianMixtureOptions = {
        nComponents: 4,
        covarianceType: 'tied',
        initParams,
        seed: 2,
        batchSize: 600,
        ...quiet,
      };
      await expectNoLeak(async () => {
        const reference = new GaussianMixture(options).fit(rows, {sampleWeight: weights});
        const streamed = await new GaussianMixture(options).fitAsync(weightedSource(rows, weights, 600));
        expectSameFit(streamed, reference, initParams);
        reference.dispose();
        streamed.dispose();
      });
    });
  }

  it('integer weights equal repeating each row that many times (full, the same start)', async () => {
    const counts = rows.map((_, n) => (n % 3) + (n % 4 === 0 ? 0 : 1)); // 0 to 3
    const repeated = rows.flatMap((row, n) => Array.from({length: counts[n]}, () => row));
    await expectNoLeak(async () => {
      const starter = new GaussianMixture({nComponents: 4, maxIter: 2, ...quiet}).fit(rows);
      const options: GaussianMixtureOptions = {nComponents: 4, ...startOf(starter), tol: 0, maxIter: 5, ...quiet};
      starter.dispose();
      const reference = new GaussianMixture(options).fit(repeated);
      const streamed = await new GaussianMixture(options).fitAsync(weightedSource(rows, counts, 400));
      // Other rows per chunk on both sides (the repeated data are one 4200-row chunk, the stream
      // six of 400): another float32 summation order. fit alone on the repeated rows in chunks of
      // 700 instead of one differs by up to 7.8e-5 in the covariances (scale ~1.4: the fast M-step
      // formula S/n - mu mu^T cancels on these spread-out data), so the bound is 2e-4 of the scale;
      // the lower bounds differ by up to ~1.1e-6 relative (observed, wasm).
      expectSameFit(streamed, reference, 'repeated rows', {tol: 2e-4, lowerBoundRtol: 1e-5});
      reference.dispose();
      streamed.dispose();
    });
  });

  it('takes a tf.data.Dataset of {x, sampleWeight} tensors (and disposes them)', async () => {
    const options: GaussianMixtureOptions = {nComponents: 4, covarianceType: 'diag', seed: 1, batchSize: 512, ...quiet};
    await expectNoLeak(async () => {
      const reference = new GaussianMixture(options).fit(rows, {sampleWeight: weights});
      const dataset = tfd.zip({x: tfd.array(rows), sampleWeight: tfd.array(weights)}).batch(512);
      const streamed = await new GaussianMixture(options).fitAsync(dataset);
      expectSameFit(streamed, reference, 'tf.data');
      reference.dispose();
      streamed.dispose();
    });
  });
});

describeOnBackends('GaussianMixture.fitAsync: bad weights of a stream', () => {
  const rows = mixtureRows(400, 2, 2, 1);
  const ones = rows.map(() => 1);
  const fitAsync = (source: Parameters<GaussianMixture['fitAsync']>[0]) =>
    expectNoLeak(async () => {
      const model = new GaussianMixture({nComponents: 2, ...quiet});
      try {
        await model.fitAsync(source);
      } finally {
        expect(model.isFitted, 'fitted after the failure').to.equal(false);
        model.dispose();
      }
    });

  it('a weight vector of the wrong length names the batch, expected and actual', async () => {
    const source = function* () {
      yield {x: rows.slice(0, 100), sampleWeight: ones.slice(0, 100)};
      yield {x: rows.slice(100, 200), sampleWeight: ones.slice(0, 99)};
    };
    await expectRejectsWith(
      fitAsync(source),
      'GaussianMixture.fitAsync',
      'source batch 1 (rows 100...) sampleWeight must have shape [100]',
      'but got [99]',
    );
  });

  it('a negative, NaN or infinite weight names the global row', async () => {
    for (const bad of [-1, NaN, Infinity]) {
      const w = ones.slice();
      w[257] = bad;
      await expectRejectsWith(
        fitAsync(weightedSource(rows, w, 100)),
        'sampleWeight must contain finite non-negative values',
        'row 257 (row 57 of batch 2)',
        String(bad),
      );
    }
  });

  it('weighted and unweighted batches mixed name the batch', async () => {
    const mixed = function* () {
      yield {x: rows.slice(0, 100), sampleWeight: ones.slice(0, 100)};
      yield rows.slice(100, 200);
    };
    await expectRejectsWith(
      fitAsync(mixed),
      'source batch 1 (rows 100...) carries no sampleWeight, but the earlier batches did',
      'either every batch of a stream is {x, sampleWeight} or none is',
    );
    const mixedTheOtherWay = function* () {
      yield rows.slice(0, 100);
      yield {x: rows.slice(100, 200), sampleWeight: ones.slice(0, 100)};
    };
    await expectRejectsWith(
      fitAsync(mixedTheOtherWay),
      'source batch 1 (rows 100...) carries sampleWeight, but the earlier batches did not',
    );
  });

  it('objects with missing or unknown keys, and too few positive weights', async () => {
    await expectRejectsWith(
      fitAsync(() => [{x: rows}] as never),
      'source batch 0 (rows 0...) must have both x',
    );
    await expectRejectsWith(
      fitAsync(() => [{x: rows, weights: ones}] as never),
      'source batch 0 (rows 0...) must have only known keys',
      '"weights"',
    );
    const oneRow = ones.map((_, n) => (n === 5 ? 1 : 0));
    await expectRejectsWith(
      fitAsync(weightedSource(rows, oneRow, 100)),
      'sample weights must have at least nComponents = 2 positive entries, but got 1',
    );
  });

  it('a sample without enough positive weights asks for a larger initSampleSize', async () => {
    // Only the last rows carry weight: a 10-row sample of 400 rows almost surely misses them.
    const late = ones.map((_, n) => (n >= 398 ? 1 : 0));
    await expectNoLeak(async () => {
      const model = new GaussianMixture({nComponents: 2, ...quiet});
      await expectRejectsWith(
        model.fitAsync(weightedSource(rows, late, 100), {initSampleSize: 10}),
        'the initialisation sample must hold at least nComponents = 2 rows of positive weight',
        'increase options.initSampleSize (now 10)',
      );
      model.dispose();
    });
  });

  it('other weights on a later pass', async () => {
    let opened = 0;
    const source = () => {
      const w = ++opened === 1 ? ones : ones.map((v) => 2 * v);
      return batches(rows, 100).map((x, i) => ({x, sampleWeight: w.slice(100 * i, 100 * (i + 1))}));
    };
    await expectRejectsWith(
      fitAsync(source),
      'the same sample weights on every pass',
      'total weight of 800',
      'first pass 400',
    );
  });
});
