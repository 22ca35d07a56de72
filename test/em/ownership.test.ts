/**
 * A fitted model owns its tensors in a way that survives tfjs idioms: fitting inside tf.tidy, a
 * user's dispose() of an attribute, and tensors passed to fromParameters being disposed later.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GaussianMixture} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

const X = [
  [0, 0.1],
  [0.2, -0.1],
  [-0.1, 0.05],
  [5, 5.2],
  [5.1, 4.9],
  [4.8, 5.05],
];

describeOnBackends('fitted models own their tensors', () => {
  it('a model fitted inside tf.tidy scores outside it like one fitted outside', async () => {
    const reference = new GaussianMixture({nComponents: 2}).fit(X);
    let inside: GaussianMixture | null = null;
    tf.tidy(() => {
      inside = new GaussianMixture({nComponents: 2}).fit(X);
      expect(inside.weights.shape).to.deep.equal([2]); // an attribute read inside the scope, too
    });
    expect(inside!.score(X)).to.equal(reference.score(X));
    expectClose(inside!.means, reference.means, {atol: 0});
    inside!.dispose();
    reference.dispose();
  });

  it('disposing an attribute leaves the model intact: the next access re-creates it', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({nComponents: 2, covarianceType: 'diag'}).fit(X);
      const score = gm.score(X);
      const weights = Array.from(gm.weights.dataSync());
      gm.weights.dispose();
      gm.covariances.dispose();
      gm.precisionsCholesky.dispose();
      expect(gm.score(X)).to.equal(score);
      expect(Array.from(gm.weights.dataSync())).to.deep.equal(weights);
      expect(gm.weights.isDisposed).to.equal(false);
      gm.dispose();
    });
  });

  it('fromParameters copies what it is given', async () => {
    await expectNoLeak(() => {
      const weights = tf.tensor1d([0.4, 0.6]);
      const means = tf.tensor2d([
        [0, 0],
        [5, 5],
      ]);
      const covariances = tf.tensor2d([
        [1, 1],
        [1, 2],
      ]);
      const gm = GaussianMixture.fromParameters({weights, means, covariances}, {covarianceType: 'diag'});
      tf.dispose([weights, means, covariances]);
      expectClose(gm.covariances, [
        [1, 1],
        [1, 2],
      ]);
      expect(Number.isFinite(gm.score(X))).to.equal(true);
      gm.dispose();
    });
  });
});
