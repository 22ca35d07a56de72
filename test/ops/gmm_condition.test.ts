import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {COVARIANCE_TYPES, EM_COVARIANCE_TYPES, GaussianMixture, gmmCondition} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {normal, randomNatural, rng} from '../helpers/random';
import {referenceCondition} from '../helpers/reference_condition';
import {Nd, choleskyLower} from '../helpers/reference_f64';

type Type = (typeof COVARIANCE_TYPES)[number];

/** Dense [K][D][D] matrices of covariances in a type's shape (shared), float64. */
function denseShared(type: Type, c: Nd, K: number, D: number): number[][][] {
  const a = c as never as number[][][] & number[][] & number[];
  return Array.from({length: K}, (_, k) =>
    Array.from({length: D}, (_, i) =>
      Array.from({length: D}, (_, j) => {
        if (type === 'full') return a[k][i][j];
        if (type === 'tied') return a[i][j];
        if (i !== j) return 0;
        if (type === 'diag') return a[k][i];
        return type === 'spherical' ? a[k] : (a as never as number); // shared_isotropic, constant: one scalar
      }),
    ),
  );
}

/** Dense [N][K][R][R] of conditional covariances in a type's per-sample shape. */
function densePerSample(type: Type, c: tf.Tensor, K: number, R: number): number[][][][] {
  const rows = c.arraySync() as Nd[];
  return rows.map((row) => denseShared(type, row, K, R));
}

describeOnBackends('gmmCondition', () => {
  const K = 3;
  const D = 4;
  const givenFeatures = [2, 0];

  for (const type of COVARIANCE_TYPES) {
    it(`${type}: weights, means and covariances equal a float64 reference (explicit inverse)`, async () => {
      await expectNoLeak(() => {
        const p = randomNatural(rng(21), type, K, D);
        const random = rng(22);
        const values = Array.from({length: 6}, () => [
          Math.fround(2 * normal(random)),
          Math.fround(2 * normal(random)),
        ]);
        const result = gmmCondition(p.weights, p.means, p.covariances, type, givenFeatures, values);
        expect(result.remainingFeatures).to.deep.equal([1, 3]);
        expect(result.weights.shape).to.deep.equal([6, K]);
        expect(result.means.shape).to.deep.equal([6, K, 2]);
        const typeShape = {
          full: [6, K, 2, 2],
          tied: [6, 2, 2],
          diag: [6, K, 2],
          spherical: [6, K],
          shared_isotropic: [6],
          constant: [6],
        }[type];
        expect(result.covariances.shape).to.deep.equal(typeShape);
        const ref = referenceCondition(
          p.weights as number[],
          p.means as number[][],
          denseShared(type, p.covariances, K, D),
          givenFeatures,
          values,
        );
        // float32 through one Cholesky factor and triangular solves of O(1) quantities: ~1e-6
        // relative per operation; 1e-4 leaves room for the conditioning of the covariances.
        expectClose(result.weights, ref.weights, {rtol: 1e-4, atol: 1e-6, label: 'weights'});
        expectClose(result.means, ref.means, {rtol: 1e-4, atol: 1e-5, label: 'means'});
        expectClose(densePerSample(type, result.covariances, K, 2), ref.covariances, {
          rtol: 1e-4,
          atol: 1e-5,
          label: 'covariances',
        });
        tf.dispose([result.weights, result.means, result.covariances]);
      });
    });
  }

  it('far from every component the weights stay finite and normalised (log space)', () => {
    const p = randomNatural(rng(23), 'full', K, D);
    const result = gmmCondition(p.weights, p.means, p.covariances, 'full', [1], [[80], [-60]]);
    const w = result.weights.arraySync();
    for (const row of w) {
      expect(row.every(Number.isFinite)).to.equal(true);
      expect(row.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-6);
    }
    tf.dispose([result.weights, result.means, result.covariances]);
  });

  it('bad arguments are reported by name', async () => {
    await expectNoLeak(() => {
      const p = randomNatural(rng(24), 'diag', 2, 3);
      const call = (given: unknown, values: unknown) =>
        gmmCondition(p.weights, p.means, p.covariances, 'diag', given as number[], values as number[][]);
      expectThrowsWith(
        () => call([3], [[0]]),
        'gmmCondition: givenFeatures[0] must be an integer in [0, 2] (D = 3 features), but got 3',
      );
      expectThrowsWith(() => call([0, -1], [[0, 0]]), 'gmmCondition: givenFeatures[1] must be an integer in [0, 2]');
      expectThrowsWith(() => call([0.5], [[0]]), 'gmmCondition: givenFeatures[0] must be an integer in [0, 2]');
      expectThrowsWith(
        () => call([1, 1], [[0, 0]]),
        'gmmCondition: givenFeatures must not repeat a feature, but 1 appears twice',
      );
      expectThrowsWith(() => call([], [[]]), 'gmmCondition: givenFeatures must name at least one feature, but got []');
      expectThrowsWith(
        () => call([0, 1, 2], [[0, 0, 0]]),
        'gmmCondition: givenFeatures must leave at least one of the 3 features to predict',
      );
      expectThrowsWith(
        () => call(1, [[0]]),
        'gmmCondition: givenFeatures must be an array of feature indices, but got 1',
      );
      expectThrowsWith(() => call([0, 2], [[0, 0, 0]]), 'gmmCondition: values must have shape [N, 2], but got [1, 3]');
      expectThrowsWith(() => call([0], [0]), 'gmmCondition: values must have shape [N, 1], but got [1]');
      expectThrowsWith(
        () =>
          gmmCondition(
            [1],
            [[0, 0]],
            [
              [
                [1, 2],
                [2, 1],
              ],
            ],
            'full',
            [0],
            [[0]],
            {checkPositiveDefinite: true},
          ),
        'gmmCondition: covariances',
      );
      expectThrowsWith(
        () => gmmCondition([1], [[0, 0]], [[1, 1]], 'diag', [0], [[0]], {check: 1} as never),
        'gmmCondition: options must have only known keys',
      );
    });
  });
});

