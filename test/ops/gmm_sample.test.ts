import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';

import {COVARIANCE_TYPES, GMMLayer, gmmSample} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {chiSquareCdf, chiSquareTest, ksCritical, ksStatistic} from '../helpers/goodness_of_fit';
import {Nd, choleskyLower} from '../helpers/reference_f64';
import {randomNatural, rng} from '../helpers/random';

type Type = (typeof COVARIANCE_TYPES)[number];

/** Component k's covariance as a dense float64 matrix, from natural parameters in the type's shape. */
function denseCovariance(type: Type, covariances: Nd, k: number, D: number): number[][] {
  const c = covariances as never as number[][][] & number[][] & number[];
  return Array.from({length: D}, (_, i) =>
    Array.from({length: D}, (_, j) => {
      if (type === 'full') return c[k][i][j];
      if (type === 'tied') return c[i][j];
      if (i !== j) return 0;
      if (type === 'diag') return c[k][i];
      return type === 'spherical' ? c[k] : (c as never as number); // shared_isotropic, constant: one scalar
    }),
  );
}

/** Squared Mahalanobis distance of x from N(mu, Sigma) in float64 (lower Cholesky of Sigma). */
function mahalanobis2(x: number[], mu: number[], sigma: number[][]): number {
  const L = choleskyLower(sigma);
  const z: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let s = x[i] - mu[i];
    for (let j = 0; j < i; j++) s -= L[i][j] * z[j];
    z.push(s / L[i][i]);
  }
  return z.reduce((s, v) => s + v * v, 0);
}

/**
 * Checks draws from one mixture: Pearson's chi-square of the component counts against the
 * weights, and per component the KS statistic of the squared Mahalanobis distances against
 * chi2_D (which holds exactly when the draws are N(mu_k, Sigma_k)). alpha = 1e-4: the seeds are
 * fixed, so a pass is deterministic, and a wrong mean, covariance or weight fails by far (see the
 * power test below).
 */
function expectMixtureDraws(
  samples: number[][],
  labels: number[],
  weights: number[],
  means: number[][],
  covariance: (k: number) => number[][],
  label: string,
): void {
  const K = weights.length;
  const D = means[0].length;
  const total = weights.reduce((s, w) => s + w, 0);
  const counts = Array.from({length: K}, (_, k) => labels.filter((l) => l === k).length);
  const {pValue} = chiSquareTest(
    counts,
    weights.map((w) => w / total),
  );
  expect(pValue, `${label}: chi-square p-value of the counts ${counts}`).to.be.above(1e-4);
  for (let k = 0; k < K; k++) {
    const sigma = covariance(k);
    const distances = samples.filter((_, i) => labels[i] === k).map((x) => mahalanobis2(x, means[k], sigma));
    const d = ksStatistic(distances, (v) => chiSquareCdf(v, D));
    expect(d, `${label}: KS statistic of component ${k}`).to.be.below(ksCritical(distances.length, 1e-4));
  }
}

describe('goodness-of-fit helpers', () => {
  it('chiSquareCdf equals scipy.stats.chi2.cdf', () => {
    // Values printed by scipy.stats.chi2.cdf(x, dof) for (2.5, 3), (7.1, 2), (0.3, 1), (40, 10).
    expectClose(
      [chiSquareCdf(2.5, 3), chiSquareCdf(7.1, 2), chiSquareCdf(0.3, 1), chiSquareCdf(40, 10)],
      [0.5247089166569795, 0.9712753603457606, 0.416117579229635, 0.9999830552560699],
      {rtol: 1e-12, atol: 1e-14}, // both are float64 series; they agree to rounding
    );
  });
});

