/**
 * Shared mixture, triangular factors (full, tied): every component in one matmul. This is the
 * straightforward layout for backends whose matmul handles transposed operands natively (webgl,
 * webgpu, tensorflow, cpu); `shared_triangular_wasm.ts` is the layout for wasm.
 *
 * With c = mean_k mu_k (centering keeps float32 cancellation small), X' = [x - c | 1] [N, D+1]
 * and the stacked factors A = [P_1 ... P_K ; -(mu_1 - c)^T P_1 ... -(mu_K - c)^T P_K]
 * [D+1, K*D], Y = X' A holds y_nk = P_k^T (x_n - mu_k) for every k at once. The backward is two
 * more matmuls: X'^T (g*Y) gives sum_n g (x_n - c) y^T and sum_n g y together, and (g*Y) P^T
 * gives d/dx.
 */
import * as tf from '@tensorflow/tfjs-core';

import {centerOn} from './center';
import {Kernel, KernelForward, KernelGradients} from './kernel';

export const sharedTriangularGenericKernel: Kernel = {
  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor, center?: tf.Tensor): KernelForward {
    const [N, D] = x.shape;
    const K = means.shape[0];
    const {centeredX, centeredMeans} = centerOn(x, means, center);
    const xAugmented = tf.concat([centeredX, tf.ones([N, 1])], 1);
    const stacked = tf.reshape(tf.transpose(factor, [1, 0, 2]), [D, K * D]);
    const meanRow = tf.reshape(tf.matMul(tf.reshape(centeredMeans, [K, 1, D]), factor), [1, K * D]);
    const y = tf.matMul(xAugmented, tf.concat([stacked, tf.neg(meanRow)], 0));
    const squaredNorms = tf.sum(tf.reshape(tf.square(y), [N, K, D]), -1);
    return {squaredNorms, saved: [xAugmented, y, stacked, centeredMeans, factor]};
  },

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [xAugmented, y, stacked, centeredMeans, factor] = saved;
    const [N, K] = g.shape;
    const D = stacked.shape[0];
    // g * Y feeds every gradient, so it is formed once, up front.
    const gy = tf.reshape(tf.mul(tf.reshape(y, [N, K, D]), tf.reshape(g, [N, K, 1])), [N, K * D]);
    return {
      dx: () => tf.neg(tf.matMul(gy, stacked, false, true)),
      dMeans: () => {
        const sumGY = tf.reshape(tf.matMul(tf.ones([1, N]), gy), [K, D, 1]);
        return tf.reshape(tf.matMul(factor, sumGY), [K, D]);
      },
      cross: () => {
        const moments = tf.matMul(xAugmented, gy, true, false); // [D+1, K*D]: sum g x' y^T and sum g y
        const sumGXY = tf.transpose(tf.reshape(tf.slice(moments, [0, 0], [D, K * D]), [D, K, D]), [1, 0, 2]);
        const sumGY = tf.reshape(tf.slice(moments, [D, 0], [1, K * D]), [K, 1, D]);
        return tf.sub(sumGXY, tf.mul(tf.reshape(centeredMeans, [K, D, 1]), sumGY));
      },
      gSum: () => tf.sum(g, 0),
    };
  },
};
