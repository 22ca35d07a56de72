import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  gmmInit,
  gmmLogLikelihood,
  gmmLogProb,
  gmmLogProbPrecisionCholesky,
  gmmNLL,
  gmmResponsibilities,
  mixtureNLL,
  mixtureLogLikelihood,
} from '../../src';
import {expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

describeOnBackends('argument validation', () => {
  const x = [
    [0, 0],
    [1, 1],
    [2, 0],
  ];
  const w = [0.5, 0.5];
  const mu = [
    [0, 0],
    [1, 1],
  ];
  const full = [
    [
      [1, 0],
      [0, 1],
    ],
    [
      [1, 0],
      [0, 1],
    ],
  ];

  it('names the argument, the expected and the actual shape', () => {
    expectThrowsWith(
      () => gmmLogProb([[[0]]], w, mu, full),
      'gmmLogProb: x must have shape [N, D] or [D], but got [1, 1, 1]',
    );
    expectThrowsWith(
      () => gmmLogProb(x, [[[0.5]]], mu, full),
      'gmmLogProb: weights must have shape [K] or [N, K]',
      'but got [1, 1, 1]',
    );
    expectThrowsWith(
      () =>
        gmmLogProb(
          x,
          w,
          [
            [0, 0, 0],
            [1, 1, 1],
          ],
          full,
        ),
      'gmmLogProb: means must have shape [2, 2] (K, D) or [3, 2, 2] (N, K, D',
      'but got [2, 3]',
    );
    expectThrowsWith(
      () =>
        gmmLogProb(
          x,
          w,
          mu,
          [
            [1, 0],
            [0, 1],
          ],
          'full',
        ),
      'gmmLogProb: covariances must have shape [2, 2, 2] (K, D, D)',
      'but got [2, 2]',
    );
    expectThrowsWith(
      () => gmmLogProb(x, w, mu, full, 'tied'),
      'covariances must have shape [2, 2] (D, D)',
      'but got [2, 2, 2]',
    );
    expectThrowsWith(
      () => gmmLogProb(x, w, mu, [1, 1, 1], 'diag'),
      'covariances must have shape [2, 2] (K, D)',
      'but got [3]',
    );
    expectThrowsWith(
      () => gmmLogProb(x, w, mu, [[1, 1]], 'spherical'),
      'covariances must have shape [2] (K)',
      'but got [1, 2]',
    );
    expectThrowsWith(
      () => gmmLogProbPrecisionCholesky(x, w, mu, [1], 'spherical'),
      'gmmLogProbPrecisionCholesky: precisionsCholesky must have shape [2] (K)',
      'but got [1]',
    );
    expectThrowsWith(
      () => gmmLogProbPrecisionCholesky(x, [[1, 2]], mu, [1, 1], 'spherical'),
      'weightLogits must have shape [2] (K) or [3, 2] (N, K',
      'but got [1, 2]',
    );
  });

  it('rejects an unknown covariance type, listing the valid ones', () => {
    expectThrowsWith(
      () => gmmLogProb(x, w, mu, full, 'diagonal' as never),
      "gmmLogProb: covarianceType must be one of 'full', 'tied', 'diag', 'spherical', 'shared_isotropic', 'constant', but got \"diagonal\"",
    );
    expectThrowsWith(() => gmmInit(2, 2, 'isotropic' as never), 'gmmInit: covarianceType must be one of');
  });

  it('per-sample parameters need a batch x whose N matches', () => {
    expectThrowsWith(
      () => gmmLogProb([0, 0], [[0.5, 0.5]], mu, full),
      'weights must have shape [2] (K), but got [1, 2]',
    );
    expectThrowsWith(
      () =>
        gmmLogProb(
          x,
          w,
          [
            [
              [0, 0],
              [1, 1],
            ],
          ],
          full,
        ),
      'means must have shape [2, 2] (K, D) or [3, 2, 2]',
      'but got [1, 2, 2]',
    );
  });

  it('empty batches are rejected where a mean is taken, and empty mixtures always', () => {
    expectThrowsWith(
      () => gmmNLL(tf.zeros([0, 2]), w, mu, full),
      'gmmNLL: x must have at least one sample (N >= 1) to average over, but got shape [0, 2]',
    );
    expectThrowsWith(() => gmmLogProb(x, [], mu, full), 'weights must have at least one component (K >= 1)');
  });

  it('gmmInit checks nComponents and nFeatures', () => {
    expectThrowsWith(() => gmmInit(0, 2), 'gmmInit: nComponents must be an integer >= 1, but got 0');
    expectThrowsWith(() => gmmInit(2, 1.5), 'gmmInit: nFeatures must be an integer >= 1, but got 1.5');
  });

  it('gmmNLL and mixture helpers check their shapes', () => {
    expectThrowsWith(() => gmmNLL([0, 0], w, mu, full), 'gmmNLL: x must have shape [N, D] (a batch), but got [2]');
    expectThrowsWith(
      () => gmmNLL(x, w, mu, full, 'full', {sampleWeights: [1, 1]}),
      'gmmNLL: sampleWeights must have shape [3] (N), but got [2]',
    );
    expectThrowsWith(() => mixtureNLL([1, 2, 3]), 'mixtureNLL: logProbs must have shape [N, K], but got [3]');
    expectThrowsWith(
      () => mixtureLogLikelihood(5),
      'mixtureLogLikelihood: logProbs must have shape [..., K] with K >= 1, but got []',
    );
  });

  it('checkPositiveDefinite reports an indefinite covariance instead of returning NaN', () => {
    const bad = [
      [
        [1, 0],
        [0, 1],
      ],
      [
        [1, 2],
        [2, 1],
      ],
    ];
    expectThrowsWith(
      () => gmmLogLikelihood(x, w, mu, bad, 'full', {checkPositiveDefinite: true}),
      'gmmLogLikelihood: covariances is not positive definite (matrix 1 of a batch of shape [2])',
    );
    expectThrowsWith(
      () =>
        gmmResponsibilities(
          x,
          w,
          mu,
          [
            [1, 1],
            [1, -2],
          ],
          'diag',
          {checkPositiveDefinite: true},
        ),
      'gmmResponsibilities: covariances must be positive (variances), but row 1, column 1 is -2',
    );
    const silent = gmmLogLikelihood(x, w, mu, bad, 'full');
    expect(Array.from(silent.dataSync()).some(Number.isNaN)).to.equal(true);
    silent.dispose();
  });

  it('a failed call leaks no tensors', () => {
    const before = tf.memory().numTensors;
    expectThrowsWith(
      () =>
        gmmLogProb(
          x,
          w,
          [
            [0, 0, 0],
            [1, 1, 1],
          ],
          full,
        ),
      'means must have shape',
    );
    expectThrowsWith(
      () =>
        gmmLogLikelihood(
          x,
          w,
          mu,
          [
            [
              [1, 0],
              [0, 1],
            ],
            [
              [1, 2],
              [2, 1],
            ],
          ],
          'full',
          {checkPositiveDefinite: true},
        ),
      'not positive definite',
    );
    expect(tf.memory().numTensors).to.equal(before);
  });
});
