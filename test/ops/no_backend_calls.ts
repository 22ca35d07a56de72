/**
 * Run by no_backend.test.ts in a process where no tfjs backend is registered: calls public
 * functions as a user who forgot to import a backend would, and prints each error message as
 * JSON lines `{call, message}`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {GMMLayer, GaussianMixture, MixtureDensityHead, gmmInit, gmmLogProb, kmeans, mdnSample} from '../../src';

const X = [
  [0, 0],
  [0.1, 0],
  [5, 5],
  [5.1, 5],
];

const calls: Record<string, () => unknown> = {
  'GaussianMixture.fit': () => new GaussianMixture({nComponents: 2}).fit(X),
  gmmLogProb: () => gmmLogProb(X, [1], [[0, 0]], [[1, 1]], 'diag'),
  gmmInit: () => gmmInit(2, 2),
  kmeans: () => kmeans(X, 2),
  mdnSample: () => mdnSample([[0, 0, 0]], {nComponents: 1, outputDim: 1}),
  'GaussianMixture.fromParameters': () =>
    GaussianMixture.fromParameters({weights: [1], means: [[0, 0]], covariances: [[1, 1]]}, {covarianceType: 'diag'}),
  'GMMLayer in a model': () => tfl.sequential({layers: [new GMMLayer({nComponents: 2, inputShape: [2]})]}),
  'MixtureDensityHead.build': () => new MixtureDensityHead({nComponents: 2, outputDim: 1}).build([null, 3]),
};

console.log(JSON.stringify({backends: tf.engine().backendNames()}));
for (const [call, run] of Object.entries(calls)) {
  try {
    run();
    console.log(JSON.stringify({call, message: null}));
  } catch (e) {
    console.log(JSON.stringify({call, message: (e as Error).message}));
  }
}
