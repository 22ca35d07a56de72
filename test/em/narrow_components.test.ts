/**
 * A narrow component far from the data's center (sd 1e-3 at the origin next to sd 1 at 1e4,
 * test/fixtures/generate_em_narrow.py): centred and scaled together, the narrow cluster lies
 * below float32's resolution at its offset. EM forms its exact-path differences, means and
 * scatter in two float32 parts, and scoring evaluates the narrow component in a frame of its
 * own, so both match scikit-learn (float64) from the same start.
 */
import * as fs from 'fs';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {CovarianceTypeName, GaussianMixture} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

interface NarrowCase {
  covarianceType: CovarianceTypeName;
  weightsInit: number[];
  meansInit: number[][];
  precisionsInit: number[] | number[][] | number[][][];
  lowerBound: number;
  weights: number[];
  means: number[][];
  covariances: number[] | number[][] | number[][][];
  scoreSamples: number[];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/em_narrow.json'), 'utf8')) as {
  X: number[][];
  cases: NarrowCase[];
};

/**
 * The goal: 1e-4 relative to scikit-learn's float64 fit. Measured: lower bounds within
 * 4e-6, log-densities within 7e-5 (the wide component's float32 means at 1e4 are 1e-3 apart).
 */
const RTOL = 1e-4;

/** The per-feature variances of a fitted covariance array, per component ([K, D]). */
function variances(type: CovarianceTypeName, covariances: unknown, K: number, D: number): number[][] {
  const c = covariances as number[] & number[][] & number[][][];
  return Array.from({length: K}, (_, k) =>
    Array.from({length: D}, (_, j) => {
      if (type === 'full') return c[k][j][j];
      if (type === 'tied') return c[j][j];
      if (type === 'diag') return c[k][j];
      return c[k];
    }),
  );
}

/** Seeded rows: half narrow (sd 1e-3) at the origin, half wide (sd 1) at (1e4, 0), interleaved. */
function narrowAndFar(N: number): number[][] {
  let s = 11;
  const uniform = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return Array.from({length: N}, (_, n) =>
    n % 2 === 0 ? [1e-3 * normal(), 1e-3 * normal()] : [1e4 + normal(), normal()],
  );
}

describeOnBackends('GaussianMixture with a narrow component far from the others', () => {
  it('worker threads and a stream carry the two float32 parts: they equal the in-thread fit', async () => {
    const x = narrowAndFar(3000);
    const options = {
      nComponents: 2,
      covarianceType: 'diag' as const,
      meansInit: [
        [0, 0],
        [1e4, 0],
      ],
      maxIter: 10,
      tol: 0,
      onWarning: () => {},
    };
    // Each is compared with the in-thread fit over the same chunks (the workers' 1500-row shares,
    // the stream's 1000-row batches): the float32 sums of 3000 log-likelihoods move the lower
    // bound by ~1e-5 relative between chunkings. The workers then agree to 1e-6; the stream to
    // 1e-5, as its frame comes from merged per-batch moments (float64, other rounding), which
    // moves the float32 rounding of every scaled row.
    const parallel = new GaussianMixture({...options, workers: 2}).fit(x);
    const streamed = await new GaussianMixture({...options, batchSize: 1000}).fitAsync(function* () {
      for (let i = 0; i < x.length; i += 1000) yield x.slice(i, i + 1000);
    });
    // The narrow component's variances, which the residuals decide: 1e-6 per feature plus regCovar.
    const narrow = (gm: GaussianMixture) => Array.from(gm.covariances.dataSync().subarray(0, 2));
    for (const [label, gm, batchSize, rtol] of [
      ['workers = 2', parallel, 1500, 1e-6],
      ['a stream', streamed, 1000, 1e-5],
    ] as const) {
      const inThread = new GaussianMixture({...options, batchSize}).fit(x);
      expect(narrow(inThread)[0]).to.be.within(1.8e-6, 2.2e-6);
      expectClose([gm.lowerBound], [inThread.lowerBound], {rtol, atol: 0, label: `${label}: lowerBound`});
      expectClose(narrow(gm), narrow(inThread), {rtol: 1e-5, atol: 0, label: `${label}: narrow variances`});
      gm.dispose();
      inThread.dispose();
    }
  });

  for (const c of fixture.cases) {
    it(`${c.covarianceType}: a fit from scikit-learn's start matches scikit-learn (float64) to 1e-4`, async () => {
      // A float32 tensor holds the wide cluster's rows to 1e-3 (float32's spacing at 1e4), which
      // moves their log-densities by up to ~2e-3 nats: its rows are compared to that.
      const inputs: Array<[string, () => number[][] | tf.Tensor2D, number]> = [
        ['nested arrays', () => fixture.X, RTOL],
        ['a float32 tensor', () => tf.tensor2d(fixture.X), 1e-3],
      ];
      for (const [label, input, rowRtol] of inputs) {
        await expectNoLeak(() => {
          const X = input();
          const gm = new GaussianMixture({
            nComponents: 2,
            covarianceType: c.covarianceType,
            weightsInit: c.weightsInit,
            meansInit: c.meansInit,
            precisionsInit: c.precisionsInit,
            maxIter: 10,
            tol: 0,
            onWarning: () => {},
          }).fit(X);
          expectClose([gm.lowerBound], [c.lowerBound], {rtol: RTOL, atol: 0, label: `${label}: lowerBound`});
          const fitted = variances(c.covarianceType, gm.covariances.arraySync(), 2, 2);
          const expected = variances(c.covarianceType, c.covariances, 2, 2);
          expectClose(fitted, expected, {rtol: 1e-3, atol: 0, label: `${label}: variances`});
          // Each mean to a thousandth of its own component's standard deviation (plus float32's
          // spacing at 1e4 for the wide one).
          const means = gm.means.arraySync();
          expected.forEach((v, k) =>
            expectClose(means[k], c.means[k], {
              rtol: 0,
              atol: 1e-3 * Math.sqrt(Math.min(...v)) + Math.abs(c.means[k][0]) * 2 ** -23,
              label: `${label}: means[${k}]`,
            }),
          );
          tf.tidy(() =>
            expectClose(gm.scoreSamples(X), c.scoreSamples, {rtol: rowRtol, atol: 0, label: `${label}: scoreSamples`}),
          );
          gm.dispose();
          if (X instanceof tf.Tensor) X.dispose();
        });
      }
    });

    it(`${c.covarianceType}: scores scikit-learn's own fitted model to 1e-4`, async () => {
      await expectNoLeak(() => {
        const gm = GaussianMixture.fromParameters(
          {weights: c.weights, means: c.means, covariances: c.covariances},
          {covarianceType: c.covarianceType},
        );
        tf.tidy(() =>
          expectClose(gm.scoreSamples(fixture.X), c.scoreSamples, {rtol: RTOL, atol: 0, label: 'scoreSamples'}),
        );
        gm.dispose();
      });
    });
  }
});
