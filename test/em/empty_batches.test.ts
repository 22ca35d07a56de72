/**
 * The scoring methods of fitted models give empty results for X of shape [0, D]; the methods
 * that average over the rows (score, bic, aic) and fit still refuse it.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {BayesianGaussianMixture, GaussianMixture} from '../../src';
import {expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

const X = [
  [0, 0],
  [0.2, 0.1],
  [0.1, 0.3],
  [3, 3],
  [3.2, 2.9],
  [2.8, 3.1],
];

describeOnBackends('scoring an empty batch', () => {
  const models = {
    GaussianMixture: () => new GaussianMixture({nComponents: 2, seed: 1}).fit(X),
    BayesianGaussianMixture: () => new BayesianGaussianMixture({nComponents: 2, seed: 1, onWarning: () => {}}).fit(X),
  };
  for (const [name, make] of Object.entries(models)) {
    it(`${name}: scoreSamples, predict, predictProba of [0, D] give [0], int32 [0], [0, K]`, async () => {
      const model = make();
      const empty = tf.zeros([0, 2]);
      await expectNoLeak(() => {
        const scores = model.scoreSamples(empty);
        const labels = model.predict(empty);
        const proba = model.predictProba(empty);
        expect(scores.shape).to.deep.equal([0]);
        expect(labels.shape).to.deep.equal([0]);
        expect(labels.dtype).to.equal('int32');
        expect(proba.shape).to.deep.equal([0, 2]);
        tf.dispose([scores, labels, proba]);
      });
      empty.dispose();
      model.dispose();
    });

    it(`${name}: score of [0, D] and fit of [0, D] are errors; [0, D'] with the wrong D too`, async () => {
      const model = make();
      const empty = tf.zeros([0, 2]);
      const wrongWidth = tf.zeros([0, 3]);
      await expectNoLeak(() => {
        expectThrowsWith(
          () => model.score(empty),
          `${name}.score: X must have at least one sample and one feature, but got shape [0, 2]`,
        );
        expectThrowsWith(
          () => model.scoreSamples(wrongWidth),
          `${name}.scoreSamples: X must have shape [N, 2] (N, D: 2 features seen in fit), but got [0, 3]`,
        );
        expectThrowsWith(() => model.fit(empty), `${name}.fit: X must have at least one sample`);
      });
      tf.dispose([empty, wrongWidth]);
      model.dispose();
    });
  }
});