describeOnBackends('GaussianMixture.condition / predictConditional', () => {
  /** Known joint: two correlated 2-D components. */
  const weights = [0.35, 0.65];
  const means = [
    [-1, 2],
    [1.5, -1],
  ];
  const covariances = [
    [
      [1, 0.8],
      [0.8, 1.2],
    ],
    [
      [0.6, -0.3],
      [-0.3, 0.5],
    ],
  ];

  it('match Monte-Carlo estimates of E[x1 | x0], Var[x1 | x0] and P(component | x0) on a known joint', async () => {
    const gm = GaussianMixture.fromParameters({weights, means, covariances}, {covarianceType: 'full'});
    // Draws from the joint in float64 (Box-Muller and a lower Cholesky factor, no tfjs).
    const random = rng(31);
    const factors = covariances.map(choleskyLower);
    const draws: Array<{x: number[]; k: number}> = [];
    for (let i = 0; i < 400000; i++) {
      const k = random() < weights[0] ? 0 : 1;
      const z = [normal(random), normal(random)];
      const L = factors[k];
      draws.push({x: [means[k][0] + L[0][0] * z[0], means[k][1] + L[1][0] * z[0] + L[1][1] * z[1]], k});
    }
    const points = [-1.5, 0.2, 1.8];
    const halfWidth = 0.03;
    await expectNoLeak(() => {
      const mean = gm.predictConditional(
        [0],
        points.map((v) => [v]),
      );
      const {
        weights: w,
        means: mu,
        covariances: c,
      } = gm.condition(
        [0],
        points.map((v) => [v]),
      );
      const m = flat(mean);
      const wv = w.arraySync();
      const muv = mu.arraySync();
      const cv = c.arraySync() as number[][][][];
      points.forEach((v, i) => {
        const bin = draws.filter(({x}) => Math.abs(x[0] - v) < halfWidth);
        const y = bin.map(({x}) => x[1]);
        const n = y.length;
        const empiricalMean = y.reduce((s, t) => s + t, 0) / n;
        const empiricalVariance = y.reduce((s, t) => s + (t - empiricalMean) ** 2, 0) / (n - 1);
        const share = bin.filter(({k}) => k === 0).length / n;
        const variance = wv[i].reduce((s, wk, k) => s + wk * (cv[i][k][0][0] + muv[i][k][0] ** 2), 0) - m[i] ** 2;
        // 5 standard errors; the bin's width (0.06) biases the estimates by far less (the
        // conditional moments change by < 0.05 per unit of x0 squared over the bin).
        expect(Math.abs(empiricalMean - m[i]), `mean at ${v} (${n} draws)`).to.be.below(
          5 * Math.sqrt(variance / n) + 0.01,
        );
        expect(Math.abs(empiricalVariance - variance), `variance at ${v}`).to.be.below(
          5 * variance * Math.sqrt(2 / n) + 0.01,
        );
        expect(Math.abs(share - wv[i][0]), `weight at ${v}`).to.be.below(
          5 * Math.sqrt((wv[i][0] * (1 - wv[i][0])) / n) + 0.01,
        );
      });
      tf.dispose([mean, w, mu, c]);
    });
    gm.dispose();
  });

  // GaussianMixture holds the types EM fits.
  for (const covarianceType of EM_COVARIANCE_TYPES) {
    it(`${covarianceType}: condition is gmmCondition on the fitted parameters, predictConditional its weighted mean`, async () => {
      const raw = randomNatural(rng(32), covarianceType, 3, 3);
      const total = (raw.weights as number[]).reduce((s, w) => s + w, 0);
      const p = {...raw, weights: (raw.weights as number[]).map((w) => Math.fround(w / total))};
      const gm = GaussianMixture.fromParameters(p, {covarianceType});
      await expectNoLeak(() => {
        const values = [
          [0.5, -1],
          [2, 0.3],
        ];
        const ours = gm.condition([2, 1], values);
        const op = gmmCondition(p.weights, p.means, p.covariances, covarianceType, [2, 1], values);
        expect(ours.remainingFeatures).to.deep.equal([0]);
        // The model's stored parameters are the same float32 values: identical up to rounding of equal ops.
        expectClose(ours.weights, op.weights, {rtol: 1e-6, atol: 1e-7});
        expectClose(ours.means, op.means, {rtol: 1e-6, atol: 1e-6});
        expectClose(ours.covariances, op.covariances, {rtol: 1e-6, atol: 1e-6});
        const prediction = gm.predictConditional([2, 1], values);
        const w = ours.weights.arraySync();
        const mu = ours.means.arraySync();
        expect(prediction.shape).to.deep.equal([2, 1]);
        expectClose(
          prediction,
          w.map((row, n) => [row.reduce((s, wk, k) => s + wk * mu[n][k][0], 0)]),
          {rtol: 1e-5, atol: 1e-6}, // float32 sum of three products
        );
        tf.dispose([ours.weights, ours.means, ours.covariances, op.weights, op.means, op.covariances, prediction]);
      });
      expectThrowsWith(
        () => gm.predictConditional([0, 5], [[0, 0]]),
        'GaussianMixture.predictConditional: givenFeatures[1] must be an integer in [0, 2] (D = 3 features), but got 5',
      );
      expectThrowsWith(
        () => gm.condition([0], [[0, 0]]),
        'GaussianMixture.condition: values must have shape [N, 1], but got [1, 2]',
      );
      gm.dispose();
    });
  }

  it('an unfitted model says so', () => {
    const gm = new GaussianMixture({nComponents: 2});
    expectThrowsWith(
      () => gm.condition([0], [[0]]),
      'GaussianMixture.condition: this GaussianMixture must be fitted first',
    );
    expectThrowsWith(
      () => gm.predictConditional([0], [[0]]),
      'GaussianMixture.predictConditional: this GaussianMixture must be fitted first',
    );
  });
});
