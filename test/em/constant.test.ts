/**
 * EM for `constant` (a fixed variance, given by the user) against a float64 JavaScript EM written
 * from the update equations: weights and means are updated, the variance is kept exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GaussianMixture, emFit, emStatistics, emStep} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {emFixtures} from '../fixtures/em';
import {asyncSource} from './stream/data';

const iris = emFixtures.datasets.iris;

interface State {
  weights: number[];
  means: number[][];
}

/** One EM iteration in float64 with the variance fixed at `variance` (no regCovar added). */
function referenceStep(x: number[][], s: State, variance: number): State & {logLikelihood: number} {
  const N = x.length;
  const D = x[0].length;
  const K = s.weights.length;
  let total = 0;
  const r = x.map((row) => {
    const logs = s.means.map((mu, k) => {
      const quad = row.reduce((t, v, j) => t + (v - mu[j]) ** 2, 0);
      return Math.log(s.weights[k]) - 0.5 * (quad / variance + D * Math.log(2 * Math.PI * variance));
    });
    const max = Math.max(...logs);
    const lse = max + Math.log(logs.reduce((t, l) => t + Math.exp(l - max), 0));
    total += lse;
    return logs.map((l) => Math.exp(l - lse));
  });
  // scikit-learn adds 10 eps to N_k.
  const nk = Array.from({length: K}, (_, k) => r.reduce((t, rn) => t + rn[k], 0) + 10 * 2.220446049250313e-16);
  const means = nk.map((n, k) =>
    Array.from({length: D}, (_, j) => x.reduce((t, row, i) => t + r[i][k] * row[j], 0) / n),
  );
  const nTotal = nk.reduce((t, n) => t + n, 0);
  return {weights: nk.map((n) => n / nTotal), means, logLikelihood: total / N};
}