describeOnBackends('gmmSample', () => {
  const K = 3;
  const D = 3;

  for (const type of COVARIANCE_TYPES) {
    it(`${type}: shared parameters give counts multinomial in the weights and normal components`, async () => {
      await expectNoLeak(() => {
        const p = randomNatural(rng(11), type, K, D);
        const n = 6000;
        const {samples, labels} = gmmSample(p.weights, p.means, p.covariances, type, n, {seed: 3});
        expect(samples.shape).to.deep.equal([n, D]);
        expect([labels.shape, labels.dtype]).to.deep.equal([[n], 'int32']);
        const x = samples.arraySync() as number[][];
        expectMixtureDraws(
          x,
          flat(labels),
          p.weights as number[],
          p.means as number[][],
          (k) => denseCovariance(type, p.covariances, k, D),
          type,
        );
        tf.dispose([samples, labels]);
      });
    });

    it(`${type}: one mixture per row draws n samples from every row's mixture`, async () => {
      await expectNoLeak(() => {
        const N = 3;
        const p = randomNatural(rng(12), type, K, D, [N]);
        const n = 3000;
        const {samples, labels} = gmmSample(p.weights, p.means, p.covariances, type, n, {seed: 4});
        expect(samples.shape).to.deep.equal([N, n, D]);
        expect(labels.shape).to.deep.equal([N, n]);
        const x = samples.arraySync() as number[][][];
        const l = labels.arraySync() as number[][];
        for (let r = 0; r < N; r++) {
          const row = (a: Nd) => (a as Nd[])[r];
          expectMixtureDraws(
            x[r],
            l[r],
            row(p.weights) as number[],
            row(p.means) as number[][],
            (k) => denseCovariance(type, row(p.covariances), k, D),
            `${type} row ${r}`,
          );
        }
        tf.dispose([samples, labels]);
      });
    });
  }

  it('mixes per-row and shared parameters (per-row weights and means, shared tied covariance)', async () => {
    await expectNoLeak(() => {
      const N = 2;
      const perRow = randomNatural(rng(13), 'tied', K, D, [N]);
      const shared = randomNatural(rng(14), 'tied', K, D);
      const n = 3000;
      const {samples, labels} = gmmSample(perRow.weights, perRow.means, shared.covariances, 'tied', n, {seed: 5});
      const x = samples.arraySync() as number[][][];
      const l = labels.arraySync() as number[][];
      for (let r = 0; r < N; r++) {
        const row = (a: Nd) => (a as Nd[])[r];
        expectMixtureDraws(
          x[r],
          l[r],
          row(perRow.weights) as number[],
          row(perRow.means) as number[][],
          (k) => denseCovariance('tied', shared.covariances, k, D),
          `row ${r}`,
        );
      }
      tf.dispose([samples, labels]);
    });
  });

  it('the checks have power: the same draws fail against a covariance 1.3 times as large', () => {
    const p = randomNatural(rng(11), 'full', K, D);
    const {samples, labels} = gmmSample(p.weights, p.means, p.covariances, 'full', 6000, {seed: 3});
    const x = samples.arraySync() as number[][];
    const wrong = (k: number) => denseCovariance('full', p.covariances, k, D).map((r) => r.map((v) => 1.3 * v));
    expect(() =>
      expectMixtureDraws(x, flat(labels), p.weights as number[], p.means as number[][], wrong, 'wrong'),
    ).to.throw(/KS statistic/);
    tf.dispose([samples, labels]);
  });

  it('normalises the weights, is reproducible from a seed and differs between seeds', () => {
    const args = [[1, 3], [[0], [5]], [1, 1], 'spherical'] as const;
    const a = gmmSample(...args, 4000, {seed: 9});
    const b = gmmSample(...args, 4000, {seed: 9});
    const c = gmmSample(...args, 4000, {seed: 10});
    expect(flat(a.samples)).to.deep.equal(flat(b.samples));
    expect(flat(a.samples)).to.not.deep.equal(flat(c.samples));
    const counts = [0, 1].map((k) => flat(a.labels).filter((l) => l === k).length);
    expect(chiSquareTest(counts, [0.25, 0.75]).pValue).to.be.above(1e-4);
    tf.dispose([a.samples, a.labels, b.samples, b.labels, c.samples, c.labels]);
  });

  it('n = 0 gives empty samples; bad arguments are reported by name', async () => {
    await expectNoLeak(() => {
      const empty = gmmSample([1], [[0, 0]], [[1, 1]], 'diag', 0);
      expect([empty.samples.shape, empty.labels.shape, empty.labels.dtype]).to.deep.equal([[0, 2], [0], 'int32']);
      const perRow = gmmSample([[1], [1]], [[[0, 0]], [[1, 1]]], [[1, 1]], 'diag', 0);
      expect(perRow.samples.shape).to.deep.equal([2, 0, 2]);
      tf.dispose([empty.samples, empty.labels, perRow.samples, perRow.labels]);
      const ok = [[1], [[0, 0]], [[1, 1]], 'diag'] as const;
      expectThrowsWith(() => gmmSample(...ok, -1), 'gmmSample: n must be an integer >= 0, but got -1');
      expectThrowsWith(() => gmmSample(...ok, 1.5), 'gmmSample: n must be an integer >= 0, but got 1.5');
      expectThrowsWith(() => gmmSample(...ok, '3' as never), 'gmmSample: n must be an integer >= 0, but got "3"');
      expectThrowsWith(() => gmmSample(...ok, 2, {seed: NaN}), 'gmmSample: seed must be a finite number');
      expectThrowsWith(() => gmmSample(...ok, 2, {sed: 1} as never), 'gmmSample: options must have only known keys');
      expectThrowsWith(
        () => gmmSample([1], [[0, 0]], [[1, 1]], 'full' as never, 2),
        'gmmSample: covariances must have shape [1, 2, 2] (K, D, D) or [N, 1, 2, 2] (N, K, D, D: one mixture per row), but got [1, 2]',
      );
      expectThrowsWith(
        () => gmmSample([1, 1], [[0, 0]], [[1, 1]], 'diag', 2),
        'gmmSample: means must have shape [2, 2] (K, D) or [N, 2, 2] (N, K, D: one mixture per row), but got [1, 2]',
      );
      expectThrowsWith(
        () => gmmSample([[1], [1]], [[[0, 0]], [[1, 1]], [[2, 2]]], [[1, 1]], 'diag', 2),
        'gmmSample: weights and means must have the same number of mixtures N, but got 2 and 3',
      );
      expectThrowsWith(
        () => gmmSample([1], [[0, 0]], [[1, 1]], 'dag' as never, 2),
        "gmmSample: covarianceType must be one of 'full'",
      );
      expectThrowsWith(
        () =>
          gmmSample(
            [1],
            [[0, 0]],
            [
              [
                [1, 2],
                [2, 1],
              ],
            ],
            'full',
            2,
            {checkPositiveDefinite: true},
          ),
        'gmmSample: covariances',
      );
    });
  });
});

