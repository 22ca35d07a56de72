/**
 * Shared mixture, diagonal factors (diag, spherical): elementwise with samples on the last axis.
 *
 * y^T[j, k, n] = p_kj (x_nj - mu_kj), with the differences formed first: each entry is exact to
 * float32 rounding of its own difference, so every component is accurate relative to its own
 * scale wherever it is, without a centre or groups (`cancellation: 'none'`). The gradients come
 * from y too: dMeans = p sum_n g y, cross = sum_n g y^2, dx = -sum_k g p y. See
 * shared_triangular_wasm.ts for why samples go on the last axis.
 */
import * as tf from '@tensorflow/tfjs-core';

import {Kernel, KernelForward, KernelGradients} from './kernel';

export const sharedDiagonalKernel: Kernel = {
  cancellation: 'none',

  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor): KernelForward {
    const [N, D] = x.shape;
    const K = means.shape[0];
    const factorT = tf.reshape(tf.transpose(factor), [D, K, 1]);
    const differencesT = tf.sub(tf.reshape(tf.transpose(x), [D, 1, N]), tf.reshape(tf.transpose(means), [D, K, 1]));
    const yT = tf.mul(differencesT, factorT); // [D, K, N]
    const squaredNorms = tf.transpose(tf.sum(tf.square(yT), 0));
    return {squaredNorms, saved: [yT, factor]};
  },

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [yT, factor] = saved;
    const [N, K] = g.shape;
    const D = yT.shape[0];
    const gyT = tf.mul(yT, tf.reshape(tf.transpose(g), [1, K, N])); // g y, [D, K, N]
    return {
      // -sum_k g p y: the sum over components (the middle axis) as one matmul per row of D would
      // cost more than the reduction.
      dx: () => tf.neg(tf.transpose(tf.sum(tf.mul(gyT, tf.reshape(tf.transpose(factor), [D, K, 1])), 1))),
      dMeans: () => tf.mul(factor, tf.transpose(tf.sum(gyT, -1))),
      cross: () => tf.transpose(tf.sum(tf.mul(gyT, yT), -1)),
      gSum: () => tf.sum(g, 0),
    };
  },
};
