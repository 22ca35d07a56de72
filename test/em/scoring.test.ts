/**
 * predict, predictProba, scoreSamples, score, bic and aic match scikit-learn on the same fitted
 * parameters: scikit-learn's fitted attributes (rounded to float32 on both sides) are imported
 * with GaussianMixture.fromSklearnJSON.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GaussianMixture} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';

describeOnBackends('scoring with scikit-learn fitted parameters', () => {
  for (const c of emFixtures.scoring) {
    it(`${c.dataset}, ${c.covarianceType}: scoreSamples, predictProba, predict, score, bic, aic`, async () => {
      await expectNoLeak(() => {
        const gm = GaussianMixture.fromSklearnJSON(c.model);
        expect(gm.isFitted).to.equal(true);
        expect(gm.nComponents).to.equal(c.model.n_components);
        expect(gm.nParameters()).to.equal(c.nParameters);
        const x = c.x;
        const N = emFixtures.datasets[c.dataset].length;
        const train = x.slice(0, N);

        // Log-likelihoods come from the ops' direct kernel: float32 relative accuracy (a few ulps
        // of |log p| plus the rounding of x - mu), including the three far-away rows (|log p| ~ 1e3-1e5).
        const ll = gm.scoreSamples(x);
        expectClose(ll, c.scoreSamples, {rtol: 2e-6, atol: 2e-5, label: 'scoreSamples'});
        // Probabilities: absolute; they are ratios of exponentials of those log-probabilities.
        const proba = gm.predictProba(x);
        expectClose(proba, c.predictProba, {rtol: 0, atol: 1e-4, label: 'predictProba'});
        // Labels agree wherever scikit-learn's top two probabilities are not within float32 noise.
        const predicted = gm.predict(x);
        expect(predicted.dtype).to.equal('int32');
        const labels = predicted.dataSync();
        expect(labels.length).to.equal(x.length);
        c.predict.forEach((label, n) => {
          const sorted = c.predictProba[n].slice().sort((a, b) => b - a);
          if (sorted[0] - (sorted[1] ?? 0) > 1e-3) expect(labels[n], `row ${n}`).to.equal(label);
        });
        // score / bic / aic: means over N rows in float64 of float32 log-likelihoods.
        expectClose([gm.score(train)], [c.score], {rtol: 1e-6, atol: 1e-6, label: 'score'});
        expectClose([gm.bic(train)], [c.bic], {rtol: 1e-6, atol: 1e-3, label: 'bic'});
        expectClose([gm.aic(train)], [c.aic], {rtol: 1e-6, atol: 1e-3, label: 'aic'});
        tf.dispose([ll, proba, predicted]);
        gm.dispose();
      });
    });
  }

  it('the imported attributes round-trip through toSklearnJSON', () => {
    const c = emFixtures.scoring.find((s) => s.covarianceType === 'full')!;
    const gm = GaussianMixture.fromSklearnJSON(c.model);
    const json = gm.toSklearnJSON();
    expect(json.covariance_type).to.equal('full');
    expectClose(json.weights_, c.model.weights_, {rtol: 0, atol: 0});
    expectClose(json.means_, c.model.means_, {rtol: 0, atol: 0});
    expectClose(json.covariances_ as number[], c.model.covariances_ as number[], {rtol: 0, atol: 0});
    expectClose(json.precisions_cholesky_ as number[], c.model.precisions_cholesky_ as number[], {rtol: 0, atol: 0});
    expect(json.n_features_in_).to.equal(c.model.means_[0].length);
    gm.dispose();
  });

  it('imports precisions_cholesky_ alone (covariances computed) and covariances_ alone (factors computed)', () => {
    for (const c of emFixtures.scoring.filter((s) => s.dataset === 'iris')) {
      const {covariances_, precisions_cholesky_, ...rest} = c.model;
      const fromFactor = GaussianMixture.fromSklearnJSON({...rest, precisions_cholesky_});
      const fromCovariance = GaussianMixture.fromSklearnJSON({...rest, covariances_});
      // Factor <-> covariance through Cholesky and a triangular inverse in float32.
      const scale = (t: number[]) => Math.max(...t.map(Math.abs));
      const cov = (covariances_ as number[]).flat(3) as number[];
      const factor = (precisions_cholesky_ as number[]).flat(3) as number[];
      expectClose(fromFactor.covariances, covariances_ as number[], {
        rtol: 0,
        atol: 1e-5 * scale(cov),
        label: `${c.covarianceType} covariances`,
      });
      expectClose(fromCovariance.precisionsCholesky, precisions_cholesky_ as number[], {
        rtol: 0,
        atol: 1e-5 * scale(factor),
        label: `${c.covarianceType} factors`,
      });
      fromFactor.dispose();
      fromCovariance.dispose();
    }
  });
});
