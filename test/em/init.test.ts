/**
 * Initialisation: k-means (k-means++ seeding + Lloyd), k-means++ alone, random,
 * random_from_data and user-given parts; all seeded and reproducible.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GaussianMixture, InitParams, initializeGaussianMixture, kmeans, kmeansPlusPlus} from '../../src';
import {expectClose, expectNoLeak, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';
import {disposeParameters} from './helpers';

const blobs = emFixtures.datasets.blobs; // three well-separated clusters of 150 rows

/** The starting parameters (maxIter = 0 leaves them untouched, as in scikit-learn). */
function start(initParams: InitParams, seed: number, extra: object = {}) {
  const gm = new GaussianMixture({nComponents: 3, covarianceType: 'full', initParams, seed, maxIter: 0, ...extra}).fit(
    blobs,
  );
  const out = {weights: flat(gm.weights), means: gm.means.arraySync(), covariances: flat(gm.covariances)};
  expect(gm.nIter).to.equal(0);
  expect(gm.lowerBound).to.equal(-Infinity);
  gm.dispose();
  return out;
}

describeOnBackends('EM initialisation', () => {
  it('kmeans reaches scikit-learn KMeans(n_init=10) inertia on well-separated blobs', async () => {
    await expectNoLeak(() => {
      const result = kmeans(blobs, 3, {seed: 0});
      expect(result.converged).to.equal(true);
      // One k-means++ + Lloyd run finds the optimum of three well-separated clusters; the inertia
      // is a float64 host sum of float32 squared distances (relative error ~1e-6).
      expectClose([result.inertia], [emFixtures.kmeans.inertia], {rtol: 1e-5, atol: 0, label: 'inertia'});
      // Converged: every row's label is its nearest center, and each center is its rows' mean.
      const labels = Array.from(result.labels.dataSync());
      const centers = result.centers.arraySync();
      const d2 = (a: number[], b: number[]) => a.reduce((t, v, j) => t + (v - b[j]) ** 2, 0);
      blobs.forEach((row, n) => {
        const nearest = centers.map((c) => d2(row, c)).reduce((best, v, k, all) => (v < all[best] ? k : best), 0);
        expect(labels[n], `row ${n}`).to.equal(nearest);
      });
      const means = centers.map((_, k) =>
        [0, 1, 2].map((j) => {
          const rows = blobs.filter((__, n) => labels[n] === k);
          return rows.reduce((t, r) => t + r[j], 0) / rows.length;
        }),
      );
      expectClose(centers, means, {rtol: 1e-5, atol: 1e-5, label: 'centers'});
      tf.dispose([result.centers, result.labels]);
    });
  });

  it('kmeansPlusPlus returns distinct rows of x, never zero-weight ones', async () => {
    await expectNoLeak(() => {
      const weights = blobs.map((_, n) => (n % 2 === 0 ? 0 : 1));
      const {centers, indices} = kmeansPlusPlus(blobs, 5, {seed: 3, sampleWeights: weights});
      expect(new Set(indices).size).to.equal(5);
      for (const n of indices) expect(n % 2, `index ${n} has weight 0`).to.equal(1);
      expectClose(
        centers,
        indices.map((n) => blobs[n]),
        {rtol: 1e-6, atol: 1e-6, label: 'centers are rows'},
      );
      centers.dispose();
    });
  });

  for (const initParams of ['kmeans', 'k-means++', 'random', 'random_from_data'] as InitParams[]) {
    it(`${initParams}: the same seed gives the same start, another seed another one`, async () => {
      await expectNoLeak(() => {
        const a = start(initParams, 11);
        const b = start(initParams, 11);
        expect(a).to.deep.equal(b);
        // kmeans on three separated blobs finds the same clusters from any seeds (up to order);
        // the others depend on the seed.
        const c = start(initParams, 12);
        if (initParams === 'kmeans') {
          const sorted = (m: number[][]) => m.map((r) => r.join(',')).sort();
          expectClose(
            sorted(a.means).map((r) => r.split(',').map(Number)),
            sorted(c.means).map((r) => r.split(',').map(Number)),
            {rtol: 1e-5, atol: 1e-5},
          );
        } else {
          expect(a.means).to.not.deep.equal(c.means);
        }
      });
    });
  }

  it('random_from_data: each component starts on a distinct data row with covariance regCovar * I', () => {
    const s = start('random_from_data', 5);
    const rows = new Set(blobs.map((r) => r.join(',')));
    const used = new Set<string>();
    for (const m of s.means) {
      const key = m.map((v) => Math.fround(v)).join(',');
      const match = blobs.find((r) => r.every((v, j) => Math.abs(v - m[j]) <= 1e-5 * Math.max(1, Math.abs(v))));
      expect(match, `mean ${key} is a data row`).to.not.equal(undefined);
      used.add(match!.join(','));
    }
    expect(used.size).to.equal(3);
    expect(rows.size).to.equal(blobs.length);
    expectClose(s.weights, [1 / 3, 1 / 3, 1 / 3], {rtol: 0, atol: 1e-7});
    expectClose(
      s.covariances,
      [0, 1, 2].flatMap(() => [1e-6, 0, 0, 0, 1e-6, 0, 0, 0, 1e-6]),
      {rtol: 1e-3, atol: 1e-12, label: 'covariances'},
    );
  });

  it('random: responsibilities normalised per row give positive weights summing to 1 and means inside the data', () => {
    const s = start('random', 5);
    expect(s.weights.every((w) => w > 0.2 && w < 0.5)).to.equal(true);
    expectClose([s.weights.reduce((a, b) => a + b, 0)], [1], {rtol: 0, atol: 1e-6});
    for (let j = 0; j < 3; j++) {
      const column = blobs.map((r) => r[j]);
      for (const m of s.means) expect(m[j]).to.be.within(Math.min(...column), Math.max(...column));
    }
  });

  it("k-means++: the start is the mean and scatter of each seed's nearest rows (one assignment, no Lloyd)", async () => {
    // The estimator draws the seeds from the same seeded stream as kmeansPlusPlus.
    const {centers, indices} = kmeansPlusPlus(blobs, 3, {seed: 9});
    centers.dispose();
    const seeds = indices.map((n) => blobs[n]);
    const d2 = (a: number[], b: number[]) => a.reduce((t, v, j) => t + (v - b[j]) ** 2, 0);
    const labels = blobs.map((row) =>
      seeds.map((c) => d2(row, c)).reduce((best, v, k, all) => (v < all[best] ? k : best), 0),
    );
    const expectedMeans = seeds.map((_, k) =>
      [0, 1, 2].map((j) => {
        const rows = blobs.filter((__, n) => labels[n] === k);
        return rows.reduce((t, r) => t + r[j], 0) / rows.length;
      }),
    );
    const s = start('k-means++', 9);
    expectClose(s.means, expectedMeans, {rtol: 1e-5, atol: 1e-5, label: 'means'});
    expectClose(
      s.weights,
      seeds.map((_, k) => labels.filter((l) => l === k).length / blobs.length),
      {rtol: 0, atol: 1e-6, label: 'weights'},
    );
  });

  it('given parts replace the estimated ones (weightsInit, meansInit, precisionsInit)', () => {
    const meansInit = [
      [0, 0, 0],
      [5, 5, 0],
      [0, 6, 4],
    ];
    const a = start('kmeans', 0, {meansInit});
    expectClose(a.means, meansInit, {rtol: 0, atol: 1e-5, label: 'means'});
    const b = start('kmeans', 0, {weightsInit: [0.5, 0.25, 0.25]});
    expectClose(b.weights, [0.5, 0.25, 0.25], {rtol: 0, atol: 1e-7});
    const precision = [
      [4, 0, 0],
      [0, 2, 0],
      [0, 0, 1],
    ];
    const c = start('kmeans', 0, {precisionsInit: [precision, precision, precision]});
    expectClose(
      c.covariances,
      [0, 1, 2].flatMap(() => [0.25, 0, 0, 0, 0.5, 0, 0, 0, 1]),
      {rtol: 1e-5, atol: 1e-7, label: 'covariances'},
    );
  });

  it('initializeGaussianMixture gives the estimator start (maxIter = 0)', async () => {
    await expectNoLeak(() => {
      for (const initParams of ['kmeans', 'random'] as InitParams[]) {
        const p = initializeGaussianMixture(blobs, 3, {initParams, seed: 4, covarianceType: 'full'});
        const s = start(initParams, 4);
        expectClose(p.weights, s.weights, {rtol: 0, atol: 0});
        expectClose(p.means, s.means, {rtol: 0, atol: 0});
        expectClose(p.covariances, s.covariances, {rtol: 0, atol: 0});
        disposeParameters(p);
      }
    });
  });
});
