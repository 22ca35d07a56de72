/**
 * Nested-array inputs are read cell by cell: a ragged array or a cell that is not a number
 * (null, undefined, a string, a boolean) is refused with its row (and column) index by every
 * public function that takes a TensorInput, where tf.tensor alone re-cuts a ragged array
 * (`[[0, 0], [1, 2, 3]]` read as `[[0, 0], [1, 2]]`) and reads null as 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  GMMLayer,
  GaussianMixture,
  cholesky,
  covarianceFromPrecisionCholesky,
  denseCovariances,
  emFit,
  emStep,
  gmmLogLikelihood,
  gmmLogProb,
  gmmLogProbPrecisionCholesky,
  gmmNLL,
  gmmResponsibilities,
  initializeGaussianMixture,
  kmeans,
  kmeansPlusPlus,
  mdnLoss,
  mdnMode,
  mdnSample,
  mdnUnpack,
  mixtureLogLikelihood,
  mixtureNLL,
  mixtureResponsibilities,
  precisionCholeskyFromCovariance,
  spdInverse,
  spdLogDet,
  triangularInverse,
  triangularSolve,
} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

/** Row 1 has one value too many: tf.tensor reads it as [[0, 0], [1, 2]]. */
const LONG_ROW = [
  [0, 0],
  [1, 2, 3],
];
const LONG_ROW_MESSAGE =
  'must be a regular nested array (every row of the same length), but row 1 has 3 entries where row 0 has 2';
/** Row 1 has one value too few: tf.tensor gives a NaN row on cpu. */
const SHORT_ROW = [[0, 0], [1]];
const NULL_CELL = [
  [0, 0],
  [null, 1],
];
const NULL_MESSAGE = 'must contain only numbers, but row 1, column 0 is null';

const W = [0.5, 0.5];
const MU = [
  [0, 0],
  [1, 1],
];
const VARIANCES = [
  [1, 1],
  [1, 2],
];
const EYE = [
  [1, 0],
  [0, 1],
];
const SPEC = {nComponents: 1, outputDim: 2, covarianceType: 'diag'} as const;
/** One packed MDN row for SPEC: 1 logit, 2 means, 2 scales. */
const MDN_ROWS = [
  [0, 0, 0, 0, 0],
  [0, 1, 1, 0, 0],
];

type Bad = never;

