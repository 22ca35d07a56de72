/**
 * An empty batch x [0, D] gives empty results of the right shape, with zero gradients, on every
 * backend; the ops that average over the rows still refuse it.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  CovarianceTypeName,
  gmmLogLikelihood,
  gmmLogProb,
  gmmLogProbPrecisionCholesky,
  gmmNLL,
  gmmResponsibilities,
  mixtureLogLikelihood,
  mixtureNLL,
  mixtureResponsibilities,
} from '../../src';
import {expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

const K = 3;
const D = 2;
const weights = [0.2, 0.3, 0.5];
const means = [
  [0, 0],
  [1, 2],
  [-1, 1],
];
const parameters: Record<string, number[] | number[][] | number[][][]> = {
  full: [
    [
      [1, 0.2],
      [0.2, 1],
    ],
    [
      [2, 0],
      [0, 1],
    ],
    [
      [1, -0.3],
      [-0.3, 0.5],
    ],
  ],
  tied: [
    [1, 0.2],
    [0.2, 1],
  ],
  diag: [
    [1, 2],
    [0.5, 1],
    [1, 1],
  ],
  spherical: [1, 2, 0.5],
};

describeOnBackends('empty batches', () => {
  for (const type of Object.keys(parameters) as CovarianceTypeName[]) {
    const covariances = parameters[type];

    it(`${type}: gmmLogProb, gmmLogLikelihood, gmmResponsibilities give [0, K], [0], [0, K]`, async () => {
      await expectNoLeak(() =>
        tf.tidy(() => {
          const x = tf.zeros([0, D]);
          expect(gmmLogProb(x, weights, means, covariances, type).shape).to.deep.equal([0, K]);
          expect(gmmLogLikelihood(x, weights, means, covariances, type).shape).to.deep.equal([0]);
          expect(gmmResponsibilities(x, weights, means, covariances, type).shape).to.deep.equal([0, K]);
          const checked = gmmLogProb(x, weights, means, covariances, type, {checkPositiveDefinite: true});
          expect(checked.shape).to.deep.equal([0, K]);
          expect(gmmLogProbPrecisionCholesky(x, [0, 0, 0], means, covariances, type).shape).to.deep.equal([0, K]);
        }),
      );
    });

    it(`${type}: the gradient of an empty batch is zeros of the parameters' shapes`, async () => {
      await expectNoLeak(() =>
        tf.tidy(() => {
          const inputs = [tf.zeros([0, D]), tf.tensor(weights), tf.tensor(means), tf.tensor(covariances)];
          const loss = (x: tf.Tensor, w: tf.Tensor, m: tf.Tensor, c: tf.Tensor) =>
            tf.sum(gmmLogLikelihood(x, w, m, c, type));
          const grads = tf.grads(loss)(inputs);
          grads.forEach((g, i) => {
            expect(g.shape).to.deep.equal(inputs[i].shape);
            expect(Array.from(g.dataSync()).every((v) => v === 0)).to.equal(true);
          });
          const logitsLoss = (x: tf.Tensor, w: tf.Tensor, m: tf.Tensor, c: tf.Tensor) =>
            tf.sum(gmmLogProbPrecisionCholesky(x, w, m, c, type));
          const factorGrads = tf.grads(logitsLoss)(inputs);
          factorGrads.forEach((g, i) => {
            expect(g.shape).to.deep.equal(inputs[i].shape);
            expect(Array.from(g.dataSync()).every((v) => v === 0)).to.equal(true);
          });
        }),
      );
    });
  }

  it('per-sample parameters with N = 0 give [0, K]', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const logProb = gmmLogProb(tf.zeros([0, D]), tf.zeros([0, K]), tf.zeros([0, K, D]), tf.ones([0, K, D]), 'diag');
        expect(logProb.shape).to.deep.equal([0, K]);
      }),
    );
  });

  it('mixtureLogLikelihood and mixtureResponsibilities of [0, K] give [0] and [0, K], with a zero gradient', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const lp = tf.zeros([0, K]);
        expect(mixtureLogLikelihood(lp).shape).to.deep.equal([0]);
        expect(mixtureResponsibilities(lp).shape).to.deep.equal([0, K]);
        expect(tf.grad((t: tf.Tensor) => tf.sum(mixtureLogLikelihood(t)))(lp).shape).to.deep.equal([0, K]);
        expect(tf.grad((t: tf.Tensor) => tf.sum(mixtureResponsibilities(t)))(lp).shape).to.deep.equal([0, K]);
      }),
    );
  });

  it('the ops that average over the rows refuse an empty batch', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([0, D]);
      const logProbs = tf.zeros([0, K]);
      expectThrowsWith(
        () => gmmNLL(x, weights, means, parameters.full),
        'gmmNLL: x must have at least one sample (N >= 1) to average over, but got shape [0, 2]',
      );
      expectThrowsWith(
        () => mixtureNLL(logProbs),
        'mixtureNLL: logProbs must have at least one sample (N >= 1) to average over, but got [0, 3]',
      );
      tf.dispose([x, logProbs]);
    });
  });

  it('an empty batch still validates the parameters', () => {
    expectThrowsWith(() => gmmLogProb(tf.zeros([0, D]), [0.5, 0.5, -1], means, parameters.full), 'gmmLogProb: weights');
    expectThrowsWith(() => gmmLogProb(tf.zeros([0, 3]), weights, means, parameters.full), 'gmmLogProb: means');
    expectThrowsWith(
      () => gmmLogProb(tf.zeros([0, D]), weights, means, [[1], [1], [1]], 'diag'),
      'gmmLogProb: covariances must have shape [3, 2]',
    );
  });
});
