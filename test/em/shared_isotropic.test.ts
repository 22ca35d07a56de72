/**
 * EM for `shared_isotropic` (one variance pooled over the components) against a float64
 * JavaScript EM written from the update equations (`constant` is in constant.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GaussianMixture, emStep} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';

const iris = emFixtures.datasets.iris;

interface State {
  weights: number[];
  means: number[][];
  variance: number;
}

/** One EM iteration in float64: responsibilities by log-sum-exp, then the pooled variance. */
function referenceStep(x: number[][], s: State, regCovar: number): State & {logLikelihood: number} {
  const N = x.length;
  const D = x[0].length;
  const K = s.weights.length;
  let total = 0;
  const r = x.map((row) => {
    const logs = s.means.map((mu, k) => {
      const quad = row.reduce((t, v, j) => t + (v - mu[j]) ** 2, 0);
      return Math.log(s.weights[k]) - 0.5 * (quad / s.variance + D * Math.log(2 * Math.PI * s.variance));
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
  let scatter = 0;
  x.forEach((row, i) =>
    means.forEach((mu, k) => (scatter += r[i][k] * row.reduce((t, v, j) => t + (v - mu[j]) ** 2, 0))),
  );
  const nTotal = nk.reduce((t, n) => t + n, 0);
  return {
    weights: nk.map((n) => n / nTotal),
    means,
    variance: scatter / (nTotal * D) + regCovar,
    logLikelihood: total / N,
  };
}

describeOnBackends('EM for shared_isotropic', () => {
  const start: State = {weights: [0.25, 0.375, 0.375], means: [iris[0], iris[60], iris[120]], variance: 0.5};

  it('one emStep equals the float64 update (pooled variance)', async () => {
    await expectNoLeak(() => {
      const ours = emStep(iris, {covarianceType: 'shared_isotropic', ...start, covariances: start.variance});
      const ref = referenceStep(iris, start, 1e-6);
      expect(ours.covariances.shape).to.deep.equal([]);
      // float32 EM on scaled data: ~1e-6 relative per moment (see em_covariance.ts); 2e-5 is a 10x margin.
      expectClose(ours.weights, ref.weights, {rtol: 2e-5, atol: 1e-6});
      expectClose(ours.means, ref.means, {rtol: 2e-5, atol: 1e-5});
      expectClose(ours.covariances, ref.variance, {rtol: 2e-5, atol: 0});
      expect(ours.logLikelihood).to.be.closeTo(ref.logLikelihood, 2e-5 * Math.abs(ref.logLikelihood));
      tf.dispose([ours.weights, ours.means, ours.covariances, ours.precisionsCholesky]);
    });
  });

  it('ten iterations of fit equal ten float64 iterations, and the lower bound never decreases', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({
        nComponents: 3,
        covarianceType: 'shared_isotropic',
        weightsInit: start.weights,
        meansInit: start.means,
        precisionsInit: 1 / start.variance,
        maxIter: 10,
        tol: 0,
        onWarning: () => {},
      }).fit(iris);
      let ref: State = start;
      const bounds: number[] = [];
      for (let i = 0; i < 10; i++) {
        const next = referenceStep(iris, ref, 1e-6);
        bounds.push(next.logLikelihood);
        ref = next;
      }
      // Ten float32 iterations compound ~1e-6 per step; 1e-4 relative as the EM fixtures allow.
      expectClose(gm.weights, ref.weights, {rtol: 1e-4, atol: 1e-5});
      expectClose(gm.means, ref.means, {rtol: 1e-4, atol: 1e-4});
      expectClose(gm.covariances, ref.variance, {rtol: 1e-4, atol: 0});
      expectClose(gm.lowerBounds, bounds, {rtol: 1e-5, atol: 1e-5});
      bounds.slice(1).forEach((b, i) => expect(b).to.be.at.least(bounds[i] - 1e-12));
      expect(gm.nParameters()).to.equal(3 - 1 + 3 * 4 + 1);
      const json = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(gm.toJSON())));
      expectClose(json.covariances, flat(gm.covariances), {rtol: 0, atol: 0});
      expectThrowsWith(
        () => gm.toSklearnJSON(),
        "GaussianMixture.toSklearnJSON: covarianceType 'shared_isotropic' has no scikit-learn equivalent",
      );
      json.dispose();
      gm.dispose();
    });
  });
});
