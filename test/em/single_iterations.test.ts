/**
 * Warm starts one iteration at a time (the browser demo's loop before fitAsync): a
 * GaussianMixture with `warmStart: true, maxIter: 1`, fitted again until it reports convergence.
 * That chain must be the computation of one fit with `maxIter` iterations: the same number of
 * iterations, the same lower bounds, the same stopping point and the same parameters.
 */
import {expect} from 'chai';

import {EM_COVARIANCE_TYPES, GaussianMixture} from '../../src';
import {expectClose, expectNoLeak, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';
import {expectCloseToScale} from './helpers';

const iris = emFixtures.datasets.iris;

describeOnBackends('GaussianMixture: chained single-iteration warm-start fits (the browser demo loop)', () => {
  for (const covarianceType of EM_COVARIANCE_TYPES) {
    it(`${covarianceType}: iterating fit with maxIter = 1 until converged equals one fit`, async () => {
      await expectNoLeak(() => {
        const options = {nComponents: 4, covarianceType, seed: 0};
        const once = new GaussianMixture(options).fit(iris);
        const chain = new GaussianMixture({...options, warmStart: true, maxIter: 1, onWarning: () => {}});
        const lowerBounds: number[] = [];
        for (let i = 0; i < once.maxIter && !(chain.isFitted && chain.converged); i++) {
          chain.fit(iris);
          lowerBounds.push(chain.lowerBound);
        }
        expect(once.converged, 'the reference fit converges').to.equal(true);
        expect(chain.converged, 'the chain converges').to.equal(true);
        expect(lowerBounds.length, 'iterations').to.equal(once.nIter);
        // Each call maps the parameters to the data space and back into the scaled space of the
        // next call (float32 round trips); the estimator's warm-start test bounds their effect
        // the same way. Observed <= 3e-6 relative on iris.
        expectClose(lowerBounds, once.lowerBounds, {rtol: 1e-5, atol: 0, label: 'lower bounds'});
        expectClose(flat(chain.weights), flat(once.weights), {rtol: 0, atol: 1e-4, label: 'weights'});
        expectCloseToScale(chain.means, flat(once.means), 1e-4, 'means');
        expectCloseToScale(chain.covariances, flat(once.covariances), 1e-4, 'covariances');
        expectClose([chain.score(iris)], [once.score(iris)], {rtol: 1e-5, atol: 0, label: 'score'});
        once.dispose();
        chain.dispose();
      });
    });
  }
});