describeOnBackends('nested-array input integrity', () => {
  it('ops refuse a ragged x, naming the function, the argument and the row', () => {
    const ops: Array<[string, (x: Bad) => unknown]> = [
      ['gmmLogProb', (x) => gmmLogProb(x, W, MU, VARIANCES, 'diag')],
      ['gmmLogLikelihood', (x) => gmmLogLikelihood(x, W, MU, VARIANCES, 'diag')],
      ['gmmResponsibilities', (x) => gmmResponsibilities(x, W, MU, VARIANCES, 'diag')],
      ['gmmNLL', (x) => gmmNLL(x, W, MU, VARIANCES, 'diag')],
      ['gmmLogProbPrecisionCholesky', (x) => gmmLogProbPrecisionCholesky(x, [0, 0], MU, VARIANCES, 'diag')],
    ];
    for (const [name, call] of ops) {
      expectThrowsWith(() => call(LONG_ROW as Bad), `${name}: x ${LONG_ROW_MESSAGE}`);
      expectThrowsWith(() => call(SHORT_ROW as Bad), `${name}: x must be a regular nested array`, 'row 1 has 1 entry');
      expectThrowsWith(() => call(NULL_CELL as Bad), `${name}: x ${NULL_MESSAGE}`);
    }
  });

  it('ops refuse ragged or non-numeric parameters, with the index of the cell', () => {
    expectThrowsWith(
      () => gmmLogProb(MU, [0.5, null] as Bad, MU, VARIANCES, 'diag'),
      'gmmLogProb: weights must contain only numbers, but entry 1 is null',
    );
    expectThrowsWith(() => gmmLogProb(MU, W, LONG_ROW, VARIANCES, 'diag'), `gmmLogProb: means ${LONG_ROW_MESSAGE}`);
    expectThrowsWith(
      () => gmmLogProb(MU, W, MU, [EYE, [[1, 0], [0]]], 'full'),
      'gmmLogProb: covariances must be a regular nested array',
      'entry [1, 1] has 1 entry where entry [0, 0] has 2',
    );
    expectThrowsWith(
      () => gmmLogProb(MU, W, MU, [EYE, [[1, 0], 'x']] as Bad, 'full'),
      'gmmLogProb: covariances must be a regular nested array of rank 3, but entry [1, 1] is the string "x"',
    );
    expectThrowsWith(
      () => gmmNLL(MU, W, MU, VARIANCES, 'diag', {sampleWeights: [1, undefined] as Bad}),
      'sampleWeights must contain only numbers, but entry 1 is undefined',
    );
    expectThrowsWith(
      () =>
        gmmLogProb(
          MU,
          W,
          [
            [0, true],
            [1, 1],
          ] as Bad,
          VARIANCES,
          'diag',
        ),
      'means must contain only numbers, but row 0, column 1 is the boolean true',
    );
  });

  it('mixture reductions, linear algebra and denseCovariances refuse ragged input', () => {
    const calls: Array<[string, string, (v: Bad) => unknown]> = [
      ['mixtureNLL', 'logProbs', (v) => mixtureNLL(v)],
      ['mixtureLogLikelihood', 'logProbs', (v) => mixtureLogLikelihood(v)],
      ['mixtureResponsibilities', 'logProbs', (v) => mixtureResponsibilities(v)],
      ['cholesky', 'a', (v) => cholesky(v)],
      ['spdInverse', 'a', (v) => spdInverse(v)],
      ['spdLogDet', 'a', (v) => spdLogDet(v)],
      ['triangularInverse', 'a', (v) => triangularInverse(v)],
      ['triangularSolve', 'b', (v) => triangularSolve(EYE, v)],
      ['precisionCholeskyFromCovariance', 'covariances', (v) => precisionCholeskyFromCovariance(v)],
      ['covarianceFromPrecisionCholesky', 'precisionsCholesky', (v) => covarianceFromPrecisionCholesky(v)],
      ['denseCovariances', 'covariances', (v) => denseCovariances(v, 'diag', 2, 2)],
    ];
    for (const [name, arg, call] of calls) {
      expectThrowsWith(() => call(LONG_ROW as Bad), `${name}: ${arg} ${LONG_ROW_MESSAGE}`);
      expectThrowsWith(() => call(NULL_CELL as Bad), `${name}: ${arg} ${NULL_MESSAGE}`);
    }
  });

  it('the MDN ops and mdnLoss refuse ragged rows', () => {
    const ragged = [MDN_ROWS[0], [0, 1, 1, 0]];
    const calls: Array<[string, (v: Bad) => unknown]> = [
      ['mdnUnpack', (v) => mdnUnpack(v, SPEC)],
      ['mdnSample', (v) => mdnSample(v, SPEC, {seed: 1})],
      ['mdnMode', (v) => mdnMode(v, SPEC)],
      ['mdnLoss', (v) => mdnLoss(SPEC)(tf.zeros([2, 2]), v)],
    ];
    for (const [name, call] of calls) {
      expectThrowsWith(
        () => call(ragged as Bad),
        `${name}: yPred must be a regular nested array`,
        'row 1 has 4 entries where row 0 has 5',
      );
    }
    expectThrowsWith(() => mdnLoss(SPEC)(NULL_CELL as Bad, tf.tensor(MDN_ROWS)), `mdnLoss: yTrue ${NULL_MESSAGE}`);
  });

  it('GMMLayer.setMixture refuses ragged means', () => {
    const layer = new GMMLayer({nComponents: 2, covarianceType: 'diag'});
    tf.tidy(() => layer.apply(tf.zeros([1, 2])) as tf.Tensor);
    try {
      expectThrowsWith(
        () => layer.setMixture({weights: W, means: LONG_ROW, covariances: VARIANCES}),
        `means ${LONG_ROW_MESSAGE}`,
      );
    } finally {
      layer.dispose();
    }
  });

  it('GaussianMixture.fit refuses a long row, a short row and null cells instead of shifting the data', () => {
    const rows = [
      [0, 0],
      [0.1, 0.2],
      [1, 2, 3],
      [5, 5],
      [5.2, 4.9],
    ];
    const gm = new GaussianMixture({nComponents: 2, covarianceType: 'diag'});
    expectThrowsWith(
      () => gm.fit(rows),
      'GaussianMixture.fit: X must be a regular nested array',
      'row 2 has 3 entries where row 0 has 2',
    );
    expectThrowsWith(
      () => gm.fit([[0, 0], [1], [5, 5]]),
      'GaussianMixture.fit: X must be a regular nested array',
      'row 1 has 1 entry',
    );
    expectThrowsWith(
      () =>
        gm.fit([
          [0, 0],
          [1, null],
          [5, 5],
        ] as Bad),
      'GaussianMixture.fit: X must contain only numbers, but row 1, column 1 is null',
    );
    expectThrowsWith(
      () =>
        gm.fit(
          [
            [0, 0],
            [1, 1],
            [5, 5],
          ],
          {sampleWeight: [1, null, 1] as Bad},
        ),
      'GaussianMixture.fit: sampleWeight must contain only numbers, but entry 1 is null',
    );
    expectThrowsWith(
      () =>
        gm.fit([
          [0, 0],
          [1, '1'],
          [5, 5],
        ] as Bad),
      'row 1, column 1 is the string "1"',
    );
  });

  it('a fitted GaussianMixture refuses ragged input to every scoring and prediction method', () => {
    const gm = new GaussianMixture({nComponents: 2, covarianceType: 'diag', seed: 0}).fit([
      [0, 0],
      [0.1, 0.2],
      [5, 5],
      [5.2, 4.9],
    ]);
    try {
      for (const method of ['predict', 'predictProba', 'scoreSamples', 'score', 'bic', 'aic'] as const) {
        expectThrowsWith(() => gm[method](LONG_ROW), `GaussianMixture.${method}: X ${LONG_ROW_MESSAGE}`);
        expectThrowsWith(() => gm[method](NULL_CELL as Bad), `X ${NULL_MESSAGE}`);
      }
    } finally {
      gm.dispose();
    }
  });

  it('the functional EM API and the initialisers refuse ragged input', () => {
    const params = {covarianceType: 'diag' as const, weights: W, means: MU, covariances: VARIANCES};
    const calls: Array<[string, (v: Bad) => unknown]> = [
      ['emStep', (v) => emStep(v, params)],
      ['emFit', (v) => emFit(v, params)],
      ['kmeans', (v) => kmeans(v, 1)],
      ['kmeansPlusPlus', (v) => kmeansPlusPlus(v, 1)],
      ['initializeGaussianMixture', (v) => initializeGaussianMixture(v, 1)],
    ];
    for (const [name, call] of calls) {
      expectThrowsWith(() => call(LONG_ROW as Bad), `${name}:`, LONG_ROW_MESSAGE);
      expectThrowsWith(() => call(NULL_CELL as Bad), `${name}:`, NULL_MESSAGE);
    }
  });

  it('well-formed nested input still converts: plain rows, typed-array rows, a flat typed array', async () => {
    const expected = tf.tidy(
      () =>
        gmmLogProb(
          tf.tensor2d([
            [0, 0],
            [1, 2],
          ]),
          W,
          MU,
          VARIANCES,
          'diag',
        ).arraySync() as number[][],
    );
    await expectNoLeak(() => {
      const fromRows = gmmLogProb(
        [
          [0, 0],
          [1, 2],
        ],
        W,
        MU,
        VARIANCES,
        'diag',
      );
      const fromTyped = gmmLogProb(
        [new Float32Array([0, 0]), new Float64Array([1, 2])] as Bad,
        W,
        MU,
        VARIANCES,
        'diag',
      );
      const fromFlat = gmmLogProb(new Float32Array([1, 2]), new Float64Array(W), MU, VARIANCES, 'diag');
      // The same float32 values through the same kernel: equal to rounding of the sums (1e-6).
      expectClose(fromRows, expected, {rtol: 1e-6, atol: 1e-6});
      expectClose(fromTyped, expected, {rtol: 1e-6, atol: 1e-6});
      expectClose(fromFlat, expected[1], {rtol: 1e-6, atol: 1e-6});
      tf.dispose([fromRows, fromTyped, fromFlat]);
    });
  });

  it('a refused conversion leaks nothing', async () => {
    await expectNoLeak(() => {
      for (let i = 0; i < 3; i++) expect(() => gmmLogProb(LONG_ROW, W, MU, VARIANCES, 'diag')).to.throw();
    });
  });
});
