/**
 * `npm run demo`: fit a 3-component Gaussian mixture to generated 2-D data with Adam, through
 * the hand-written gradients of gmmLogProbPrecisionCholesky, and compare with the truth.
 *
 * Runs on the wasm backend (falls back to cpu). Takes a few seconds.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

import {gmmLogProbPrecisionCholesky, mixtureNLL} from '../src';

const TRUE_WEIGHTS = [0.5, 0.3, 0.2];
const TRUE_MEANS = [[-5, -2], [4, -3], [0, 5]];
const TRUE_STDS = [[1.0, 0.6], [0.8, 1.2], [1.5, 0.5]];
const N = 3000;
const STEPS = 600;

/** Samples N points from the true mixture with tf's seeded random ops. */
function generate(): tf.Tensor2D {
  return tf.tidy(() => {
    const labels = tf.multinomial(tf.log(tf.tensor1d(TRUE_WEIGHTS)) as tf.Tensor1D, N, 7, false) as tf.Tensor1D;
    const oneHot = tf.cast(tf.oneHot(labels, 3), 'float32');
    const noise = tf.randomNormal([N, 2], 0, 1, 'float32', 11);
    const means = tf.matMul(oneHot, tf.tensor2d(TRUE_MEANS));
    const stds = tf.matMul(oneHot, tf.tensor2d(TRUE_STDS));
    return tf.add(means, tf.mul(noise, stds)) as tf.Tensor2D;
  });
}

function format(rows: number[][]): string {
  return rows.map((r) => `[${r.map((v) => v.toFixed(2).padStart(6)).join(',')}]`).join(' ');
}

async function main(): Promise<void> {
  const backend = (await tf.setBackend('wasm')) ? 'wasm' : 'cpu';
  if (backend === 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  console.log(`tfjs-gmm demo on the ${tf.getBackend()} backend: ${N} points from 3 Gaussians in 2-D`);

  const x = generate();
  // Start: equal weights, means on a small circle around the data mean, unit precision factors.
  const centre = tf.tidy(() => tf.mean(x, 0));
  const init = tf.tidy(() => tf.add(centre, tf.tensor2d([[1, 0], [-0.5, 0.87], [-0.5, -0.87]])));
  const logits = tf.variable(tf.zeros([3]));
  const means = tf.variable(init);
  const factors = tf.variable(tf.tidy(() => tf.mul(tf.eye(2, 2, [3]), 0.3)));
  tf.dispose([centre, init]);

  const optimizer = tf.train.adam(0.05);
  const start = performance.now();
  for (let step = 0; step <= STEPS; step++) {
    const loss = optimizer.minimize(() => mixtureNLL(gmmLogProbPrecisionCholesky(x, logits, means, factors, 'full')), true)!;
    if (step % 100 === 0) console.log(`step ${String(step).padStart(4)}  NLL ${loss.dataSync()[0].toFixed(4)}`);
    loss.dispose();
  }
  const seconds = (performance.now() - start) / 1000;

  const fittedMeans = means.arraySync() as number[][];
  const fittedWeights = tf.tidy(() => tf.softmax(logits).arraySync() as number[]);
  // Match every true component with its nearest fitted mean.
  const order = TRUE_MEANS.map((t) => fittedMeans.reduce((best, m, i) =>
    (Math.hypot(m[0] - t[0], m[1] - t[1]) < Math.hypot(fittedMeans[best][0] - t[0], fittedMeans[best][1] - t[1]) ? i : best), 0));
  console.log(`\nfitted in ${seconds.toFixed(1)} s (${STEPS} Adam steps)`);
  console.log(`true means:    ${format(TRUE_MEANS)}`);
  console.log(`fitted means:  ${format(order.map((i) => fittedMeans[i]))}`);
  console.log(`true weights:  ${TRUE_WEIGHTS.map((w) => w.toFixed(2)).join(' ')}`);
  console.log(`fitted weights: ${order.map((i) => fittedWeights[i].toFixed(2)).join(' ')}`);
  const worst = Math.max(...TRUE_MEANS.map((t, j) => Math.hypot(fittedMeans[order[j]][0] - t[0], fittedMeans[order[j]][1] - t[1])));
  console.log(`largest mean error: ${worst.toFixed(3)}`);
  tf.dispose([x, logits, means, factors]);
  optimizer.dispose();
  if (worst > 0.3) {
    console.error('demo: the fit did not recover the true means');
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
