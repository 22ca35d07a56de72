/**
 * Parameter values the math cannot use are errors: negative or NaN weights, NaN means,
 * non-positive variances, unusable sample weights, a mean over no samples. Values given as
 * JavaScript data are always checked; tensors only with GMM_VALIDATE_VALUES (a read-back).
 * Asymmetric covariances are used through their symmetric part, in value and gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  gmmLogLikelihood,
  gmmLogProb,
  gmmLogProbPrecisionCholesky,
  gmmNLL,
  gmmResponsibilities,
  mixtureNLL,
} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {F64, RefParams, finiteDifferenceGradient, referenceLogProb} from '../helpers/reference_f64';

const X = [
  [0, 0],
  [1, 2],
  [-1, 0.5],
];
const W = [0.5, 0.5];
const MU = [
  [0, 0],
  [1, 1],
];
const VAR = [
  [1, 1],
  [1, 2],
];
const EYE = [
  [1, 0],
  [0, 1],
];

/** Runs `body` with GMM_VALIDATE_VALUES set, restoring it. */
function withValidation(body: () => void): void {
  const previous = setGmmFlag('GMM_VALIDATE_VALUES', true);
  try {
    body();
  } finally {
    setGmmFlag('GMM_VALIDATE_VALUES', previous);
  }
}

