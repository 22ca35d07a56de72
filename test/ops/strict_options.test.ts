/**
 * Unknown option keys are errors that name the function, the key and the nearest known one, in
 * every constructor and option bag of the public API; tfjs-layers' own layer arguments stay
 * accepted, and saved layer configs still load.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';

import {assertKnownKeys, nearestKey, optionKeys} from '../../ops/util/args';
import {
  GMMLayer,
  GaussianMixture,
  MixtureDensityHead,
  cholesky,
  emFit,
  emStep,
  fileSystemHandler,
  gmmLogLikelihood,
  gmmLogProb,
  gmmNLL,
  gmmResponsibilities,
  initializeGaussianMixture,
  kmeans,
  kmeansPlusPlus,
  mdnSample,
  precisionCholeskyFromCovariance,
  spdInverse,
  spdLogDet,
  triangularInverse,
  triangularSolve,
} from '../../src';
import {expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {roundTripInMemory} from '../helpers/models';

const X = [
  [0, 0.1],
  [0.2, -0.1],
  [-0.1, 0.05],
  [5, 5.2],
  [5.1, 4.9],
  [4.8, 5.05],
];
const PARAMS = {
  covarianceType: 'diag' as const,
  weights: [0.5, 0.5],
  means: [
    [0, 0],
    [5, 5],
  ],
  covariances: [
    [1, 1],
    [1, 1],
  ],
};
const WEIGHTS = [0.5, 0.5];
const MEANS = [
  [0, 0],
  [5, 5],
];
const VARIANCES = [
  [1, 1],
  [1, 1],
];

/** The start of every unknown-key message: function, key and the suggestion. */
function unknownKey(fn: string, argName: string, key: string, suggestion: string): string {
  return `${fn}: ${argName} must have only known keys, but got "${key}" (did you mean "${suggestion}"?;`;
}

