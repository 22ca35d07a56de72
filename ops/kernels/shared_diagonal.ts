/**
 * Shared mixture, diagonal factors (diag, spherical): elementwise with samples on the last axis.
 *
 * y^T[j, k, n] = p_kj (x'_nj - mu'_kj) with x' = x - c, mu' = mu - c (c: see grouped.ts). The
 * gradient w.r.t. x needs no [N, K, D] tensor: -sum_k g_k p_k^2 (x' - mu'_k) =
 * -(x' * (g p^2) - g (p^2 mu')), two [N, K] x [K, D] matmuls. See shared_triangular_wasm.ts for
 * why samples go on the last axis.
 */
import * as tf from '@tensorflow/tfjs-core';

import {centerOn} from './center';
import {Kernel, KernelForward, KernelGradients} from './kernel';

export const sharedDiagonalKernel: Kernel = {
  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor, center?: tf.Tensor): KernelForward {
    const [N, D] = x.shape;
    const K = means.shape[0];
    const {centeredX, centeredMeans} = centerOn(x, means, center);
    const factorT = tf.reshape(tf.transpose(factor), [D, K, 1]);
    const scaledMeansT = tf.mul(tf.reshape(tf.transpose(centeredMeans), [D, K, 1]), factorT);
    const yT = tf.sub(tf.mul(tf.reshape(tf.transpose(centeredX), [D, 1, N]), factorT), scaledMeansT); // [D, K, N]
    const squaredNorms = tf.transpose(tf.sum(tf.square(yT), 0));
    return {squaredNorms, saved: [yT, centeredX, centeredMeans, factor]};
  },

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [yT, centeredX, centeredMeans, factor] = saved;
    const [N, K] = g.shape;
    const gSum = tf.sum(g, 0);
    const precision = tf.square(factor);
    return {
      dx: () => tf.sub(tf.matMul(g, tf.mul(precision, centeredMeans)), tf.mul(centeredX, tf.matMul(g, precision))),
      // p^2 sum_n g (x' - mu')
      dMeans: () =>
        tf.mul(
          precision,
          tf.sub(tf.matMul(tf.transpose(g), centeredX), tf.mul(tf.reshape(gSum, [K, 1]), centeredMeans)),
        ),
      // sum_n g y^2
      cross: () => tf.transpose(tf.sum(tf.mul(tf.mul(yT, tf.reshape(tf.transpose(g), [1, K, N])), yT), -1)),
      gSum: () => gSum,
    };
  },
};
