import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {mdnMode, mdnSample, mdnUnpack} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {BACKENDS, describeOnBackends} from '../helpers/backends';
import {normal, rng} from '../helpers/random';
import {MdnRefSpec, MdnType, refDecodeRow, refParamsSize} from '../helpers/reference_mdn';

const TYPES: MdnType[] = ['diag', 'spherical', 'full'];

function randomRows(spec: MdnRefSpec, N: number, seed: number): number[][] {
  const random = rng(seed);
  return Array.from({length: N}, () => Array.from({length: refParamsSize(spec)}, () => Math.fround(normal(random))));
}

/** Sample mean and covariance (float64) of rows [N, D]. */
function moments(samples: number[][]): {mean: number[]; covariance: number[][]} {
  const N = samples.length;
  const D = samples[0].length;
  const mean = Array.from({length: D}, (_, d) => samples.reduce((s, r) => s + r[d], 0) / N);
  const covariance = Array.from({length: D}, (_, a) =>
    Array.from({length: D}, (_, b) => samples.reduce((s, r) => s + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / (N - 1)),
  );
  return {mean, covariance};
}

/** Asserts sample moments within `z` standard errors of a normal's mean and covariance. */
function expectMoments(samples: number[][], mean: number[], covariance: number[][], z: number, label: string): void {
  const N = samples.length;
  const m = moments(samples);
  mean.forEach((mu, d) =>
    expect(Math.abs(m.mean[d] - mu), `${label}: mean[${d}]`).to.be.below(z * Math.sqrt(covariance[d][d] / N)),
  );
  covariance.forEach((row, a) =>
    row.forEach((c, b) => {
      // Var of a sample covariance entry of a normal: (S_aa S_bb + S_ab^2) / N.
      const se = Math.sqrt((covariance[a][a] * covariance[b][b] + c * c) / N);
      expect(
        Math.abs(m.covariance[a][b] - c),
        `${label}: covariance[${a}][${b}] ${m.covariance[a][b]} vs ${c}`,
      ).to.be.below(z * se);
    }),
  );
}

describeOnBackends('mdnUnpack, mdnSample, mdnMode', () => {
  describe('mdnUnpack', () => {
    for (const type of TYPES) {
      it(`${type}: natural parameters in per-sample shapes, equal to the float64 decoding of the documented layout`, async () => {
        const spec: MdnRefSpec = {K: 3, D: 3, type, minScale: 0.05};
        const rows = randomRows(spec, 4, 7 + TYPES.indexOf(type));
        const reference = rows.map((row) => refDecodeRow(spec, row));
        await expectNoLeak(() => {
          const {weights, means, covariances} = mdnUnpack(rows, {
            nComponents: 3,
            outputDim: 3,
            covarianceType: type,
            minScale: 0.05,
          });
          expect(weights.shape).to.deep.equal([4, 3]);
          expect(means.shape).to.deep.equal([4, 3, 3]);
          expectClose(
            weights,
            reference.map((r) => r.weights),
            {rtol: 1e-6, atol: 1e-7},
          );
          expectClose(
            means,
            reference.map((r) => r.means),
            {atol: 0},
          );
          const expected = reference.map((r) =>
            type === 'full'
              ? r.covariances
              : type === 'diag'
                ? r.sigmas.map((s) => s.map((v) => v * v))
                : r.sigmas.map((s) => s[0] * s[0]),
          );
          expect(covariances.shape).to.deep.equal({full: [4, 3, 3, 3], diag: [4, 3, 3], spherical: [4, 3]}[type]);
          // full: a triangular inverse and a product in float32 (condition numbers up to ~1e2 here).
          expectClose(covariances, expected, {rtol: type === 'full' ? 2e-4 : 1e-5, atol: 1e-6});
          tf.dispose([weights, means, covariances]);
        });
      });
    }
  });

  describe('mdnSample', () => {
    for (const type of TYPES) {
      it(`${type}: with one component, 20,000 samples have its mean and covariance; sigmaTemperature scales the spread`, async () => {
        const spec: MdnRefSpec = {K: 1, D: 3, type, minScale: 1e-3};
        const config = {nComponents: 1, outputDim: 3, covarianceType: type};
        // logit | means | raw scales | coefficients (full: c10, c20, c21)
        const row = [
          0.3,
          0.5,
          -1,
          2,
          ...(type === 'spherical' ? [0.4] : [0.3, -0.5, 0.8]),
          ...(type === 'full' ? [0.7, -0.4, 1.1] : []),
        ];
        const {means, covariances} = refDecodeRow(spec, row);
        const N = 20000;
        const yPred = tf.tile(tf.tensor2d([row]), [N, 1]);
        await expectNoLeak(() => {
          for (const sigmaTemperature of [1, 0.5]) {
            const samples = mdnSample(yPred, config, {seed: 3, sigmaTemperature});
            expect(samples.shape).to.deep.equal([N, 3]);
            const scaled = covariances[0].map((r) => r.map((v) => v * sigmaTemperature * sigmaTemperature));
            // 5 standard errors: a deterministic seed, and a margin that a wrong factor cannot meet.
            expectMoments(
              samples.arraySync() as number[][],
              means[0],
              scaled,
              5,
              `${type}, sigmaTemperature ${sigmaTemperature}`,
            );
            samples.dispose();
          }
          tf.tidy(() =>
            expectClose(
              mdnSample(tf.slice(yPred, [0, 0], [4, -1]), config, {seed: 3, sigmaTemperature: 0}),
              [means[0], means[0], means[0], means[0]],
              {atol: 0},
            ),
          );
        });
        yPred.dispose();
      });
    }

    it('chooses components with probabilities softmax(logits / temperature); temperature 0 takes the heaviest', async () => {
      // Three well-separated 1-D components (means -10, 0, 10, sigma ~0.7), weights 0.2, 0.5, 0.3.
      const row = [Math.log(0.2), Math.log(0.5), Math.log(0.3), -10, 0, 10, 0, 0, 0];
      const config = {nComponents: 3, outputDim: 1};
      const N = 20000;
      const yPred = tf.tile(tf.tensor2d([row]), [N, 1]);
      const frequencies = (samples: tf.Tensor) => {
        const counts = [0, 0, 0];
        for (const v of samples.dataSync()) counts[v < -5 ? 0 : v > 5 ? 2 : 1]++;
        return counts.map((c) => c / N);
      };
      await expectNoLeak(() => {
        for (const [temperature, expected] of [
          [1, [0.2, 0.5, 0.3]],
          [0.5, [0.04 / 0.38, 0.25 / 0.38, 0.09 / 0.38]],
        ] as [number, number[]][]) {
          const samples = mdnSample(yPred, config, {temperature, seed: 5});
          // Binomial standard error at N = 20,000 is at most 0.0036; 0.015 is 4 of them.
          expectClose(frequencies(samples), expected, {atol: 0.015, label: `temperature ${temperature}`});
          samples.dispose();
        }
        for (const temperature of [0, 1e-3]) {
          const samples = mdnSample(yPred, config, {temperature, seed: 6});
          expect(frequencies(samples), `temperature ${temperature}`).to.deep.equal([0, 1, 0]);
          samples.dispose();
        }
      });
      yPred.dispose();
    });

    it('is reproducible with a seed and differs between seeds', async () => {
      const spec: MdnRefSpec = {K: 4, D: 2, type: 'full', minScale: 1e-3};
      const rows = randomRows(spec, 50, 9);
      const config = {nComponents: 4, outputDim: 2, covarianceType: 'full' as const};
      await expectNoLeak(() => {
        const a = mdnSample(rows, config, {seed: 42});
        const b = mdnSample(rows, config, {seed: 42});
        const c = mdnSample(rows, config, {seed: 43});
        const d = mdnSample(rows, config);
        expectClose(b, a, {atol: 0});
        expect(Array.from(c.dataSync())).to.not.deep.equal(Array.from(a.dataSync()));
        expect(Array.from(d.dataSync()).every(Number.isFinite)).to.equal(true);
        tf.dispose([a, b, c, d]);
      });
    });
  });

  describe('mdnMode', () => {
    for (const type of TYPES) {
      it(`${type}: the mean of each row's heaviest component`, async () => {
        const spec: MdnRefSpec = {K: 4, D: 2, type, minScale: 1e-3};
        const rows = randomRows(spec, 6, 21 + TYPES.indexOf(type));
        const expected = rows.map((row) => {
          const m = refDecodeRow(spec, row);
          return m.means[m.weights.indexOf(Math.max(...m.weights))];
        });
        await expectNoLeak(() => {
          const mode = mdnMode(rows, {nComponents: 4, outputDim: 2, covarianceType: type});
          expect(mode.shape).to.deep.equal([6, 2]);
          expectClose(mode, expected, {atol: 0});
          mode.dispose();
        });
      });
    }
  });

  describe('validation', () => {
    it('rejects bad specs, shapes and options with messages naming the argument', () => {
      const config = {nComponents: 2, outputDim: 2};
      const yPred = tf.zeros([3, 10]);
      expectThrowsWith(
        () => mdnUnpack(tf.zeros([3, 9]), config),
        "mdnUnpack: yPred must have shape [batch, 10] (P = paramsSize(2, 2, 'diag')), but got [3, 9]",
      );
      expectThrowsWith(
        () => mdnMode(tf.zeros([10]), config),
        "mdnMode: yPred must have shape [batch, 10] (P = paramsSize(2, 2, 'diag')), but got [10]",
      );
      expectThrowsWith(
        () => mdnSample(yPred, {...config, covarianceType: 'full'}),
        "mdnSample: yPred must have shape [batch, 12] (P = paramsSize(2, 2, 'full')), but got [3, 10]",
      );
      expectThrowsWith(
        () => mdnUnpack(yPred, {...config, covarianceType: 'tied' as never}),
        "mdnUnpack: covarianceType must be one of 'diag', 'spherical', 'full', but got \"tied\"",
      );
      expectThrowsWith(
        () => mdnMode(yPred, {nComponents: -1, outputDim: 2}),
        'mdnMode: nComponents must be an integer >= 1, but got -1',
      );
      expectThrowsWith(
        () => mdnSample(yPred, config, {temperature: -1}),
        'mdnSample: temperature must be a finite number >= 0, but got -1',
      );
      expectThrowsWith(
        () => mdnSample(yPred, config, {sigmaTemperature: Infinity}),
        'mdnSample: sigmaTemperature must be a finite number >= 0, but got null',
      );
      expectThrowsWith(
        () => mdnSample(yPred, config, {seed: 'abc' as never}),
        'mdnSample: seed must be a finite number, but got "abc"',
      );
      expectThrowsWith(
        () => mdnSample(yPred, config, null as never),
        'mdnSample: options must be an object {temperature?, sigmaTemperature?, seed?}, but got null',
      );
      yPred.dispose();
    });
  });
});

describe('mdnSample across backends', () => {
  it('gives the same samples for the same seed on every backend', async function () {
    if (BACKENDS.length < 2) this.skip();
    const spec: MdnRefSpec = {K: 3, D: 2, type: 'full', minScale: 1e-3};
    const rows = randomRows(spec, 20, 31);
    const results: number[][][] = [];
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      results.push(
        tf.tidy(
          () =>
            mdnSample(
              rows,
              {nComponents: 3, outputDim: 2, covarianceType: 'full'},
              {seed: 8},
            ).arraySync() as number[][],
        ),
      );
    }
    // Same draws and the same component choices; float32 arithmetic may differ in the last bits.
    for (const other of results.slice(1)) expectClose(other, results[0], {rtol: 1e-5, atol: 1e-6});
  });
});
