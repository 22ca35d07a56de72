/**
 * EM for `constant` (a fixed variance, given by the user) against a float64 JavaScript EM written
 * from the update equations: weights and means are updated, the variance is kept exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {emFit, emStep} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';

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
});