describeOnBackends('GMMLayer.sample', () => {
  for (const type of COVARIANCE_TYPES) {
    it(`${type}: draws from the layer's mixture (the draws of gmmSample on getMixture())`, async () => {
      const layer = new GMMLayer({
        nComponents: 2,
        covarianceType: type,
        meansInitializer: tfl.initializers.randomNormal({seed: 1}),
        rawVariancesInitializer: tfl.initializers.randomUniform({minval: -1, maxval: 1, seed: 2}),
        precisionOffDiagonalInitializer: tfl.initializers.randomNormal({stddev: 0.3, seed: 3}),
      });
      layer.apply(tf.zeros([1, 3]));
      await expectNoLeak(() => {
        const ours = layer.sample(500, {seed: 6});
        const mixture = layer.getMixture();
        const reference = gmmSample(mixture.weights, mixture.means, mixture.covariances!, type, 500, {seed: 6});
        expect(flat(ours.labels)).to.deep.equal(flat(reference.labels));
        // The same draws through the layer's precision factor and through covariances -> Cholesky in float32.
        expectClose(ours.samples, reference.samples, {rtol: 1e-4, atol: 1e-4});
        tf.dispose([ours.samples, ours.labels, reference.samples, reference.labels, ...Object.values(mixture)]);
      });
      expectThrowsWith(() => layer.sample(-2), 'GMMLayer.sample: n must be an integer >= 0, but got -2');
      expectThrowsWith(
        () => layer.sample(2, {seeed: 1} as never),
        'GMMLayer.sample: options must have only known keys',
      );
      layer.dispose();
    });
  }

  it('an unbuilt layer says so', () => {
    expectThrowsWith(() => new GMMLayer({nComponents: 2}).sample(3), 'GMMLayer.sample: the layer is not built yet');
  });
});
