/**
 * Every public EM function and method checks its arguments and fails with
 * `<function>: <argument> must <expectation>, but got <actual>`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  GaussianMixture,
  GaussianMixtureJSON,
  emFit,
  emStep,
  initializeGaussianMixture,
  kmeans,
  kmeansPlusPlus,
} from '../../src';
import {expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

const X = [
  [0, 0],
  [1, 1],
  [2, 0],
  [3, 3],
  [4, 1],
];

describeOnBackends('EM argument validation', () => {
  it('GaussianMixture options', () => {
    const make = (o: object) => () => new GaussianMixture(o as never);
    expectThrowsWith(make({nComponents: 0}), 'GaussianMixture: nComponents must be an integer >= 1, but got 0');
    expectThrowsWith(make({nComponents: 2.5}), 'nComponents must be an integer >= 1, but got 2.5');
    expectThrowsWith(
      make({covarianceType: 'diagonal'}),
      "GaussianMixture: covarianceType must be one of 'full', 'tied', 'diag', 'spherical', 'shared_isotropic', 'constant', but got \"diagonal\"",
    );
    expectThrowsWith(make({tol: -1}), 'GaussianMixture: tol must be a finite number >= 0, but got -1');
    expectThrowsWith(make({regCovar: NaN}), 'GaussianMixture: regCovar must be a finite number >= 0, but got null');
    expectThrowsWith(make({maxIter: -1}), 'GaussianMixture: maxIter must be an integer >= 0, but got -1');
    expectThrowsWith(make({nInit: 0}), 'GaussianMixture: nInit must be an integer >= 1, but got 0');
    expectThrowsWith(
      make({initParams: 'kmeans++'}),
      "GaussianMixture: initParams must be one of 'kmeans', 'k-means++', 'random', 'random_from_data', but got \"kmeans++\"",
    );
    expectThrowsWith(make({warmStart: 'yes'}), 'GaussianMixture: warmStart must be a boolean, but got "yes"');
    expectThrowsWith(make({seed: 1.5}), 'GaussianMixture: seed must be an integer, but got 1.5');
    expectThrowsWith(make({batchSize: 0}), 'GaussianMixture: batchSize must be an integer >= 1, but got 0');
    expectThrowsWith(make({onIteration: 3}), 'GaussianMixture: onIteration must be a function, but got number');
    expectThrowsWith(
      make({nComponents: 2, weightsInit: [1]}),
      'GaussianMixture: weightsInit must have shape [2] (nComponents), but got [1]',
    );
    expectThrowsWith(
      make({nComponents: 2, weightsInit: [0.5, 0.6]}),
      'GaussianMixture: weightsInit must sum to 1, but the sum is 1.1',
    );
    expectThrowsWith(
      make({nComponents: 2, weightsInit: [1.5, -0.5]}),
      'weightsInit must be finite and non-negative, but entry 1 is -0.5',
    );
  });

  it('GaussianMixture.fit arguments', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({nComponents: 2});
      expectThrowsWith(() => gm.fit([0, 1, 2]), 'GaussianMixture.fit: X must have shape [N, D], but got [3]');
      const empty = tf.zeros([0, 2]);
      expectThrowsWith(
        () => gm.fit(empty),
        'GaussianMixture.fit: X must have at least one sample and one feature, but got shape [0, 2]',
      );
      empty.dispose();
      expectThrowsWith(
        () => gm.fit(X, {sampleWeight: [1, 1, 1]}),
        'GaussianMixture.fit: sampleWeight must have shape [5] (N), but got [3]',
      );
      expectThrowsWith(
        () => gm.fit(X, {sampleWeight: [1, 1, -1, 1, 1]}),
        'sampleWeight must contain finite non-negative values, but entry 2 is -1',
      );
      expectThrowsWith(
        () => gm.fit(X, {sampleWeight: [0, 0, 0, 0, 0]}),
        'sampleWeight must have a positive sum, but got 0',
      );
      expectThrowsWith(
        () =>
          new GaussianMixture({
            nComponents: 2,
            meansInit: [
              [0, 0, 0],
              [1, 1, 1],
            ],
          }).fit(X),
        'GaussianMixture.fit: meansInit must have shape [2, 2] (nComponents, D), but got [2, 3]',
      );
      expectThrowsWith(
        () => new GaussianMixture({nComponents: 2, covarianceType: 'diag', precisionsInit: [1, 1]}).fit(X),
        'GaussianMixture.fit: precisionsInit must have shape [2, 2] (K, D), but got [2]',
      );
      expectThrowsWith(
        () => new GaussianMixture({nComponents: 2, covarianceType: 'spherical', precisionsInit: [1, 0]}).fit(X),
        'GaussianMixture.fit: precisionsInit must be positive, but entry 1 is 0',
      );
      expectThrowsWith(
        () =>
          new GaussianMixture({
            nComponents: 1,
            covarianceType: 'tied',
            precisionsInit: [
              [1, 0.5],
              [0, 1],
            ],
          }).fit(X),
        'GaussianMixture.fit: precisionsInit must be symmetric, but matrix 0 has [0, 1] = 0.5 and [1, 0] = 0',
      );
      expectThrowsWith(
        () =>
          new GaussianMixture({
            nComponents: 1,
            covarianceType: 'full',
            precisionsInit: [
              [
                [1, 2],
                [2, 1],
              ],
            ],
          }).fit(X),
        'GaussianMixture.fit: precisionsInit is not positive definite',
      );
    });
  });

  it('methods of an unfitted model, and X with the wrong number of features', () => {
    const gm = new GaussianMixture({nComponents: 2});
    const unfitted = 'must be fitted first (call fit or fromJSON), but it has no parameters';
    expectThrowsWith(() => gm.predict(X), `GaussianMixture.predict: this GaussianMixture ${unfitted}`);
    expectThrowsWith(() => gm.weights, `GaussianMixture.weights: this GaussianMixture ${unfitted}`);
    expectThrowsWith(() => gm.sample(3), `GaussianMixture.sample: this GaussianMixture ${unfitted}`);
    // As scikit-learn: sample(0) on an unfitted model reports that it is not fitted.
    expectThrowsWith(() => gm.sample(0), `GaussianMixture.sample: this GaussianMixture ${unfitted}`);
    expectThrowsWith(() => gm.toSklearnJSON(), `GaussianMixture.toSklearnJSON: this GaussianMixture ${unfitted}`);
    expectThrowsWith(() => gm.bic(X), `GaussianMixture.bic: this GaussianMixture ${unfitted}`);
    expectThrowsWith(() => gm.aic(X), `GaussianMixture.aic: this GaussianMixture ${unfitted}`);
    gm.fit(X);
    expectThrowsWith(
      () => gm.bic([[0, 0, 0]]),
      'GaussianMixture.bic: X must have shape [N, 2] (N, D: 2 features seen in fit), but got [1, 3]',
    );
    expectThrowsWith(
      () => gm.predict([[0, 0, 0]]),
      'GaussianMixture.predict: X must have shape [N, 2] (N, D: 2 features seen in fit), but got [1, 3]',
    );
    expectThrowsWith(
      () => gm.scoreSamples([0, 0]),
      'GaussianMixture.scoreSamples: X must have shape [N, 2] (N, D: 2 features seen in fit), but got [2]',
    );
    expectThrowsWith(
      () => gm.score(X, {sampleWeight: [1]}),
      'GaussianMixture.score: sampleWeight must have shape [5] (N), but got [1]',
    );
    const empty = gm.sample(0);
    expect([empty.samples.shape, empty.labels.shape]).to.deep.equal([[0, 2], [0]]);
    tf.dispose([empty.samples, empty.labels]);
    expectThrowsWith(() => gm.sample(-1), 'GaussianMixture.sample: n must be an integer >= 0, but got -1');
    expectThrowsWith(() => gm.sample(2.5), 'GaussianMixture.sample: n must be an integer >= 0, but got 2.5');
    const warm = new GaussianMixture({nComponents: 1, warmStart: true}).fit(X);
    expectThrowsWith(
      () =>
        warm.fit([
          [0, 0, 0],
          [1, 1, 1],
        ]),
      'GaussianMixture.fit: X must have shape [N, 2] to warm-start the fitted model (D = 2), but got [2, 3]',
    );
    gm.dispose();
    warm.dispose();
  });

  it('emStep and emFit arguments', async () => {
    await expectNoLeak(() => {
      const p = {
        covarianceType: 'diag' as const,
        weights: [0.5, 0.5],
        means: [
          [0, 0],
          [3, 3],
        ],
        covariances: [
          [1, 1],
          [1, 1],
        ],
      };
      expectThrowsWith(
        () =>
          emStep(X, {
            ...p,
            means: [
              [0, 0, 0],
              [1, 1, 1],
            ],
          }),
        'emStep: params.means must have shape [2, 2] (K, D), but got [2, 3]',
      );
      expectThrowsWith(
        () => emStep(X, {...p, covariances: [1, 1]}),
        'emStep: params.covariances must have shape [2, 2] (K, D), but got [2]',
      );
      expectThrowsWith(
        () => emStep(X, {...p, covariances: undefined}),
        'emStep: params must have covariances or precisionsCholesky, but got neither',
      );
      expectThrowsWith(
        () => emStep(X, {...p, weights: [0.7, 0.7]}),
        'emStep: params.weights must sum to 1, but the sum is 1.39999',
      );
      expectThrowsWith(
        () => emStep(X, {...p, covarianceType: 'round' as never}),
        "emStep: params.covarianceType must be one of 'full', 'tied', 'diag', 'spherical', 'shared_isotropic', 'constant', but got \"round\"",
      );
      expectThrowsWith(
        () =>
          emStep(X, {
            ...p,
            covariances: undefined,
            precisionsCholesky: [
              [1, 0],
              [1, 1],
            ],
          }),
        'emStep: params.precisionsCholesky must have a positive diagonal (the factor of a positive-definite precision), but entry 1 is 0',
      );
      expectThrowsWith(() => emStep(X, p, {regCovar: -1}), 'emStep: regCovar must be a finite number >= 0, but got -1');
      expectThrowsWith(() => emStep(X, p, {batchSize: 0}), 'emStep: batchSize must be an integer >= 1, but got 0');
      expectThrowsWith(() => emStep([[0, NaN]], p), 'emStep: x must contain only finite values, but row 0 is [0, NaN]');
      expectThrowsWith(() => emFit(X, p, {maxIter: -2}), 'emFit: maxIter must be an integer >= 0, but got -2');
      expectThrowsWith(() => emFit(X, p, {tol: -1}), 'emFit: tol must be a finite number >= 0, but got -1');
    });
  });

  it('initialisers and JSON import', () => {
    expectThrowsWith(
      () => kmeans(X, 6),
      'kmeans: x must have at least nClusters = 6 samples (with positive weight), but got 5',
    );
    expectThrowsWith(() => kmeans(X, 2, {maxIter: 0}), 'kmeans: maxIter must be an integer >= 1, but got 0');
    expectThrowsWith(() => kmeansPlusPlus(X, 0), 'kmeansPlusPlus: nClusters must be an integer >= 1, but got 0');
    expectThrowsWith(
      () => initializeGaussianMixture(X, 2, {initParams: 'grid' as never}),
      "initializeGaussianMixture: initParams must be one of 'kmeans', 'k-means++', 'random', 'random_from_data', but got \"grid\"",
    );
    expectThrowsWith(
      () => GaussianMixture.fromJSON({format: 'other'} as unknown as GaussianMixtureJSON),
      'GaussianMixture.fromJSON: json must be the output of GaussianMixture.toJSON() (format \'tfjs-gmm/GaussianMixture\'), but got format "other"',
    );
    expectThrowsWith(
      () => GaussianMixture.fromSklearnJSON({covariance_type: 'full', weights_: [1], means_: [[0, 0]]} as never),
      'GaussianMixture.fromSklearnJSON: json must have covariances_ or precisions_cholesky_, but got neither',
    );
    expectThrowsWith(
      () =>
        GaussianMixture.fromSklearnJSON({
          covariance_type: 'full',
          weights_: [1],
          means_: [[0, 0]],
          covariances_: [
            [1, 0],
            [0, 1],
          ],
        }),
      'GaussianMixture.fromSklearnJSON: json.covariances_ must have shape [1, 2, 2] (n_components, n_features_in_, n_features_in_), but json.covariances_ has 2 entries, not 1',
    );
    expectThrowsWith(
      () =>
        GaussianMixture.fromSklearnJSON({
          covariance_type: 'box' as never,
          weights_: [1],
          means_: [[0]],
          covariances_: [1],
        }),
      "GaussianMixture.fromSklearnJSON: json.covariance_type must be one of 'full', 'tied', 'diag', 'spherical', but got \"box\"",
    );
  });
});
