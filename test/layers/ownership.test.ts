/**
 * The layers own their weights in a way that survives tfjs idioms: built, called or loaded inside
 * tf.tidy, and a user disposing what getMixture, predict or the MDN readers returned. Returned
 * tensors are the caller's; the layer's weights are not affected by anything done to them.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';

import {GMMLayer, GaussianMixture, MixtureDensityHead, mdnLoss, mdnMode, mdnUnpack} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
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

const MIXTURE = {
  weights: [0.3, 0.7],
  means: [
    [0, 0],
    [5, 5],
  ],
  covariances: [
    [
      [1, 0.2],
      [0.2, 0.5],
    ],
    [
      [0.8, -0.1],
      [-0.1, 1.2],
    ],
  ],
};

function gmmModel(): {model: tfl.Sequential; layer: GMMLayer} {
  const layer = new GMMLayer({nComponents: 2, covarianceType: 'full', inputShape: [2], name: 'gmm'});
  return {model: tfl.sequential({layers: [layer]}), layer};
}

function predictArray(model: tfl.LayersModel, x: number[][]): number[][] {
  return tf.tidy(() => (model.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][]);
}

describeOnBackends('layers own their weights', () => {
  it('a GMMLayer model built, set and called inside tf.tidy works outside it', () => {
    let built: {model: tfl.Sequential; layer: GMMLayer} | null = null;
    const inside = tf.tidy(() => {
      built = gmmModel();
      built.layer.setMixture({
        weights: tf.tensor1d(MIXTURE.weights),
        means: tf.tensor2d(MIXTURE.means),
        covariances: tf.tensor3d(MIXTURE.covariances),
      });
      return (built.model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][];
    });
    const {model, layer} = built!;
    expectClose(predictArray(model, X), inside, {atol: 0, rtol: 0});
    const mixture = layer.getMixture();
    // float32 round trip of softmax(log w) and of the factor inversions.
    expectClose(mixture.weights, MIXTURE.weights, {rtol: 1e-5});
    expectClose(mixture.covariances, MIXTURE.covariances, {atol: 1e-5});
    tf.dispose([mixture.weights, mixture.means, mixture.covariances]);
    model.dispose();
  });

  it('getMixture returns copies: returned from tf.tidy they live, disposed by the user the layer is intact', async () => {
    const {model, layer} = gmmModel();
    layer.setMixture(MIXTURE);
    const before = predictArray(model, X);
    await expectNoLeak(() => {
      const kept = tf.tidy(() => layer.getMixture().means);
      expectClose(kept, MIXTURE.means, {atol: 1e-6});
      kept.dispose();
      const mixture = layer.getMixture();
      tf.dispose([mixture.weights, mixture.means, mixture.covariances]);
      tf.tidy(() => {
        layer.getMixture(); // disposed by the tidy
      });
      const input = tf.tensor2d(X);
      const output = model.predict(input) as tf.Tensor;
      tf.dispose([input, output]);
      expectClose(predictArray(model, X), before, {atol: 0, rtol: 0});
    });
    expect(layer.getWeights().every((w) => !w.isDisposed)).to.equal(true);
    model.dispose();
  });

  it('setMixture copies what it is given: the caller may dispose its tensors', () => {
    const {model, layer} = gmmModel();
    const given = {
      weights: tf.tensor1d(MIXTURE.weights),
      means: tf.tensor2d(MIXTURE.means),
      covariances: tf.tensor3d(MIXTURE.covariances),
    };
    layer.setMixture(given);
    tf.dispose([given.weights, given.means, given.covariances]);
    const mixture = layer.getMixture();
    expectClose(mixture.means, MIXTURE.means, {atol: 1e-6});
    tf.dispose([mixture.weights, mixture.means, mixture.covariances]);
    model.dispose();
  });

  it('a loaded model works inside and after tf.tidy, and a model made from its mixture inside tf.tidy survives', async () => {
    const {model, layer} = gmmModel();
    layer.setMixture(MIXTURE);
    const expected = predictArray(model, X);
    const loaded = await roundTripInMemory(model);
    model.dispose();
    const loadedLayer = loaded.getLayer('gmm') as GMMLayer;
    const inside = tf.tidy(() => (loaded.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][]);
    expectClose(inside, expected, {atol: 0, rtol: 0});
    let gm: GaussianMixture | null = null;
    tf.tidy(() => {
      gm = GaussianMixture.fromParameters(loadedLayer.getMixture(), {covarianceType: 'full'});
    });
    expectClose(predictArray(loaded, X), expected, {atol: 0, rtol: 0});
    // The estimator scores like the layer: mean of logSumExp over the layer's log-probabilities.
    const layerScore =
      expected.map((row) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0))).reduce((a, b) => a + b, 0) / X.length;
    expect(gm!.score(X)).to.be.closeTo(layerScore, 1e-4);
    gm!.dispose();
    loaded.dispose();
  });

  it('a MixtureDensityHead built and called inside tf.tidy, its outputs disposed by the user, keeps working', async () => {
    const head = new MixtureDensityHead({nComponents: 2, outputDim: 1, inputShape: [2], name: 'mdn'});
    let model: tfl.Sequential | null = null;
    const inside = tf.tidy(() => {
      model = tfl.sequential({layers: [head]});
      return (model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][];
    });
    await expectNoLeak(() => {
      const input = tf.tensor2d(X);
      const yPred = model!.predict(input) as tf.Tensor;
      const {weights, means, covariances} = mdnUnpack(yPred, head);
      const mode = mdnMode(yPred, head);
      const loss = tf.tidy(() => tf.mean(mdnLoss(head)(tf.zeros([X.length, 1]), yPred)));
      tf.dispose([input, yPred, weights, means, covariances, mode, loss]);
    });
    expectClose(predictArray(model!, X), inside, {atol: 0, rtol: 0});
    const loaded = await roundTripInMemory(model!);
    const loadedInside = tf.tidy(() => (loaded.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][]);
    expectClose(loadedInside, inside, {atol: 0, rtol: 0});
    expectClose(predictArray(loaded, X), inside, {atol: 0, rtol: 0});
    model!.dispose();
    loaded.dispose();
  });
});