describeOnBackends('parameter values', () => {
  const natural = [
    ['gmmLogProb', gmmLogProb],
    ['gmmLogLikelihood', gmmLogLikelihood],
    ['gmmResponsibilities', gmmResponsibilities],
    ['gmmNLL', gmmNLL],
  ] as const;

  it('weights must be finite and non-negative; each op names itself', () => {
    for (const [name, op] of natural) {
      expectThrowsWith(
        () => op(X, [-0.5, 1.5], MU, VAR, 'diag'),
        `${name}: weights must be finite and non-negative, but entry 0 is -0.5`,
      );
      expectThrowsWith(
        () => op(X, [0.5, NaN], MU, VAR, 'diag'),
        `${name}: weights must be finite and non-negative, but entry 1 is NaN`,
      );
      expectThrowsWith(
        () => op(X, [0.5, Infinity], MU, VAR, 'diag'),
        `${name}: weights must be finite and non-negative, but entry 1 is Infinity`,
      );
    }
    // Per-sample weights [N, K] name row and column.
    expectThrowsWith(
      () => gmmLogProb(X, [W, W, [0.5, -1]], MU, VAR, 'diag'),
      'gmmLogProb: weights must be finite and non-negative, but row 2, column 1 is -1',
    );
    // A zero weight is the boundary of the simplex: its component is -Infinity, not an error.
    const lp = gmmLogProb(X, [1, 0], MU, VAR, 'diag');
    expect(Array.from(lp.dataSync()).filter((_, i) => i % 2 === 1)).to.deep.equal([-Infinity, -Infinity, -Infinity]);
    lp.dispose();
  });

  it('means must be finite, variances positive (diag, spherical) and the diagonal positive (full, tied)', () => {
    for (const [name, op] of natural) {
      expectThrowsWith(
        () =>
          op(
            X,
            W,
            [
              [0, NaN],
              [1, 1],
            ],
            VAR,
            'diag',
          ),
        `${name}: means must be finite, but row 0, column 1 is NaN`,
      );
      expectThrowsWith(
        () =>
          op(
            X,
            W,
            MU,
            [
              [1, 1],
              [1, -2],
            ],
            'diag',
          ),
        `${name}: covariances must be positive (variances), but row 1, column 1 is -2`,
      );
      expectThrowsWith(
        () => op(X, W, MU, [1, 0], 'spherical'),
        `${name}: covariances must be positive (variances), but entry 1 is 0`,
      );
      expectThrowsWith(
        () =>
          op(
            X,
            W,
            MU,
            [
              EYE,
              [
                [1, 0],
                [0, -1],
              ],
            ],
            'full',
          ),
        `${name}: covariances must have a positive diagonal (variances), but entry [1, 1, 1] is -1`,
      );
      expectThrowsWith(
        () =>
          op(
            X,
            W,
            MU,
            [
              [-1, 0],
              [0, 1],
            ],
            'tied',
          ),
        `${name}: covariances must have a positive diagonal (variances), but row 0, column 0 is -1`,
      );
      expectThrowsWith(
        () =>
          op(
            X,
            W,
            MU,
            [
              EYE,
              [
                [1, Infinity],
                [0, 1],
              ],
            ],
            'full',
          ),
        `${name}: covariances must be finite, but entry [1, 0, 1] is Infinity`,
      );
    }
  });

  it('gmmLogProbPrecisionCholesky: logits finite or -Infinity, means finite, factor finite with a non-zero diagonal', () => {
    const fn = 'gmmLogProbPrecisionCholesky';
    expectThrowsWith(
      () => gmmLogProbPrecisionCholesky(X, [0, NaN], MU, VAR, 'diag'),
      `${fn}: weightLogits must be finite or -Infinity, but entry 1 is NaN`,
    );
    expectThrowsWith(() => gmmLogProbPrecisionCholesky(X, [0, Infinity], MU, VAR, 'diag'), 'but entry 1 is Infinity');
    expectThrowsWith(
      () =>
        gmmLogProbPrecisionCholesky(
          X,
          [0, 0],
          [
            [0, 0],
            [NaN, 1],
          ],
          VAR,
          'diag',
        ),
      `${fn}: means must be finite, but row 1, column 0 is NaN`,
    );
    expectThrowsWith(
      () =>
        gmmLogProbPrecisionCholesky(
          X,
          [0, 0],
          MU,
          [
            [1, 0],
            [1, 1],
          ],
          'diag',
        ),
      `${fn}: precisionsCholesky must be non-zero, but row 0, column 1 is 0`,
    );
    expectThrowsWith(
      () =>
        gmmLogProbPrecisionCholesky(
          X,
          [0, 0],
          MU,
          [
            EYE,
            [
              [0, 1],
              [0, 1],
            ],
          ],
          'full',
        ),
      `${fn}: precisionsCholesky must have a non-zero diagonal, but entry [1, 0, 0] is 0`,
    );
    // Negative factor entries are valid (|P_ii| is used); -Infinity is a zero weight.
    const lp = gmmLogProbPrecisionCholesky(
      X,
      [0, -Infinity],
      MU,
      [
        [-1, 1],
        [1, 1],
      ],
      'diag',
    );
    expect(Array.from(lp.dataSync()).every((v, i) => (i % 2 === 1 ? v === -Infinity : Number.isFinite(v)))).to.equal(
      true,
    );
    lp.dispose();
  });

  it('tensors are checked only with GMM_VALIDATE_VALUES (the check reads them back)', async () => {
    await expectNoLeak(() => {
      const badMeans = tf.tensor2d([
        [0, NaN],
        [1, 1],
      ]);
      const badWeights = tf.tensor1d([-0.5, 1.5]);
      const badLogits = tf.tensor1d([0, NaN]);
      const badVariances = tf.tensor2d([
        [1, 1],
        [1, -2],
      ]);
      // Off (the default): no read-back, the math's NaN comes out.
      const silent = gmmLogLikelihood(X, W, badMeans, VAR, 'diag');
      expect(Array.from(silent.dataSync()).some(Number.isNaN)).to.equal(true);
      silent.dispose();
      withValidation(() => {
        expectThrowsWith(
          () => gmmLogLikelihood(X, W, badMeans, VAR, 'diag'),
          'gmmLogLikelihood: means must be finite, but row 0, column 1 is NaN',
        );
        expectThrowsWith(
          () => gmmResponsibilities(X, badWeights, MU, VAR, 'diag'),
          'gmmResponsibilities: weights must be finite and non-negative, but entry 0 is -0.5',
        );
        expectThrowsWith(
          () => gmmNLL(X, W, MU, badVariances, 'diag'),
          'gmmNLL: covariances must be positive (variances), but row 1, column 1 is -2',
        );
        expectThrowsWith(
          () => gmmLogProbPrecisionCholesky(X, badLogits, MU, VAR, 'diag'),
          'gmmLogProbPrecisionCholesky: weightLogits must be finite or -Infinity, but entry 1 is NaN',
        );
        // Valid tensors pass.
        tf.tidy(() => {
          gmmLogLikelihood(tf.tensor2d(X), tf.tensor1d(W), tf.tensor2d(MU), tf.tensor2d(VAR), 'diag');
        });
      });
      tf.dispose([badMeans, badWeights, badVariances, badLogits]);
    });
  });

  it('sample weights must be finite, non-negative and not all zero; a mean over N = 0 is an error', () => {
    const logProbs = [
      [0, -1],
      [-2, -1],
      [-1, -1],
    ];
    const calls = [
      ['mixtureNLL', (w?: number[] | tf.Tensor) => mixtureNLL(logProbs, w), () => mixtureNLL(logProbs.slice(1))],
      [
        'gmmNLL',
        (w?: number[] | tf.Tensor) => gmmNLL(X, W, MU, VAR, 'diag', {sampleWeights: w}),
        () => gmmNLL(X.slice(1), W, MU, VAR, 'diag'),
      ],
    ] as const;
    for (const [name, call, unweightedRest] of calls) {
      expectThrowsWith(() => call([0, 0, 0]), `${name}: sampleWeights must not all be zero`, 'but all 3 are');
      expectThrowsWith(
        () => call([1, NaN, 1]),
        `${name}: sampleWeights must be finite and non-negative, but entry 1 is NaN`,
      );
      expectThrowsWith(
        () => call([1, -1, 1]),
        `${name}: sampleWeights must be finite and non-negative, but entry 1 is -1`,
      );
      const zeros = tf.zeros([3]);
      withValidation(() => expectThrowsWith(() => call(zeros), `${name}: sampleWeights must not all be zero`));
      zeros.dispose();
      // Some zero weights are fine: the mean over the other rows (float32 rounding: 1e-6).
      const loss = call([0, 1, 1]);
      const expected = unweightedRest();
      expectClose(loss, expected, {rtol: 1e-6, atol: 1e-6});
      tf.dispose([loss, expected]);
    }
    // mixtureNLL's value in closed form: rows [-2, -1] and [-1, -1].
    const closedForm = -(-1 + Math.log1p(Math.exp(-1)) + (-1 + Math.log(2))) / 2;
    const loss = mixtureNLL(logProbs, [0, 1, 1]);
    expectClose(loss, closedForm, {rtol: 1e-6});
    loss.dispose();
    expectThrowsWith(
      () => mixtureNLL(tf.zeros([0, 2])),
      'mixtureNLL: logProbs must have at least one sample (N >= 1) to average over, but got [0, 2]',
    );
    expectThrowsWith(() => mixtureNLL(tf.zeros([0, 2]), []), 'mixtureNLL: logProbs must have at least one sample');
  });
});

