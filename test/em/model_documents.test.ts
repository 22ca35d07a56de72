/**
 * fromJSON / fromSklearnJSON / fromParameters accept only self-consistent models: field types,
 * ranges, shapes against nComponents and nFeatures, null cells, and covariances that agree with
 * the precision factors.
 */
import * as tf from '@tensorflow/tfjs-core';

import {GaussianMixture, GaussianMixtureJSON, SklearnGaussianMixtureJSON} from '../../src';
import {FACTOR_TOLERANCE} from '../../src/em/factor_consistency';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

const SK = 'GaussianMixture.fromSklearnJSON: ';
const OURS = 'GaussianMixture.fromJSON: ';

/** A full model whose factors are exact: Sigma_0 = [[4, 2], [2, 5]] = (P P^T)^-1 (closed form below). */
function fullModel(): SklearnGaussianMixtureJSON {
  return {
    covariance_type: 'full',
    weights_: [0.4, 0.6],
    means_: [
      [0, 0],
      [3, 1],
    ],
    covariances_: [
      [
        [4, 2],
        [2, 5],
      ],
      [
        [1, 0],
        [0, 1],
      ],
    ],
  };
}

/**
 * The upper factor P of Sigma^-1 = P P^T for Sigma = [[a, b], [b, c]], by hand: with
 * s = sqrt(c - b^2/a), P = [[1/sqrt(a), -b/(a s)], [0, 1/s]] (expand P P^T against the inverse).
 */
function upperFactor(a: number, b: number, c: number): number[][] {
  const s = Math.sqrt(c - (b * b) / a);
  return [
    [1 / Math.sqrt(a), -b / (a * s)],
    [0, 1 / s],
  ];
}

function fitted(): GaussianMixtureJSON {
  const model = GaussianMixture.fromSklearnJSON(fullModel());
  const json = model.toJSON();
  model.dispose();
  return json;
}

function withFitted(change: Record<string, unknown>): GaussianMixtureJSON {
  const json = fitted();
  return {...json, fitted: {...json.fitted!, ...change}} as GaussianMixtureJSON;
}

