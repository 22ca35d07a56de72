/**
 * BayesianGaussianMixture.fromJSON / fromSklearnJSON accept only self-consistent models: the
 * fields GaussianMixture's documents share (types, ranges, shapes against nComponents and
 * nFeatures, covariances that agree with the precision factors) and the posterior's
 * (weight concentration shape and positivity, mean precision > 0, degrees of freedom > D - 1),
 * each error naming the field.
 */
import {expect} from 'chai';

import {BayesianGaussianMixture, BayesianGaussianMixtureJSON, SklearnBayesianGaussianMixtureJSON} from '../../src';
import {FACTOR_TOLERANCE} from '../../src/em/factor_consistency';
import {expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

const SK = 'BayesianGaussianMixture.fromSklearnJSON: ';
const OURS = 'BayesianGaussianMixture.fromJSON: ';

const X = [
  [0, 0],
  [0.5, 0.4],
  [0.2, 0.9],
  [1, 0.6],
  [4, 4],
  [4.6, 4.2],
  [4.1, 5],
  [5, 4.7],
];

/** Documents of one fitted full model (K = 2, D = 2, dirichlet_process), as plain JSON. */
function documents(): {ours: BayesianGaussianMixtureJSON; sk: SklearnBayesianGaussianMixtureJSON} {
  const model = new BayesianGaussianMixture({nComponents: 2, seed: 3, onWarning: () => {}}).fit(X);
  const docs = JSON.parse(JSON.stringify({ours: model.toJSON(), sk: model.toSklearnJSON()}));
  model.dispose();
  return docs;
}

/** A valid upper factor that is not the fitted one: P = 3 I, Sigma = I / 9. */
const otherFactor = [
  [
    [3, 0],
    [0, 3],
  ],
  [
    [3, 0],
    [0, 3],
  ],
];
const transposed = [
  [
    [1, 0],
    [0.5, 1],
  ],
  [
    [1, 0],
    [0, 1],
  ],
];
const zeroDiagonal = [
  [
    [0, 0],
    [0, 1],
  ],
  [
    [1, 0],
    [0, 1],
  ],
];

describeOnBackends('Bayesian model documents are self-consistent', () => {
  let docs: ReturnType<typeof documents>;
  before(() => {
    docs = documents();
  });
  const withFitted = (change: Record<string, unknown>) =>
    ({...docs.ours, fitted: {...docs.ours.fitted!, ...change}}) as BayesianGaussianMixtureJSON;
  const withSk = (change: Record<string, unknown>) => ({...docs.sk, ...change}) as SklearnBayesianGaussianMixtureJSON;

  it('the documents of a fitted model load (the checks accept what toJSON and toSklearnJSON write)', async () => {
    await expectNoLeak(() => {
      for (const model of [
        BayesianGaussianMixture.fromJSON(docs.ours),
        BayesianGaussianMixture.fromSklearnJSON(docs.sk),
      ]) {
        expect(model.nFeatures).to.equal(2);
        model.dispose();
      }
    });
  });

  it('fromJSON checks the shared fields: types, ranges, shapes and null cells, naming the field', async () => {
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
      [
        {
          means: [
            [0, 0],
            [3, 1, 2],
          ],
        },
        'json.fitted.means must have shape [2, 2] (nComponents, nFeatures), but json.fitted.means[1] has 3 entries, not 2',
      ],
      [
        {
          covariances: [
            [
              [1, 0],
              [0, null],
            ],
            [
              [1, 0],
              [0, 1],
            ],
          ],
        },
        'json.fitted.covariances[0][1][1] must be a finite number, but got null',
      ],
      [{lowerBound: 'x'}, 'json.fitted.lowerBound must be a finite number or null (-Infinity), but got "x"'],
      [{lowerBounds: [1, null]}, 'json.fitted.lowerBounds[1] must be a finite number, but got null'],
    ];
    await expectNoLeak(() => {
      for (const [change, message] of cases)
        expectThrowsWith(() => BayesianGaussianMixture.fromJSON(withFitted(change)), OURS + message);
      expectThrowsWith(
        () => BayesianGaussianMixture.fromJSON({...docs.ours, fitted: [] as never}),
        `${OURS}json.fitted must be an object, but got []`,
      );
    });
  });

  it('fromSklearnJSON checks the shared fields, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{converged_: 'yes'}, 'json.converged_ must be true or false, but got "yes"'],
      [{n_iter_: -5}, 'json.n_iter_ must be an integer >= 0, but got -5'],
      [{lower_bound_: 'high'}, 'json.lower_bound_ must be a finite number or null (-Infinity), but got "high"'],
      [
        {n_features_in_: 3},
        'json.means_ must have shape [2, 3] (n_components, n_features_in_), but json.means_[0] has 2 entries, not 3',
      ],
      [{n_components: 3}, 'json.n_components must equal len(weights_) = 2, but got 3'],
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
          precisions_cholesky_: [
            [
              [1, 0],
              [0, 1],
            ],
          ],
        },
        'json.precisions_cholesky_ must have shape [2, 2, 2] (n_components, n_features_in_, n_features_in_), but json.precisions_cholesky_ has 1 entries, not 2',
      ],
    ];
    await expectNoLeak(() => {
      for (const [change, message] of cases)
        expectThrowsWith(() => BayesianGaussianMixture.fromSklearnJSON(withSk(change)), SK + message);
      expectThrowsWith(() => BayesianGaussianMixture.fromSklearnJSON(null as never), `${SK}json must be an object`);
    });
  });

  it('precision factors inconsistent with the covariances, transposed or with a zero diagonal are refused', async () => {
    await expectNoLeak(() => {
      expectThrowsWith(
        () => BayesianGaussianMixture.fromJSON(withFitted({precisionsCholesky: otherFactor})),
        `${OURS}json.fitted.precisionsCholesky and json.fitted.covariances describe different mixtures: matrix 0 [0, 0]`,
        `tolerance ${FACTOR_TOLERANCE}`,
      );
      expectThrowsWith(
        () => BayesianGaussianMixture.fromSklearnJSON(withSk({precisions_cholesky_: otherFactor})),
        `${SK}json.precisions_cholesky_ and json.covariances_ describe different mixtures: matrix 0 [0, 0]`,
      );
      expectThrowsWith(
        () => BayesianGaussianMixture.fromJSON(withFitted({covariances: null, precisionsCholesky: transposed})),
        `${OURS}json.fitted.precisionsCholesky must be upper triangular`,
        'matrix 0 has [1, 0] = 0.5 below the diagonal (a transposed factor?)',
      );
      expectThrowsWith(
        () =>
          BayesianGaussianMixture.fromSklearnJSON(withSk({covariances_: undefined, precisions_cholesky_: transposed})),
        `${SK}json.precisions_cholesky_ must be upper triangular`,
      );
      expectThrowsWith(
        () =>
          BayesianGaussianMixture.fromSklearnJSON(
            withSk({covariances_: undefined, precisions_cholesky_: zeroDiagonal}),
          ),
        `${SK}json.precisions_cholesky_ must have a positive diagonal`,
      );
      expectThrowsWith(
        () => BayesianGaussianMixture.fromJSON(withFitted({covariances: null, precisionsCholesky: zeroDiagonal})),
        `${OURS}json.fitted.precisionsCholesky must have a positive diagonal`,
      );
    });
  });

  it('the posterior: weight concentration shape and positivity, mean precision > 0, degrees of freedom > D - 1', async () => {
    const ours: [Record<string, unknown>, string][] = [
      [
        {weightConcentration: [[1, 2]]},
        "json.fitted.weightConcentration must hold 2 array(s) of 2 numbers for 'dirichlet_process', but got [[1,2]]",
      ],
      [
        {
          weightConcentration: [
            [1, -1],
            [1, 1],
          ],
        },
        'json.fitted.weightConcentration[0] must be an array of 2 finite numbers > 0, but got [1,-1]',
      ],
      [
        {
          weightConcentration: [
            [1, 2],
            [1, 2, 3],
          ],
        },
        'json.fitted.weightConcentration[1] must be an array of 2 finite numbers > 0, but got [1,2,3]',
      ],
      [{meanPrecision: [0, 1]}, 'json.fitted.meanPrecision must be an array of 2 finite numbers > 0, but got [0,1]'],
      [
        {meanPrecision: [Infinity, 1]},
        'json.fitted.meanPrecision must be an array of 2 finite numbers > 0, but got [null,1]',
      ],
      [
        {degreesOfFreedom: [1, 5]},
        'json.fitted.degreesOfFreedom must be an array of 2 finite numbers > 1, but got [1,5]',
      ],
    ];
    const sk: [Record<string, unknown>, string][] = [
      [
        {
          weight_concentration_: [
            [1, 2],
            [3, null],
          ],
        },
        'json.weight_concentration_[1] must be an array of 2 finite numbers > 0, but got [3,null]',
      ],
      [{mean_precision_: [1, -2]}, 'json.mean_precision_ must be an array of 2 finite numbers > 0, but got [1,-2]'],
      [
        {degrees_of_freedom_: [0.5, 3]},
        'json.degrees_of_freedom_ must be an array of 2 finite numbers > 1, but got [0.5,3]',
      ],
    ];
    await expectNoLeak(() => {
      for (const [change, message] of ours)
        expectThrowsWith(() => BayesianGaussianMixture.fromJSON(withFitted(change)), OURS + message);
      for (const [change, message] of sk)
        expectThrowsWith(() => BayesianGaussianMixture.fromSklearnJSON(withSk(change)), SK + message);
    });
  });

  it('a tied model: degrees_of_freedom_ is one number > D - 1', async () => {
    const model = new BayesianGaussianMixture({
      nComponents: 2,
      covarianceType: 'tied',
      seed: 3,
      onWarning: () => {},
    }).fit(X);
    const json = JSON.parse(JSON.stringify(model.toSklearnJSON()));
    model.dispose();
    await expectNoLeak(() => {
      expectThrowsWith(
        () => BayesianGaussianMixture.fromSklearnJSON({...json, degrees_of_freedom_: 0.9}),
        `${SK}json.degrees_of_freedom_ must be an array of 2 finite numbers > 1, but got [0.9,0.9]`,
      );
      const copy = BayesianGaussianMixture.fromSklearnJSON(json);
      copy.dispose();
    });
  });
});
