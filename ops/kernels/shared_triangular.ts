/**
 * Shared mixture, triangular factors (full, tied): every component in one matmul. This is the
 * straightforward layout for backends whose matmul handles transposed operands natively (webgl,
 * webgpu, tensorflow, cpu); `shared_triangular_wasm.ts` is the layout for wasm.
 *
 * With c = mean_k mu_k (centring keeps float32 cancellation small), X' = [x - c | 1] [N, D+1]
 * and the stacked factors A = [P_1 ... P_K ; -(mu_1 - c)^T P_1 ... -(mu_K - c)^T P_K]
 * [D+1, K*D], Y = X' A holds y_nk = P_k^T (x_n - mu_k) for every k at once. The backward is two
 * more matmuls: X'^T (g*Y) gives sum_n g (x_n - c) y^T and sum_n g y together, and (g*Y) P^T
 * gives d/dx.
 */
import * as tf from '@tensorflow/tfjs-core';

import {Kernel, KernelBackward, KernelForward} from './kernel';

export const sharedTriangularKernel: Kernel = {
  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor): KernelForward {
    const [N, D] = x.shape;
    const K = means.shape[0];
    const centre = tf.mean(means, 0, true);
    const centredMeans = tf.sub(means, centre);
    const xAugmented = tf.concat([tf.sub(x, centre), tf.ones([N, 1])], 1);
    const stacked = tf.reshape(tf.transpose(factor, [1, 0, 2]), [D, K * D]);
    const meanRow = tf.reshape(tf.matMul(tf.reshape(centredMeans, [K, 1, D]), factor), [1, K * D]);
    const y = tf.matMul(xAugmented, tf.concat([stacked, tf.neg(meanRow)], 0));
    const squaredNorms = tf.sum(tf.reshape(tf.square(y), [N, K, D]), -1);
    return {squaredNorms, saved: [xAugmented, y, stacked, centredMeans, factor]};
  },

  backward(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelBackward {
    const [xAugmented, y, stacked, centredMeans, factor] = saved;
    const [N, K] = g.shape;
    const D = stacked.shape[0];
    const gy = tf.reshape(tf.mul(tf.reshape(y, [N, K, D]), tf.reshape(g, [N, K, 1])), [N, K * D]);
    const moments = tf.matMul(xAugmented, gy, true, false); // [D+1, K*D]
    const sumGY = tf.reshape(tf.slice(moments, [D, 0], [1, K * D]), [K, D]);
    const sumGXY = tf.transpose(tf.reshape(tf.slice(moments, [0, 0], [D, K * D]), [D, K, D]), [1, 0, 2]);
    const cross = tf.sub(sumGXY, tf.mul(tf.reshape(centredMeans, [K, D, 1]), tf.reshape(sumGY, [K, 1, D])));
    const dx = tf.neg(tf.matMul(gy, stacked, false, true));
    const dMeans = tf.reshape(tf.matMul(factor, tf.reshape(sumGY, [K, D, 1])), [K, D]);
    return {dx, dMeans, cross, gSum: tf.sum(g, 0)};
  },
};