describeOnBackends('asymmetric covariances: the symmetric part, in value and gradient', () => {
  const cases = [
    {
      type: 'full' as const,
      covariances: [
        [
          [1, 0.9],
          [0, 1],
        ],
        [
          [2, -0.3],
          [0.5, 0.7],
        ],
      ],
    },
    {
      type: 'tied' as const,
      covariances: [
        [1.5, 0.9],
        [-0.2, 1],
      ],
    },
  ];
  for (const c of cases) {
    it(`${c.type}: log-probabilities equal float64 ones of (S + S^T) / 2, the gradient its finite differences`, async () => {
      const params: RefParams = {
        x: F64.from(X),
        weights: F64.from(W),
        means: F64.from(MU),
        cov: F64.from(c.covariances),
      };
      const reference = (p: RefParams) => referenceLogProb(c.type, p, 'natural');
      const cotangent = [
        [0.3, -1.2],
        [0.7, 0.4],
        [-0.5, 1.1],
      ];
      await expectNoLeak(() => {
        const cov = tf.tensor(c.covariances);
        const dy = tf.tensor2d(cotangent);
        const value = gmmLogProb(X, W, MU, cov, c.type);
        // float32 log-probabilities of O(1) from a 2 x 2 Cholesky: a few ulps (1e-5).
        expectClose(value, reference(params).flat(), {rtol: 1e-5, atol: 1e-5, label: 'value'});
        const [gradient] = tf.grads((s: tf.Tensor) => gmmLogProb(X, W, MU, s, c.type))([cov], dy);
        const fd = finiteDifferenceGradient(reference, params, 'cov', cotangent);
        // Central differences in float64 (step 1e-6) against float32 VJP terms of O(1): 1e-5.
        expectClose(gradient, fd, {rtol: 1e-5, atol: 1e-5, label: 'gradient'});
        // The symmetric part's gradient is symmetric: entries [i, j] and [j, i] carry half each.
        const transposed = tf.transpose(gradient, c.type === 'full' ? [0, 2, 1] : [1, 0]);
        expectClose(gradient, transposed, {atol: 1e-7});
        tf.dispose([cov, dy, value, gradient, transposed]);
      });
    });
  }
});