describeOnBackends('EM for constant', () => {
  const variance = 0.3;
  const start: State = {weights: [0.25, 0.375, 0.375], means: [iris[0], iris[60], iris[120]]};
  const params = {covarianceType: 'constant' as const, ...start, covariances: variance};

  it('one emStep equals the float64 update and keeps the variance (regCovar not added)', async () => {
    await expectNoLeak(() => {
      const ours = emStep(iris, params, {regCovar: 1e-3});
      const ref = referenceStep(iris, start, variance);
      expect(ours.covarianceType).to.equal('constant');
      expect(ours.covariances.shape).to.deep.equal([]);
      // float32 EM on scaled data: ~1e-6 relative per moment (see em_covariance.ts); 2e-5 is a 10x margin.
      expectClose(ours.weights, ref.weights, {rtol: 2e-5, atol: 1e-6});
      expectClose(ours.means, ref.means, {rtol: 2e-5, atol: 1e-5});
      // Scaling into EM's space and back rounds the variance twice in float32.
      expectClose(ours.covariances, variance, {rtol: 1e-6, atol: 0});
      expectClose(ours.precisionsCholesky, 1 / Math.sqrt(variance), {rtol: 1e-6, atol: 0});
      expect(ours.logLikelihood).to.be.closeTo(ref.logLikelihood, 2e-5 * Math.abs(ref.logLikelihood));
      tf.dispose([ours.weights, ours.means, ours.covariances, ours.precisionsCholesky]);
    });
  });

  it('ten emFit iterations equal ten float64 iterations, and the lower bound never decreases', async () => {
    await expectNoLeak(() => {
      const fit = emFit(iris, params, {maxIter: 10, tol: 0});
      let ref: State = start;
      const bounds: number[] = [];
      for (let i = 0; i < 10; i++) {
        const next = referenceStep(iris, ref, variance);
        bounds.push(next.logLikelihood);
        ref = next;
      }
      expect(fit.nIter).to.equal(10);
      expect(fit.parameters.covarianceType).to.equal('constant');
      // Ten float32 iterations compound ~1e-6 per step; 1e-4 relative as the EM fixtures allow.
      expectClose(fit.parameters.weights, ref.weights, {rtol: 1e-4, atol: 1e-5});
      expectClose(fit.parameters.means, ref.means, {rtol: 1e-4, atol: 1e-4});
      expectClose(fit.parameters.covariances, variance, {rtol: 1e-6, atol: 0});
      expectClose(fit.lowerBounds, bounds, {rtol: 1e-5, atol: 1e-5});
      bounds.slice(1).forEach((b, i) => expect(b).to.be.at.least(bounds[i] - 1e-12));
      const p = fit.parameters;
      tf.dispose([p.weights, p.means, p.covariances, p.precisionsCholesky]);
    });
  });

  it('GaussianMixture fits weights and means with the fixed variance, and round-trips through JSON', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({
        nComponents: 3,
        covarianceType: 'constant',
        variance,
        weightsInit: start.weights,
        meansInit: start.means,
        maxIter: 10,
        tol: 0,
        onWarning: () => {},
      });
      // The given weights and means replace the initialisation's, and the variance is fixed: the
      // start is the reference's, so ten iterations are ten reference steps.
      gm.fit(iris);
      let ref: State = start;
      for (let i = 0; i < 10; i++) ref = referenceStep(iris, ref, variance);
      // Ten float32 iterations compound ~1e-6 per step; 1e-4 relative as the EM fixtures allow.
      expectClose(gm.weights, ref.weights, {rtol: 1e-4, atol: 1e-5});
      expectClose(gm.means, ref.means, {rtol: 1e-4, atol: 1e-4});
      expectClose(gm.covariances, variance, {rtol: 1e-6, atol: 0});
      expect(gm.variance).to.equal(variance);
      // The variance is given: weights (K - 1) and means (K D) only.
      expect(gm.nParameters()).to.equal(3 - 1 + 3 * 4);
      const doc = JSON.parse(JSON.stringify(gm.toJSON()));
      expect(doc.options.variance).to.equal(variance);
      const back = GaussianMixture.fromJSON(doc);
      expect(back.variance).to.equal(variance);
      expectClose(back.means, flat(gm.means), {rtol: 0, atol: 0});
      const unfitted = GaussianMixture.fromJSON(
        JSON.parse(JSON.stringify(new GaussianMixture({covarianceType: 'constant', variance: 2}).toJSON())),
      );
      expect(unfitted.variance).to.equal(2);
      expectThrowsWith(
        () => gm.toSklearnJSON(),
        "GaussianMixture.toSklearnJSON: covarianceType 'constant' has no scikit-learn equivalent",
      );
      unfitted.dispose();
      back.dispose();
      gm.dispose();
    });
  });

  it('the variance option is validated, and fromParameters checks the covariances against it', async () => {
    const before = tf.memory().numTensors;
    const make = (options: object) => () => new GaussianMixture(options);
    expectThrowsWith(
      make({covarianceType: 'constant'}),
      "GaussianMixture: covarianceType 'constant' needs the fixed variance: options.variance must be a positive finite number",
    );
    for (const bad of [0, -1, Infinity, NaN, '1'])
      expectThrowsWith(
        make({covarianceType: 'constant', variance: bad}),
        `GaussianMixture: variance must be a positive finite number, but got ${String(bad)}`,
      );
    expectThrowsWith(
      make({covarianceType: 'diag', variance: 1}),
      "GaussianMixture: variance is the fixed variance of covarianceType 'constant' only; covarianceType 'diag' estimates its covariances, but got variance 1",
    );
    expectThrowsWith(
      make({covarianceType: 'constant', variance: 1, precisionsInit: 1}),
      "GaussianMixture: precisionsInit cannot be given with covarianceType 'constant'",
    );
    expect(new GaussianMixture({covarianceType: 'full'}).variance).to.equal(null);
    const parameters = {weights: [1], means: [[0, 0]]};
    expectThrowsWith(
      () => GaussianMixture.fromParameters({...parameters, covariances: 2}, {covarianceType: 'constant', variance: 1}),
      "GaussianMixture.fromParameters: covariances must be the fixed variance 1 (covarianceType 'constant' does not learn it), but got 2",
    );
    expectThrowsWith(
      () => GaussianMixture.fromParameters({...parameters, covariances: 1}, {covarianceType: 'constant'}),
      "GaussianMixture: covarianceType 'constant' needs the fixed variance",
    );
    const model = GaussianMixture.fromParameters(
      {...parameters, precisionsCholesky: 1},
      {covarianceType: 'constant', variance: 1},
    );
    expectClose(model.covariances, 1, {rtol: 0, atol: 0});
    model.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('partialFit keeps the variance and resumes from toJSON; the exact path keeps it too', async () => {
    await expectNoLeak(() => {
      const options = {nComponents: 3, covarianceType: 'constant' as const, variance, seed: 0};
      const gm = new GaussianMixture(options).partialFit(iris.slice(0, 100));
      const back = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(gm.toJSON())));
      gm.partialFit(iris.slice(100));
      back.partialFit(iris.slice(100));
      expectClose(back.means, flat(gm.means), {rtol: 0, atol: 0});
      expectClose(gm.covariances, variance, {rtol: 1e-6, atol: 0});
      back.dispose();
      gm.dispose();
    });
    const previous = setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', 0);
    try {
      await expectNoLeak(() => {
        const fit = emFit(iris, params, {maxIter: 10, tol: 0});
        let ref: State = start;
        for (let i = 0; i < 10; i++) ref = referenceStep(iris, ref, variance);
        // The exact path forms the differences first: as accurate as the fast one (see above).
        expectClose(fit.parameters.means, ref.means, {rtol: 1e-4, atol: 1e-4});
        expectClose(fit.parameters.covariances, variance, {rtol: 1e-6, atol: 0});
        const p = fit.parameters;
        tf.dispose([p.weights, p.means, p.covariances, p.precisionsCholesky]);
      });
    } finally {
      setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', previous);
    }
  });

  it('emStatistics refuses constant (its M-step has no variance to keep)', () => {
    expectThrowsWith(
      () => emStatistics(iris, params),
      "emStatistics: covarianceType 'constant' has a fixed variance that EM does not estimate",
    );
  });

  it('fitAsync on a stream equals fit on the concatenated data', async () => {
    const options = {
      nComponents: 3,
      covarianceType: 'constant' as const,
      variance,
      weightsInit: start.weights,
      meansInit: start.means,
      maxIter: 10,
      tol: 0,
      onWarning: () => {},
    };
    const before = tf.memory().numTensors;
    const inMemory = new GaussianMixture(options).fit(iris);
    const streamed = await new GaussianMixture(options).fitAsync(asyncSource(iris, 40));
    // The same iterations over the same rows; only the float32 per-batch grouping differs.
    expectClose(streamed.means, flat(inMemory.means), {rtol: 1e-5, atol: 1e-5});
    expectClose(streamed.covariances, variance, {rtol: 1e-6, atol: 0});
    expect(streamed.variance).to.equal(variance);
    streamed.dispose();
    inMemory.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });
});