describeOnBackends('model documents are self-consistent', () => {
  it('the closed-form factor is accepted with its covariances, and scores as the covariances alone', async () => {
    await expectNoLeak(() => {
      const both = GaussianMixture.fromSklearnJSON({
        ...fullModel(),
        precisions_cholesky_: [upperFactor(4, 2, 5), upperFactor(1, 0, 1)],
      });
      const alone = GaussianMixture.fromSklearnJSON(fullModel());
      const x = [
        [1, 2],
        [-1, 0.5],
      ];
      const [a, b] = [both.scoreSamples(x), alone.scoreSamples(x)];
      // Same mixture, factors from float64 closed form vs float32 Cholesky: float32 rounding.
      expectClose(a, b, {rtol: 1e-5, atol: 1e-5});
      tf.dispose([a, b]);
      both.dispose();
      alone.dispose();
    });
  });

  it('covariances that disagree with precisions_cholesky_ are refused, naming both fields and the entry', () => {
    for (const [type, covariances, factor] of [
      ['full', fullModel().covariances_, [upperFactor(4, 2, 5), upperFactor(2, 0, 1)]],
      [
        'tied',
        [
          [4, 2],
          [2, 5],
        ],
        upperFactor(4, 2.5, 5),
      ],
      [
        'diag',
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 1 / Math.sqrt(2)],
          [1 / Math.sqrt(3), 1],
        ],
      ],
      ['spherical', [1, 4], [1, 1]],
    ] as const) {
      expectThrowsWith(
        () =>
          GaussianMixture.fromSklearnJSON({
            ...fullModel(),
            covariance_type: type,
            covariances_: covariances as never,
            precisions_cholesky_: factor as never,
          }),
        `${SK}json.precisions_cholesky_ and json.covariances_ describe different mixtures`,
        `tolerance ${FACTOR_TOLERANCE}`,
      );
    }
    expectThrowsWith(
      () =>
        GaussianMixture.fromJSON(
          withFitted({
            covariances: [
              [
                [4, 2],
                [2, 5],
              ],
              [
                [9, 0],
                [0, 1],
              ],
            ],
          }),
        ),
      `${OURS}json.fitted.precisionsCholesky and json.fitted.covariances describe different mixtures: matrix 1 [0, 0] is 9`,
    );
    expectThrowsWith(
      () =>
        GaussianMixture.fromParameters(
          {
            weights: [1],
            means: [[0]],
            covariances: [2],
            precisionsCholesky: [1],
          },
          {covarianceType: 'spherical'},
        ),
      'GaussianMixture.fromParameters: precisionsCholesky and covariances describe different mixtures: component 0 is 2',
    );
  });

  it('a transposed (lower-triangular) factor and a zero diagonal are refused under the field name', () => {
    const lower = upperFactor(4, 2, 5);
    const transposed = [
      [lower[0][0], 0],
      [lower[0][1], lower[1][1]],
    ];
    expectThrowsWith(
      () =>
        GaussianMixture.fromSklearnJSON({
          ...fullModel(),
          covariances_: undefined,
          precisions_cholesky_: [transposed, upperFactor(1, 0, 1)],
        }),
      `${SK}json.precisions_cholesky_ must be upper triangular`,
      `matrix 0 has [1, 0] = ${Math.fround(lower[0][1])} below the diagonal (a transposed factor?)`,
    );
    expectThrowsWith(
      () =>
        GaussianMixture.fromSklearnJSON({
          covariance_type: 'spherical',
          weights_: [0.5, 0.5],
          means_: [[0], [1]],
          precisions_cholesky_: [0, 1],
        }),
      `${SK}json.precisions_cholesky_ must have a positive diagonal`,
    );
    expectThrowsWith(
      () =>
        GaussianMixture.fromJSON(
          withFitted({covariances: null, precisionsCholesky: [transposed, upperFactor(1, 0, 1)]}),
        ),
      `${OURS}json.fitted.precisionsCholesky must be upper triangular`,
    );
  });

  it('fromSklearnJSON checks types, ranges, shapes and null cells, naming the field', () => {
    const cases: [Partial<SklearnGaussianMixtureJSON> | Record<string, unknown>, string][] = [
      [{converged_: 'yes'}, 'json.converged_ must be true or false, but got "yes"'],
      [{n_iter_: -5}, 'json.n_iter_ must be an integer >= 0, but got -5'],
      [{n_iter_: 1.5}, 'json.n_iter_ must be an integer >= 0, but got 1.5'],
      [{lower_bound_: 'high'}, 'json.lower_bound_ must be a finite number or null (-Infinity), but got "high"'],
      [
        {n_features_in_: 3},
        'json.means_ must have shape [2, 3] (n_components, n_features_in_), but json.means_[0] has 2 entries, not 3',
      ],
      [{n_features_in_: 0}, 'json.n_features_in_ must be an integer >= 1, but got 0'],
      [{weights_: [0.4, null]}, 'json.weights_[1] must be a finite number, but got null'],
      [
        {
          means_: [
            [0, null],
            [3, 1],
          ],
        },
        'json.means_[0][1] must be a finite number, but got null',
      ],
      [
        {
          means_: [
            [0, 0],
            [3, 1, 2],
          ],
        },
        'json.means_ must have shape [2, 2] (n_components, n_features_in_), but json.means_[1] has 3 entries, not 2',
      ],
      [
        {
          covariances_: [
            [
              [4, 2],
              [2, null],
            ],
            [
              [1, 0],
              [0, 1],
            ],
          ],
        },
        'json.covariances_[0][1][1] must be a finite number, but got null',
      ],
      [
        {
          covariances_: [
            [4, 2],
            [2, 5],
          ],
        },
        'json.covariances_ must have shape [2, 2, 2] (n_components, n_features_in_, n_features_in_), but json.covariances_[0][0] is 4, not an array',
      ],
    ];
    for (const [change, message] of cases)
      expectThrowsWith(() => GaussianMixture.fromSklearnJSON({...fullModel(), ...change} as never), SK + message);
    expectThrowsWith(() => GaussianMixture.fromSklearnJSON(null as never), `${SK}json must be an object`);
  });

  it('fromJSON checks the fitted fields: types, ranges, shapes and null cells, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{converged: 'yes'}, 'json.fitted.converged must be true or false, but got "yes"'],
      [{nIter: -5}, 'json.fitted.nIter must be an integer >= 0, but got -5'],
      [
        {nFeatures: 3},
        'json.fitted.means must have shape [2, 3] (nComponents, nFeatures), but json.fitted.means[0] has 2 entries, not 3',
      ],
      [{nFeatures: '2'}, 'json.fitted.nFeatures must be an integer >= 1, but got "2"'],
      [{weights: [0.4, null]}, 'json.fitted.weights[1] must be a finite number, but got null'],
      [
        {weights: [0.4, 0.3, 0.3]},
        'json.fitted.weights must have shape [2] (nComponents), but json.fitted.weights has 3 entries, not 2',
      ],
      [{lowerBound: 'x'}, 'json.fitted.lowerBound must be a finite number or null (-Infinity), but got "x"'],
      [{lowerBounds: [1, null]}, 'json.fitted.lowerBounds[1] must be a finite number, but got null'],
    ];
    for (const [change, message] of cases)
      expectThrowsWith(() => GaussianMixture.fromJSON(withFitted(change)), OURS + message);
    expectThrowsWith(
      () => GaussianMixture.fromJSON({...fitted(), fitted: [] as never}),
      `${OURS}json.fitted must be an object, but got []`,
    );
  });

  it('a fitted model round-trips through both formats unchanged', async () => {
    await expectNoLeak(() => {
      const x = [
        [0, 0],
        [0.1, 0.3],
        [0.2, -0.1],
        [5, 5],
        [5.2, 4.9],
        [4.8, 5.3],
      ];
      for (const covarianceType of ['full', 'tied', 'diag', 'spherical'] as const) {
        const model = new GaussianMixture({nComponents: 2, covarianceType, seed: 3}).fit(x);
        const copies = [
          GaussianMixture.fromJSON(model.toJSON()),
          GaussianMixture.fromSklearnJSON(model.toSklearnJSON()),
        ];
        const expected = model.scoreSamples(x);
        for (const copy of copies) {
          const got = copy.scoreSamples(x);
          expectClose(got, expected, {atol: 0, rtol: 0}); // same float32 parameters, same kernels
          got.dispose();
          copy.dispose();
        }
        expected.dispose();
        model.dispose();
      }
    });
  });
});
