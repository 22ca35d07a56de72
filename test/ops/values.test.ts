import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {gmmLogLikelihood, gmmLogProb, gmmLogProbPrecisionCholesky, gmmResponsibilities} from '../../src';
import {TriangularLayout} from '../../ops/flags';
import {setGmmFlag} from '../helpers/flags';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {MixtureCase, fixtures} from '../fixtures';

/** log of nested weights, for feeding the precision-Cholesky op log-weights as logits. */
function logOf(w: unknown): unknown {
  return Array.isArray(w) ? w.map(logOf) : Math.log(w as number);
}

/**
 * float32 tolerance for log-probabilities. The inputs are exactly representable in float32, so
 * the error is the float32 arithmetic itself: observed worst ~3e-7 relative up to D = 16 (a few
 * ulps); 4e-6 relative plus 2e-5 absolute leaves a 10x margin.
 */
const VALUE_TOL = {rtol: 4e-6, atol: 2e-5};

function checkCase(c: MixtureCase, perSample: boolean) {
  it(`${c.name}: gmmLogProb matches scipy logpdf + log w`, async () => {
    await expectNoLeak(() => {
      const lp = gmmLogProb(
        c.x,
        c.weights as number[],
        c.means as number[][],
        c.covariances as number[],
        c.covarianceType,
      );
      expect(lp.shape).to.deep.equal([c.x.length, c.logProb[0].length]);
      expectClose(lp, c.logProb, {...VALUE_TOL, label: 'logProb'});
      lp.dispose();
    });
  });

  it(`${c.name}: gmmLogProbPrecisionCholesky with scikit-learn's precisions_cholesky_ gives the same values`, async () => {
    await expectNoLeak(() => {
      const lp = gmmLogProbPrecisionCholesky(
        c.x,
        logOf(c.weights) as number[],
        c.means as number[][],
        c.precisionsCholesky as number[],
        c.covarianceType,
      );
      expectClose(lp, c.logProb, {...VALUE_TOL, label: 'logProb'});
      lp.dispose();
    });
  });

  if (!perSample) {
    it(`${c.name}: gmmLogLikelihood and gmmResponsibilities match score_samples and predict_proba`, async () => {
      await expectNoLeak(() => {
        const ll = gmmLogLikelihood(
          c.x,
          c.weights as number[],
          c.means as number[][],
          c.covariances as number[],
          c.covarianceType,
        );
        const resp = gmmResponsibilities(
          c.x,
          c.weights as number[],
          c.means as number[][],
          c.covariances as number[],
          c.covarianceType,
        );
        expectClose(ll, c.scoreSamples!, {...VALUE_TOL, label: 'score_samples'});
        // Probabilities in [0, 1]: absolute tolerance; far points make them ratios of exp(-1e4)s.
        expectClose(resp, c.predictProba!, {rtol: 0, atol: 2e-4, label: 'predict_proba'});
        tf.dispose([ll, resp]);
      });
    });
  }
}

describeOnBackends('GMM op values vs scipy / scikit-learn', () => {
  describe('one mixture shared by the batch', () => {
    for (const c of fixtures.shared) checkCase(c, false);
  });

  describe('one mixture per sample', () => {
    for (const c of fixtures.perSample) checkCase(c, true);
  });

  // full and tied have generic, wasm and feature-basis kernel layouts; each backend runs its own
  // by default, so the others are forced here.
  // The wasm and features layouts share a forward: the squared-norms kernel, or its tf-ops form.
  for (const [layout, normsKernel] of [
    ['generic', true],
    ['wasm', true],
    ['features', true],
    ['features', false],
  ] as const) {
    describe(`shared full/tied through the ${layout} kernel layout${normsKernel ? '' : ' (tf-ops forward)'}`, () => {
      let previous: TriangularLayout;
      let previousKernel: boolean;
      before(() => {
        previous = setGmmFlag('GMM_TRIANGULAR_LAYOUT', layout);
        previousKernel = setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', normsKernel);
      });
      after(() => {
        setGmmFlag('GMM_TRIANGULAR_LAYOUT', previous);
        setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', previousKernel);
      });
      for (const c of fixtures.shared.filter((f) => f.covarianceType === 'full' || f.covarianceType === 'tied'))
        checkCase(c, false);
    });
  }

  it('a single input vector [D] gives [K], equal to the batched row', () => {
    const c = fixtures.shared.find((f) => f.name === 'full D=5')!;
    tf.tidy(() => {
      const single = gmmLogProb(
        c.x[3],
        c.weights as number[],
        c.means as number[][],
        c.covariances as number[][][],
        'full',
      );
      expect(single.shape).to.deep.equal([3]);
      expectClose(single, c.logProb[3], VALUE_TOL);
      const ll = gmmLogLikelihood(
        c.x[3],
        c.weights as number[],
        c.means as number[][],
        c.covariances as number[][][],
        'full',
      );
      expect(ll.shape).to.deep.equal([]);
      expectClose(ll, [c.scoreSamples![3]], VALUE_TOL);
    });
  });

  it('far points: log-probs near -1e4 and below stay finite with float32 relative accuracy', () => {
    for (const c of fixtures.shared.filter((f) => f.name.endsWith('far'))) {
      tf.tidy(() => {
        const lp = gmmLogProb(
          c.x,
          c.weights as number[],
          c.means as number[][],
          c.covariances as number[],
          c.covarianceType,
        );
        const values = lp.dataSync();
        expect(values.every(Number.isFinite), c.name).to.equal(true);
        expect(Math.max(...values), c.name).to.be.below(-9000);
        expectClose(lp, c.logProb, {rtol: 1e-5, atol: 0, label: c.name});
      });
    }
  });

  it('mixes shared and per-sample parameters by broadcasting', () => {
    const c = fixtures.shared.find((f) => f.name === 'diag D=2')!;
    tf.tidy(() => {
      const N = c.x.length;
      const perSampleMeans = tf.broadcastTo(tf.tensor(c.means as number[][]), [N, 3, 2]);
      const lp = gmmLogProb(c.x, c.weights as number[], perSampleMeans, c.covariances as number[][], 'diag');
      expectClose(lp, c.logProb, VALUE_TOL);
    });
  });
});
