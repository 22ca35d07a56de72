/**
 * Shared mixture, triangular factors (full, tied), laid out for the wasm backend.
 *
 * Forward, with c = mean_k mu_k (centering keeps float32 cancellation small), x' = x - c,
 * mu' = mu - c and the factors stacked side by side, S = [P_1 ... P_K] [D, K*D]:
 *   Y = x' S - [mu'_1^T P_1 ... mu'_K^T P_K],  |y_nk|^2 = sum over each group of D columns.
 * Backward (upstream g [N, K]), all exact up to linear cancellation:
 *   C_k = sum_n g (x - mu_k)(x - mu_k)^T from one [K*D, N] x [N, D] matmul of g (x' - mu'_k)
 *         with x', minus the rank-one term (sum_n g (x - mu_k)) mu'_k^T;
 *   sum_n g (x - mu_k) y^T = C_k P_k,   sum_n g y = P_k^T sum_n g (x - mu_k);
 *   d/dx = -sum_k g_k Sigma_k^-1 (x' - mu'_k) = (g)(Sigma^-1 mu') - (g (x) x') L,
 * with L the stacked precisions [K*D, D] and g (x) x' the per-sample outer product [N, K*D].
 *
 * Why these layouts on wasm (XNNPACK): matMul re-packs its right operand whenever that tensor
 * is new, at ~10 ns per element, so every large fresh tensor sits on the left of its matmul and
 * the right operand is at most [N, D]; matMul's transpose flags and batched matmuls fall back to
 * a naive loop, so they only touch [K, D, D]-sized tensors; broadcasting over leading axes and
 * reducing the last axis are the fast elementwise patterns.
 */
import * as tf from '@tensorflow/tfjs-core';

import {centerOn} from './center';
import {Kernel, KernelForward, KernelGradients} from './kernel';
import {wasmSquaredNormsAvailable, wasmTriangularSquaredNorms} from './wasm/squared_norms';

export const sharedTriangularWasmKernel: Kernel = {
  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor, center?: tf.Tensor): KernelForward {
    const [N, D] = x.shape;
    const K = means.shape[0];
    const {centeredX, centeredMeans} = centerOn(x, means, center);
    const shifts = tf.matMul(tf.reshape(centeredMeans, [K, 1, D]), factor); // mu'_k^T P_k, [K, 1, D]
    if (wasmSquaredNormsAvailable()) {
      const squaredNorms = wasmTriangularSquaredNorms(centeredX, factor, shifts);
      return {squaredNorms, saved: [centeredX, centeredMeans, factor]};
    }
    const stacked = tf.reshape(tf.transpose(factor, [1, 0, 2]), [D, K * D]); // [i, (k,j)] = P_k[i, j]
    const meanRow = tf.reshape(shifts, [1, K * D]);
    const squaredNorms = tf.sum(
      tf.reshape(tf.squaredDifference(tf.matMul(centeredX, stacked), meanRow), [N, K, D]),
      -1,
    );
    return {squaredNorms, saved: [centeredX, centeredMeans, factor]};
  },

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [centeredX, centeredMeans, factor] = saved;
    const [N, K] = g.shape;
    const D = centeredX.shape[1]!;
    // Small quantities every gradient but d/dx needs are computed once, up front.
    const centeredXT = tf.transpose(centeredX);
    const moments = tf.matMul(tf.concat([centeredXT, tf.ones([1, N])], 0), g); // [sum_n g x' ; sum_n g], [D+1, K]
    const gSum = tf.reshape(tf.slice(moments, [D, 0], [1, K]), [K]);
    // sum_n g (x - mu)
    const gd = tf.sub(tf.transpose(tf.slice(moments, [0, 0], [D, K])), tf.mul(tf.reshape(gSum, [K, 1]), centeredMeans));
    const precision = tf.matMul(factor, tf.transpose(factor, [0, 2, 1])); // P P^T = Sigma^-1
    return {
      dx: () => {
        const outer = tf.reshape(tf.mul(tf.reshape(g, [N, K, 1]), tf.reshape(centeredX, [N, 1, D])), [N, K * D]);
        const precisionMeans = tf.reshape(tf.matMul(precision, tf.reshape(centeredMeans, [K, D, 1])), [K, D]);
        return tf.sub(tf.matMul(g, precisionMeans), tf.matMul(outer, tf.reshape(precision, [K * D, D])));
      },
      dMeans: () => tf.reshape(tf.matMul(precision, tf.reshape(gd, [K, D, 1])), [K, D]),
      cross: () => {
        const gT = tf.reshape(tf.transpose(g), [K, 1, N]);
        const weightedDiffT = tf.mul(
          tf.sub(tf.reshape(centeredXT, [1, D, N]), tf.reshape(centeredMeans, [K, D, 1])),
          gT,
        );
        const gdx = tf.reshape(tf.matMul(tf.reshape(weightedDiffT, [K * D, N]), centeredX), [K, D, D]); // sum g d x'^T
        const scatter = tf.sub(gdx, tf.mul(tf.reshape(gd, [K, D, 1]), tf.reshape(centeredMeans, [K, 1, D]))); // C_k
        return tf.matMul(scatter, factor);
      },
      gSum: () => gSum,
    };
  },
};