describeOnBackends('strict options', () => {
  it('nearestKey matches snake_case, case and small typos, and nothing far', () => {
    const known = ['nComponents', 'covarianceType', 'tol', 'regCovar'];
    expect(nearestKey('n_components', known)).to.equal('nComponents');
    expect(nearestKey('CovarianceType', known)).to.equal('covarianceType');
    expect(nearestKey('nComponent', known)).to.equal('nComponents');
    expect(nearestKey('reg_covar', known)).to.equal('regCovar');
    expect(nearestKey('foo', known)).to.equal(null);
    expect(nearestKey('learningRate', known)).to.equal(null);
  });

  it('assertKnownKeys names the function, the key, the suggestion and the known keys', () => {
    expectThrowsWith(
      () => assertKnownKeys('f', 'options', {tol: 1, reg_covar: 2}, ['tol', 'regCovar']),
      'f: options must have only known keys, but got "reg_covar" (did you mean "regCovar"?; known keys: tol, regCovar)',
    );
    expectThrowsWith(
      () => assertKnownKeys('f', 'options', {x: 1}, ['tol']),
      'f: options must have only known keys, but got "x" (known keys: tol)',
    );
    expectThrowsWith(
      () => assertKnownKeys('f', 'options', null as never, ['tol']),
      'f: options must be an object, but got null',
    );
    assertKnownKeys('f', 'options', {tol: undefined}, ['tol']);
  });

  it('optionKeys lists the keys of an interface', () => {
    expect(optionKeys<{a?: number; b: string}>({a: true, b: true})).to.deep.equal(['a', 'b']);
  });

  it('GaussianMixture rejects scikit-learn spellings instead of ignoring them', () => {
    expectThrowsWith(
      () => new GaussianMixture({n_components: 3} as never),
      unknownKey('GaussianMixture', 'options', 'n_components', 'nComponents'),
    );
  });

  it('GaussianMixture.fit, fitPredict, score and sample reject unknown options', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({nComponents: 2, covarianceType: 'diag'});
      expectThrowsWith(
        () => gm.fit(X, {sample_weight: [1, 1, 1, 1, 1, 1]} as never),
        unknownKey('GaussianMixture.fit', 'options', 'sample_weight', 'sampleWeight'),
      );
      expectThrowsWith(
        () => gm.fitPredict(X, {sampleWeights: [1, 1, 1, 1, 1, 1]} as never),
        unknownKey('GaussianMixture.fitPredict', 'options', 'sampleWeights', 'sampleWeight'),
      );
      gm.fit(X);
      expectThrowsWith(
        () => gm.score(X, {sampleWeights: [1, 1, 1, 1, 1, 1]} as never),
        unknownKey('GaussianMixture.score', 'options', 'sampleWeights', 'sampleWeight'),
      );
      expectThrowsWith(
        () => gm.sample(3, {randomState: 1} as never),
        'GaussianMixture.sample: options must have only known keys, but got "randomState" (known keys: seed)',
      );
      expectThrowsWith(
        () => gm.sample(3, {Seed: 1} as never),
        unknownKey('GaussianMixture.sample', 'options', 'Seed', 'seed'),
      );
      gm.dispose();
    });
  });

  it('emStep, emFit, kmeans, kmeansPlusPlus and initializeGaussianMixture reject unknown options', async () => {
    await expectNoLeak(() => {
      expectThrowsWith(
        () => emStep(X, PARAMS, {reg_covar: 1e-3} as never),
        unknownKey('emStep', 'options', 'reg_covar', 'regCovar'),
      );
      expectThrowsWith(
        () => emStep(X, PARAMS, {maxIter: 3} as never),
        'emStep: options must have only known keys, but got "maxIter"',
      );
      expectThrowsWith(
        () => emFit(X, PARAMS, {max_iter: 3} as never),
        unknownKey('emFit', 'options', 'max_iter', 'maxIter'),
      );
      expectThrowsWith(
        () => kmeans(X, 2, {n_init: 3} as never),
        'kmeans: options must have only known keys, but got "n_init"',
      );
      expectThrowsWith(
        () => kmeans(X, 2, {maxiter: 3} as never),
        unknownKey('kmeans', 'options', 'maxiter', 'maxIter'),
      );
      expectThrowsWith(
        () => kmeansPlusPlus(X, 2, {random_state: 3} as never),
        'kmeansPlusPlus: options must have only known keys, but got "random_state"',
      );
      expectThrowsWith(
        () => kmeansPlusPlus(X, 2, {maxIter: 3} as never),
        'kmeansPlusPlus: options must have only known keys, but got "maxIter"',
      );
      expectThrowsWith(
        () => initializeGaussianMixture(X, 2, {init_params: 'random'} as never),
        unknownKey('initializeGaussianMixture', 'options', 'init_params', 'initParams'),
      );
    });
  });

  it('the covariance ops reject unknown options, each under its own name', async () => {
    await expectNoLeak(() => {
      const typo = {checkPositiveDefinte: true} as never;
      for (const [fn, call] of [
        ['gmmLogProb', () => gmmLogProb(X, WEIGHTS, MEANS, VARIANCES, 'diag', typo)],
        ['gmmLogLikelihood', () => gmmLogLikelihood(X, WEIGHTS, MEANS, VARIANCES, 'diag', typo)],
        ['gmmResponsibilities', () => gmmResponsibilities(X, WEIGHTS, MEANS, VARIANCES, 'diag', typo)],
        ['gmmNLL', () => gmmNLL(X, WEIGHTS, MEANS, VARIANCES, 'diag', typo)],
      ] as const) {
        expectThrowsWith(call, unknownKey(fn, 'options', 'checkPositiveDefinte', 'checkPositiveDefinite'));
      }
      expectThrowsWith(
        () => gmmNLL(X, WEIGHTS, MEANS, VARIANCES, 'diag', {sampleWeight: [1, 1, 1, 1, 1, 1]} as never),
        unknownKey('gmmNLL', 'options', 'sampleWeight', 'sampleWeights'),
      );
      // gmmNLL's own options still work.
      const weighted = gmmNLL(X, WEIGHTS, MEANS, VARIANCES, 'diag', {
        sampleWeights: [1, 1, 1, 1, 1, 1],
        checkPositiveDefinite: true,
      });
      weighted.dispose();
    });
  });

  it('the linear algebra rejects unknown options', async () => {
    await expectNoLeak(() => {
      const eye = [
        [1, 0],
        [0, 1],
      ];
      expectThrowsWith(
        () => cholesky(eye, {validated: true} as never),
        unknownKey('cholesky', 'options', 'validated', 'validate'),
      );
      expectThrowsWith(
        () => spdInverse(eye, {validated: true} as never),
        unknownKey('spdInverse', 'options', 'validated', 'validate'),
      );
      expectThrowsWith(
        () => spdLogDet(eye, {validated: true} as never),
        unknownKey('spdLogDet', 'options', 'validated', 'validate'),
      );
      expectThrowsWith(
        () => precisionCholeskyFromCovariance(eye, {validated: true} as never),
        unknownKey('precisionCholeskyFromCovariance', 'options', 'validated', 'validate'),
      );
      expectThrowsWith(
        () => triangularSolve(eye, eye, {lowr: true} as never),
        unknownKey('triangularSolve', 'options', 'lowr', 'lower'),
      );
      expectThrowsWith(
        () => triangularInverse(eye, {lowr: true} as never),
        unknownKey('triangularInverse', 'options', 'lowr', 'lower'),
      );
    });
  });

  it('mdnSample and fileSystemHandler reject unknown options', async () => {
    await expectNoLeak(() => {
      const spec = {nComponents: 2, outputDim: 1};
      const yPred = tf.zeros([3, MixtureDensityHead.paramsSize(2, 1)]);
      expectThrowsWith(
        () => mdnSample(yPred, spec, {temperatur: 0.5} as never),
        unknownKey('mdnSample', 'options', 'temperatur', 'temperature'),
      );
      yPred.dispose();
    });
    expectThrowsWith(
      () => fileSystemHandler('./model', {weightsFilename: 'w.bin'} as never),
      unknownKey('fileSystemHandler', 'options', 'weightsFilename', 'weightsFileName'),
    );
  });

  it('GMMLayer and MixtureDensityHead reject unknown args and accept every tfjs-layers LayerArgs key', () => {
    expectThrowsWith(
      () => new GMMLayer({nComponents: 2, covariance_type: 'diag'} as never),
      unknownKey('GMMLayer', 'args', 'covariance_type', 'covarianceType'),
    );
    expectThrowsWith(
      () => new GMMLayer({nComponents: 2, minVarianc: 0.1} as never),
      unknownKey('GMMLayer', 'args', 'minVarianc', 'minVariance'),
    );
    expectThrowsWith(
      () => new MixtureDensityHead({nComponents: 2, outputDim: 1, min_scale: 0.1} as never),
      unknownKey('MixtureDensityHead', 'args', 'min_scale', 'minScale'),
    );
    expectThrowsWith(
      () => new MixtureDensityHead({nComponents: 2, output_dim: 1} as never),
      unknownKey('MixtureDensityHead', 'args', 'output_dim', 'outputDim'),
    );
    const layerArgs = {
      inputShape: [2],
      batchInputShape: [null, 2],
      batchSize: 4,
      dtype: 'float32' as const,
      name: 'named',
      trainable: false,
      weights: undefined,
      inputDType: 'float32' as const,
    };
    const layer = new GMMLayer({nComponents: 2, ...layerArgs});
    expect(layer.name).to.equal('named');
    expect(layer.trainable).to.equal(false);
    const head = new MixtureDensityHead({nComponents: 2, outputDim: 1, ...layerArgs, name: 'head'});
    expect(head.name).to.equal('head');
  });

  it('configs saved by getConfig load back through fromConfig and tf.loadLayersModel', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({units: 2, inputShape: [2]}),
        new GMMLayer({nComponents: 2, covarianceType: 'diag', name: 'gmm'}),
      ],
    });
    const loaded = await roundTripInMemory(model);
    expect(loaded.getLayer('gmm')).to.be.instanceOf(GMMLayer);
    const headModel = tfl.sequential({
      layers: [new MixtureDensityHead({nComponents: 2, outputDim: 1, inputShape: [3], name: 'mdn'})],
    });
    const loadedHead = await roundTripInMemory(headModel);
    expect(loadedHead.getLayer('mdn')).to.be.instanceOf(MixtureDensityHead);
    // tfjs-layers adds its customObjects to the config it deserialises.
    const config = {...model.getLayer('gmm').getConfig(), customObjects: {}};
    expect(GMMLayer.fromConfig(GMMLayer, config)).to.be.instanceOf(GMMLayer);
    for (const m of [model, loaded, headModel, loadedHead]) m.dispose();
  });
});
