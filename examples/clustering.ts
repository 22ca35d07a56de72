/**
 * End-to-end differentiable clustering: a dense encoder followed by a GMMLayer, trained jointly
 * with model.fit.
 *
 * The data are three clusters that a diagonal Gaussian mixture cannot describe in the input
 * coordinates (they are sheared and rotated by an unknown linear map). The encoder is a square
 * Dense layer z = x W + b; the loss is the exact negative log-likelihood of x,
 *   -log p(x) = -log p_GMM(z) - log|det W|,
 * the second term added to the encoder's losses. Training learns the unmixing map and the
 * mixture together, and the layer's responsibilities cluster the points.
 *
 * Run: npx tsx examples/clustering.ts
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {GMMLayer, SeededRandom, fitWithoutTargets, gmmNLLLoss, mixtureResponsibilities, spdLogDet} from '../src';

const D = 4;
const K = 3;

/** Three axis-aligned clusters in a latent space, mixed by a fixed random linear map. */
export function generateClusteringData(N = 900, seed = 1): {x: number[][]; labels: number[]} {
  const rng = new SeededRandom(seed);
  const normal = () => rng.normal();
  const centers = [
    [-3, 0, 0, 0],
    [3, 0, 0, 0],
    [0, 3.5, 0, 0],
  ];
  const scales = [
    [0.6, 1.2, 0.4, 1.0],
    [0.8, 0.5, 1.1, 0.6],
    [1.0, 0.5, 0.7, 0.9],
  ];
  const mixing = Array.from({length: D}, (_, i) =>
    Array.from({length: D}, (_, j) => (i === j ? 1 : 0) + 0.6 * normal()),
  );
  const x: number[][] = [];
  const labels: number[] = [];
  for (let n = 0; n < N; n++) {
    const k = n % K;
    const z = centers[k].map((c, j) => c + scales[k][j] * normal());
    x.push(mixing.map((row) => row.reduce((s, m, j) => s + m * z[j], 0)));
    labels.push(k);
  }
  return {x, labels};
}

/** Dense encoder (square, linear) followed by a diagonal GMMLayer. */
export function buildClusteringModel(): {model: tfl.LayersModel; encoder: tfl.layers.Layer; gmm: GMMLayer} {
  const encoder = tfl.layers.dense({units: D, inputShape: [D], kernelInitializer: 'identity'});
  const gmm = new GMMLayer({nComponents: K, covarianceType: 'diag', minVariance: 1e-3});
  const model = tfl.sequential({layers: [encoder, gmm]});
  // -log|det W|, the log-Jacobian of z = x W + b, joins the loss at every step.
  const kernel = encoder.trainableWeights[0];
  encoder.addLoss(() => tf.mul(spdLogDet(tf.matMul(kernel.read(), kernel.read(), true, false)), -0.5) as tf.Scalar);
  return {model, encoder, gmm};
}

/** Fraction of points whose cluster matches the true label, under the best relabelling. */
export function clusteringAccuracy(assigned: number[], labels: number[]): number {
  const permutations = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  return Math.max(...permutations.map((p) => assigned.filter((a, i) => p[a] === labels[i]).length / labels.length));
}

/** Builds, initialises and trains the model; returns the loss history and the clustering. */
export async function trainClustering(
  options: {epochs?: number; N?: number; trainEncoder?: boolean; log?: (line: string) => void} = {},
) {
  const {x, labels} = generateClusteringData(options.N ?? 900);
  const {model, encoder, gmm} = buildClusteringModel();
  const data = tf.tensor2d(x);
  // The data-driven start: a k-means mixture of the encoder's initial outputs (the identity map).
  gmm.initializeFrom(data, {method: 'kmeans', seed: 0});
  // Freezing the encoder (at the identity) gives the baseline: a diagonal mixture on the raw inputs.
  encoder.trainable = options.trainEncoder ?? true;
  model.compile({optimizer: tf.train.adam(0.02), loss: gmmNLLLoss});
  const epochs = options.epochs ?? 300;
  const history = await fitWithoutTargets(model, data, {
    epochs,
    batchSize: x.length,
    verbose: 0,
    shuffle: false,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        if (options.log && (epoch % 50 === 0 || epoch === epochs - 1))
          options.log(`epoch ${String(epoch).padStart(4)}  -log p(x) per point ${logs!.loss.toFixed(4)}`);
      },
    },
  });
  const assigned = tf.tidy(
    () => tf.argMax(mixtureResponsibilities(model.predict(data) as tf.Tensor), 1).arraySync() as number[],
  );
  data.dispose();
  return {
    model,
    encoder,
    gmm,
    losses: history.history.loss as number[],
    accuracy: clusteringAccuracy(assigned, labels),
    x,
    labels,
  };
}

async function main(): Promise<void> {
  await tf.setBackend((await tf.setBackend('wasm')) ? 'wasm' : 'cpu');
  console.log(
    `differentiable clustering on ${tf.getBackend()}: Dense(${D}) encoder + GMMLayer(K=${K}, diag), trained jointly`,
  );
  const result = await trainClustering({log: console.log});
  console.log(`clustering accuracy (best relabelling): ${(100 * result.accuracy).toFixed(1)}%`);
  result.model.dispose();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
