/**
 * EM from a given initialisation matches scikit-learn's EM from the same initialisation: after 10
 * iterations (max_iter=10, tol=0), weights, means, covariances, precision factors and the lower
 * bound of every iteration, for the four covariance types on generated blobs, iris, wine (raw
 * features from ~0.1 to ~1000), duplicate points and a constant feature.
 */
import {expect} from 'chai';

import {GaussianMixture, emStep} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';
import {collectWarnings, disposeParameters, expectCloseToScale, precisionCholeskyOf} from './helpers';

/**
 * Tolerances. The inputs are exactly float32 on both sides, so the differences are float32
 * rounding (eps = 1.2e-7) accumulated over sums of a few hundred rows and amplified through ten
 * iterations. Observed worst cases (cpu and wasm): weights 4e-6, means 2e-6, covariances and
 * precision factors 9e-6 relative to the array's scale; lower bounds 1e-6 of the mean
 * |log p(x_n)| (a lower bound is a mean of terms of that size, which may cancel to near zero,
 * as in the duplicates case: terms of +-10 averaging -0.18). The bounds leave a margin of ~5x.
 */
const WEIGHTS_ATOL = 2e-5;
const PARAMETER_TOL = 5e-5;
const LOWER_BOUND_TOL = 5e-6;

function lowerBoundTolerance(meanAbsLogLikelihood: number) {
  return {rtol: 0, atol: LOWER_BOUND_TOL * meanAbsLogLikelihood};
}

describeOnBackends('EM vs scikit-learn from the same initialisation (10 iterations)', () => {
  for (const c of emFixtures.em) {
    const x = emFixtures.datasets[c.dataset];

    it(`${c.dataset}, ${c.covarianceType}: GaussianMixture.fit`, async () => {
      const warnings = collectWarnings();
      await expectNoLeak(() => {
        const gm = new GaussianMixture({
          nComponents: c.nComponents,
          covarianceType: c.covarianceType,
          weightsInit: c.weightsInit,
          meansInit: c.meansInit,
          precisionsInit: c.precisionsInit as number[],
          maxIter: 10,
          tol: 0,
          onWarning: warnings.onWarning,
        }).fit(x);
        expectClose(gm.weights, c.weights, {rtol: 0, atol: WEIGHTS_ATOL, label: 'weights'});
        expectCloseToScale(gm.means, c.means, PARAMETER_TOL, 'means');
        expectCloseToScale(gm.covariances, c.covariances as number[], PARAMETER_TOL, 'covariances');
        expectCloseToScale(
          gm.precisionsCholesky,
          c.precisionsCholesky as number[],
          PARAMETER_TOL,
          'precisionsCholesky',
        );
        expectClose([gm.lowerBound], [c.lowerBound], {
          ...lowerBoundTolerance(c.meanAbsLogLikelihood),
          label: 'lowerBound',
        });
        expectClose(gm.lowerBounds, c.lowerBounds, {
          ...lowerBoundTolerance(c.meanAbsLogLikelihood),
          label: 'lowerBounds',
        });
        expect(gm.nIter).to.equal(c.nIter);
        expect(gm.converged).to.equal(c.converged);
        gm.dispose();
      });
      // tol = 0 never converges: the estimator says so, as scikit-learn's ConvergenceWarning does.
      expect(warnings.messages).to.have.length(1);
      expect(warnings.messages[0]).to.contain('did not converge within maxIter = 10');
    });
  }

  for (const c of emFixtures.em.filter((e) => e.dataset === 'iris' || e.dataset === 'duplicates')) {
    it(`${c.dataset}, ${c.covarianceType}: ten emStep calls reproduce every lower bound and the final parameters`, async () => {
      const x = emFixtures.datasets[c.dataset];
      await expectNoLeak(() => {
        let params = emStep(x, {
          covarianceType: c.covarianceType,
          weights: c.weightsInit,
          means: c.meansInit,
          precisionsCholesky: precisionCholeskyOf(c.covarianceType, c.precisionsInit) as number[],
        });
        const lowerBounds = [params.logLikelihood];
        for (let i = 1; i < 10; i++) {
          const next = emStep(x, params);
          disposeParameters(params);
          params = next;
          lowerBounds.push(params.logLikelihood);
        }
        expectClose(lowerBounds, c.lowerBounds, {
          ...lowerBoundTolerance(c.meanAbsLogLikelihood),
          label: 'logLikelihood per step',
        });
        expectClose(params.weights, c.weights, {rtol: 0, atol: WEIGHTS_ATOL, label: 'weights'});
        expectCloseToScale(params.means, c.means, PARAMETER_TOL, 'means');
        expectCloseToScale(params.covariances, c.covariances as number[], PARAMETER_TOL, 'covariances');
        expectCloseToScale(
          params.precisionsCholesky,
          c.precisionsCholesky as number[],
          PARAMETER_TOL,
          'precisionsCholesky',
        );
        disposeParameters(params);
      });
    });
  }
});
