/**
 * Per-sample mixtures (one mixture per row, as mixture-density heads produce): elementwise
 * kernels over [N, K, D] (diagonal) and [N, K, D, D] (triangular). Shared parameters are
 * broadcast to [N, ...] before these kernels run.
 */
import * as tf from '@tensorflow/tfjs-core';

import {transposeLast2} from '../linalg/matrix_utils';
import {Kernel, KernelForward, KernelGradients} from './kernel';

function differences(x: tf.Tensor2D, means: tf.Tensor): tf.Tensor {
  const [N, D] = x.shape;
  return tf.sub(tf.reshape(x, [N, 1, D]), means);
}

export const perSampleTriangularKernel: Kernel = {
  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor): KernelForward {
    const d = differences(x, means); // [N, K, D]
    // y_j = sum_i d_i P_ij, reduced over the last axis of P^T.
    const y = tf.sum(tf.mul(transposeLast2(factor), tf.expandDims(d, -2)), -1);
    return {squaredNorms: tf.sum(tf.square(y), -1), saved: [d, y, factor]};
  },

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [d, y, factor] = saved;
    const gy = () => tf.mul(y, tf.expandDims(g, -1));
    const dMeans = () => tf.sum(tf.mul(factor, tf.expandDims(gy(), -2)), -1); // g P y
    return {
      dx: () => tf.neg(tf.sum(dMeans(), 1)),
      dMeans,
      cross: () => tf.mul(tf.expandDims(d, -1), tf.expandDims(gy(), -2)), // g d y^T
      gSum: () => g,
    };
  },
};

export const perSampleDiagonalKernel: Kernel = {
  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor): KernelForward {
    const y = tf.mul(differences(x, means), factor);
    return {squaredNorms: tf.sum(tf.square(y), -1), saved: [y, factor]};
  },

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [y, factor] = saved;
    const gy = () => tf.mul(y, tf.expandDims(g, -1));
    const dMeans = () => tf.mul(factor, gy());
    return {
      dx: () => tf.neg(tf.sum(dMeans(), 1)),
      dMeans,
      cross: () => tf.mul(gy(), y),
      gSum: () => g,
    };
  },
};
