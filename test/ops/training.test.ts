import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {gmmInit, gmmLogProbPrecisionCholesky, gmmNLL, mixtureNLL} from '../../src';
import {expectClose, expectNoLeak, variableFrom} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {normal, rng} from '../helpers/random';

const TRUE_MEANS = [
  [-4, -3],
  [4, -2],
  [0, 4],
];
const TRUE_WEIGHTS = [0.3, 0.3, 0.4];

/** 600 points from three well-separated unit-variance clusters, in a fixed order. */
function clusters(): {x: number[][]; labels: number[]} {
  const random = rng(2024);
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 600; i++) {
    const u = random();
    const k = u < 0.3 ? 0 : u < 0.6 ? 1 : 2;
    labels.push(k);
    x.push([TRUE_MEANS[k][0] + 0.8 * normal(random), TRUE_MEANS[k][1] + 0.8 * normal(random)]);
  }
  return {x, labels};
}

/** Matches each fitted mean to its nearest true mean and returns the largest distance. */
function worstMeanError(fitted: number[][]): number {
  return Math.max(...TRUE_MEANS.map((t) => Math.min(...fitted.map((f) => Math.hypot(f[0] - t[0], f[1] - t[1])))));
}

describeOnBackends('training through the hand-written gradients', () => {
  const {x} = clusters();

  it('tf.train.adam().minimize on the NLL (precision-Cholesky parameterisation) recovers the true means and weights', async () => {
    const data = tf.tensor2d(x);
    const logits = variableFrom(tf.zeros([3]));
    // Deterministic start: means spread on a small circle around the data center.
    const means = variableFrom(
      tf.tensor2d([
        [0, 1],
        [1, -0.5],
        [-1, -0.5],
      ]),
    );
    const factors = variableFrom(tf.tidy(() => tf.mul(tf.eye(2, 2, [3]), 0.3)));
    const optimizer = tf.train.adam(0.05);
    let first = 0;
    let last = 0;
    for (let step = 0; step < 400; step++) {
      const loss = optimizer.minimize(
        () => mixtureNLL(gmmLogProbPrecisionCholesky(data, logits, means, factors, 'full')),
        true,
      )!;
      if (step === 0) first = loss.dataSync()[0];
      last = loss.dataSync()[0];
      loss.dispose();
    }
    expect(last).to.be.below(first);
    // Means within 0.15 of the truth (sampling error of 600 points is ~0.06 per coordinate).
    expect(worstMeanError(means.arraySync() as number[][])).to.be.below(0.15);
    const fittedWeights = tf.tidy(() => tf.softmax(logits).arraySync()) as number[];
    expectClose([...fittedWeights].sort(), [...TRUE_WEIGHTS].sort(), {atol: 0.05});
    tf.dispose([data, logits, means, factors]);
    optimizer.dispose();
  });

  it('gmmNLL on natural parameters trains when the user reparameterises (softmax weights, exp variances)', async () => {
    const data = tf.tensor2d(x);
    const init = gmmInit(3, 2, 'diag');
    const logits = variableFrom(tf.zeros([3]));
    const means = variableFrom(
      tf.tensor2d([
        [0, 1],
        [1, -0.5],
        [-1, -0.5],
      ]),
    );
    const logVariances = variableFrom(tf.log(init.covariances));
    tf.dispose([init.weights, init.means, init.covariances]);
    const optimizer = tf.train.adam(0.05);
    for (let step = 0; step < 400; step++) {
      tf.dispose(
        optimizer.minimize(() => gmmNLL(data, tf.softmax(logits), means, tf.exp(logVariances), 'diag'), true)!,
      );
    }
    expect(worstMeanError(means.arraySync() as number[][])).to.be.below(0.15);
    tf.dispose([data, logits, means, logVariances]);
    optimizer.dispose();
  });

  it('100 training steps leave tf.memory().numTensors unchanged', async () => {
    const data = tf.tensor2d(x.slice(0, 100));
    await expectNoLeak(() => {
      const logits = variableFrom(tf.zeros([3]));
      const means = variableFrom(
        tf.tensor2d([
          [0, 1],
          [1, -0.5],
          [-1, -0.5],
        ]),
      );
      const factors = variableFrom(tf.eye(2, 2, [3]));
      const optimizer = tf.train.adam(0.05);
      for (let step = 0; step < 100; step++) {
        tf.dispose(
          optimizer.minimize(
            () => mixtureNLL(gmmLogProbPrecisionCholesky(data, logits, means, factors, 'full')),
            true,
          )!,
        );
      }
      optimizer.dispose();
      tf.dispose([logits, means, factors]);
    }, '100-step loop');
    data.dispose();
  });

  it('gmmInit: uniform weights, zero means, identity covariances', () => {
    const expected: Record<string, unknown> = {
      full: [
        [
          [1, 0],
          [0, 1],
        ],
        [
          [1, 0],
          [0, 1],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ],
      tied: [
        [1, 0],
        [0, 1],
      ],
      diag: [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      spherical: [1, 1, 1],
    };
    for (const type of ['full', 'tied', 'diag', 'spherical'] as const) {
      const p = gmmInit(3, 2, type);
      expectClose(p.weights, [1 / 3, 1 / 3, 1 / 3], {atol: 1e-7});
      expectClose(
        p.means,
        [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        {atol: 0},
      );
      expect(p.covariances.arraySync()).to.deep.equal(expected[type]);
      tf.dispose([p.weights, p.means, p.covariances]);
    }
  });
});
